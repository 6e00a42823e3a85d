"""Log lines as JSON objects (LOG_FORMAT=json) or readable text, with the ids of the work.

Every line carries the ids of what wrote it: the tenant, the flow and the run, and the
request (a web request's id, or the Celery task's id in a worker). They live in context
variables, so code that logs needs no change: the request middleware
(monitoring.middleware) and the task signals (monitoring.signals) bind them, and
`ContextFilter` copies them onto every record. A request's ids stay bound until Django's
request_finished, so that Django's own line about the answer ("Not Found: /x", logged after
the middleware returned) carries them too. In JSON every line has the four fields (null
when unknown), so a log search for `run_id=123` finds the lines of one run across workers.

Secrets are kept out of log text where it is written (the run's error is redacted before it
is logged); the formatters add one more pass over the message and traceback for the shapes
a secret takes in transit (bearer tokens, secrets in query strings), which
connectors.redaction knows.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from connectors.redaction import redact_text

ID_FIELDS = ("tenant_id", "flow_id", "run_id", "request_id")
LogIds = MappingProxyType[str, Any]

_ids: ContextVar[LogIds] = ContextVar("apicenter_log_ids", default=MappingProxyType({}))


def current_ids() -> dict[str, Any]:
    return dict(_ids.get())


def bind(**ids: Any) -> Token[LogIds]:
    """Add ids to the current context (None removes one); `unbind` the token to undo."""
    merged = {**_ids.get(), **ids}
    return _ids.set(MappingProxyType({k: v for k, v in merged.items() if v is not None}))


def unbind(token: Token[LogIds]) -> None:
    _ids.reset(token)


def start(**ids: Any) -> None:
    """Begin a unit of work (a request): these ids only, none left from the last one."""
    _ids.set(MappingProxyType({k: v for k, v in ids.items() if v is not None}))


def clear(**_: Any) -> None:
    """End the unit of work (a receiver of Django's request_finished)."""
    _ids.set(MappingProxyType({}))


@contextmanager
def log_context(**ids: Any) -> Iterator[None]:
    token = bind(**ids)
    try:
        yield
    finally:
        unbind(token)


class ContextFilter(logging.Filter):
    """Copy the context's ids onto each record (ids passed in `extra=` win)."""

    def filter(self, record: logging.LogRecord) -> bool:
        ids = _ids.get()
        for name in (*ID_FIELDS, "task"):
            if not hasattr(record, name):
                setattr(record, name, ids.get(name))
        return True


def _message(record: logging.LogRecord) -> str:
    return redact_text(record.getMessage())


def _traceback(record: logging.LogRecord, formatter: logging.Formatter) -> str | None:
    if record.exc_info:
        return redact_text(formatter.formatException(record.exc_info))
    if record.stack_info:
        return redact_text(formatter.formatStack(record.stack_info))
    return None


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the ids, and the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": _message(record),
            **{name: getattr(record, name, None) for name in ID_FIELDS},
            "process": record.processName,
        }
        task = getattr(record, "task", None)
        if task:
            line["task"] = task
        traceback = _traceback(record, self)
        if traceback:
            line["traceback"] = traceback
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """The readable form: Celery's own line layout, with the ids that are known at the end."""

    def __init__(self) -> None:
        super().__init__("[%(asctime)s: %(levelname)s/%(processName)s] %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        record.message = _message(record)
        line = super().formatMessage(record)
        ids = " ".join(
            f"{name.removesuffix('_id')}={getattr(record, name)}"
            for name in ID_FIELDS[:3]
            if getattr(record, name, None) is not None
        )
        return f"{line} ({ids})" if ids else line

    def formatException(self, ei: Any) -> str:  # noqa: N802 - logging's name
        return redact_text(super().formatException(ei))
