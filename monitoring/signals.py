"""Signal receivers: log ids and slice lengths for tasks, heartbeats for the scheduler, and
the end of a request's log ids.

They read what the platform stores and change no task: a run's task knows only its run id,
so the tenant and flow for its log lines are looked up here, once per slice (one indexed
read next to the dozens a slice makes).
"""

from __future__ import annotations

import contextlib
import logging
import time
from contextvars import Token
from dataclasses import dataclass
from typing import Any

from celery import signals
from django.core.signals import request_finished
from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone

from connectors import counters
from monitoring.logs import LogIds, bind, clear, unbind

logger = logging.getLogger(__name__)

RUN_TASK = "flows.tasks.run_flow_task"
TICK_TASK = "flows.tasks.schedule_due_flows_task"
# Tasks whose first argument (or run_id) is a run: their lines carry its tenant and flow.
TASKS_OF_A_RUN = frozenset({RUN_TASK, "monitoring.tasks.run_finished_task"})


@dataclass
class Started:
    token: Token[LogIds]
    at: float
    kind: str | None


# Per task id: in a prefork worker one task runs at a time per process, but eager tasks
# run inside others.
_started: dict[str, Started] = {}


def run_id_of(task_name: str, args: Any, kwargs: Any) -> int | None:
    if task_name not in TASKS_OF_A_RUN:
        return None
    value = (kwargs or {}).get("run_id", args[0] if args else None)
    return value if isinstance(value, int) else None


def run_ids(run_id: int) -> dict[str, Any]:
    """The ids of a run's log lines, and its flow kind (None when it cannot be read)."""
    from flows.models import FlowRun

    ids: dict[str, Any] = {"run_id": run_id}
    try:
        row = FlowRun.objects.filter(pk=run_id).values("tenant_id", "flow_id", "flow__kind").first()
    except DatabaseError:
        return ids  # the task meets the same error and says so
    if row is not None:
        ids.update(tenant_id=row["tenant_id"], flow_id=row["flow_id"], kind=row["flow__kind"])
    return ids


@signals.task_prerun.connect
def task_started(task_id: str, task: Any, args: Any = None, kwargs: Any = None, **_: Any) -> None:
    ids: dict[str, Any] = {"request_id": task_id, "task": task.name}
    run_id = run_id_of(task.name, args, kwargs)
    if run_id is not None:
        ids.update(run_ids(run_id))
    kind = ids.pop("kind", None)
    _started[task_id] = Started(token=bind(**ids), at=time.monotonic(), kind=kind)


@signals.task_postrun.connect
def task_finished(task_id: str, task: Any, **_: Any) -> None:
    started = _started.pop(task_id, None)
    if started is None:
        return
    if task.name == RUN_TASK:
        from monitoring.metrics import SLICE_BUCKETS, SLICE_SECONDS

        seconds = time.monotonic() - started.at
        counters.observe(SLICE_SECONDS, seconds, SLICE_BUCKETS, kind=started.kind or "unknown")
    if task.name == TICK_TASK:
        record_heartbeat("tick")
    # A ValueError: bound in another context (a task that ran eagerly somewhere else).
    with contextlib.suppress(ValueError):
        unbind(started.token)


# A request's log ids end with the request (monitoring.middleware binds them).
request_finished.connect(clear, dispatch_uid="monitoring.logs.clear")


@signals.after_task_publish.connect
def task_published(sender: str | None = None, **_: Any) -> None:
    """Beat publishes the tick: that it did so lately is what `beat_health` checks."""
    if sender == TICK_TASK:
        record_heartbeat("beat")


def record_heartbeat(name: str) -> None:
    from monitoring.models import Heartbeat

    try:
        # Beat holds its connection for days: one that a database restart broke is
        # replaced here (never inside a transaction, where closing would lose work).
        if not connection.in_atomic_block:
            close_old_connections()
        Heartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now()})
    except Exception as error:  # noqa: BLE001 - a heartbeat never stops the scheduler
        logger.warning("the %s heartbeat was not recorded: %s", name, error)
