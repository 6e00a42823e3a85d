"""The sync engine: one run of one flow, page by page, idempotent and resumable.

Data goes one way: source connector → canonical record → mapping → target payload →
ledger check → target connector → ledger update + record log. Every few seconds, and at the
end of each page, the record logs, the ledger rows, the run's counts and where it is (the
flow's cursor after a whole page, the records done inside a page before) are saved in one
transaction fenced by the run's lease (flows/lease.py), so a run that dies, or whose slice
ends, resumes at the first record it had not done, and a slice that was taken over writes
nothing more.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from connectors.base import (
    AccountingConnector,
    ApiCall,
    BadRecord,
    CallWatch,
    Connector,
    ConnectorError,
    RecordRejected,
)
from connectors.errors import WaitPastDeadline
from connectors.models import Connection
from connectors.ratelimit import in_flight_for
from connectors.records import Record
from connectors.redaction import redact_data
from connectors.registry import connector_class
from flows.copy_rows import insert_rows
from flows.lease import Lease, LeaseLost
from flows.mappings import CompiledMapping, compiled_mapping_for
from flows.masking import mask_personal_data, mask_text, should_mask
from flows.models import Action, ApiCallLog, Flow, FlowRun, LedgerEntry, RecordLog
from flows.position import Position
from flows.reasons import reason_code
from flows.settings_schemas import CustomerDefaults, parse_customer_defaults, parse_settings
from tenants.usage import usage_add

# The reason of a record that failed only because an API was unavailable for a moment (no
# answer in time, or a 429/5xx): flows/retries.py tries those again by themselves. What the
# API answered follows the prefix ("<system> PUT /products/1 answered 503: ..."), so that the
# words never claim a timeout for an answer.
TRANSIENT_REASON = "temporary failure, tried again later"
# The prefix of the rows written before the words above (still retried, still recognised).
OLD_TRANSIENT_REASON = "the API did not answer in time"
# How a reason starts when our own check of the settings speaks, not an API: an email or a
# run page must never quote it as the API's words.
OWN_CHECK = "our check of the settings"
# A wait at least this long is saved as the run's activity at once.
LONG_WAIT_SECONDS = 2.0

T = TypeVar("T")


def payload_hash(payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass
class Outcome:
    """What happened to one record; the engine turns it into a log row and a ledger row."""

    entity: str
    key: str
    action: str
    reason: str = ""
    source: dict[str, Any] | None = None
    payload: dict[str, Any] | None = None
    response: dict[str, Any] | None = None
    diff: dict[str, Any] | None = None
    target_id: str = ""
    # Set to record the outcome in the ledger (hash of the payload that the target now holds).
    ledger_hash: str | None = None
    # The source record that owns the key from now on (see LedgerEntry.source_id).
    source_id: str = ""
    source_label: str = ""
    # What the ledger keeps of the source (see LedgerEntry.source_hash).
    source_hash: str = ""
    # Unchanged since the last run: counted, not logged one row each (unless asked for).
    quiet: bool = False


class SliceOver(Exception):
    """The slice's time is up (or a wait would outlast it): the run goes on in a next slice,
    which may start after `seconds`."""

    def __init__(self, seconds: float = 0.0) -> None:
        super().__init__(f"the time slice is over; the next may start in {seconds:.1f} s")
        self.seconds = seconds


class RunAborted(Exception):
    """A run-level failure: bad credentials, revoked consent, or an unreachable system."""

    def __init__(self, message: str, *, permanent: bool, connection: Connection | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.connection = connection


@dataclass
class RunContext:
    run: FlowRun
    flow: Flow
    settings: Any
    customer_defaults: CustomerDefaults
    mapping: CompiledMapping | None
    connections: dict[str, Connection]
    customer_mapping: CompiledMapping | None = None
    # SKUs of the orders booked in this run: their stock is synced right after.
    booked_skus: set[str] = field(default_factory=set)
    # Values a flow looks up once per run (e.g. another flow's setting).
    extras: dict[str, Any] = field(default_factory=dict)
    mask_personal_data: bool = False
    # The role whose system last refused our credentials (401/403): it needs attention.
    refused_by: str | None = None
    calls: list[ApiCallLog] = field(default_factory=list)
    _connectors: dict[str, Connector] = field(default_factory=dict)
    ledger: dict[str, LedgerEntry] = field(default_factory=dict)
    # The slice's hold on the run (set when a slice takes it); every save is fenced by it.
    lease: Lease | None = None
    # time.monotonic() moment the slice ends (None: no time limit).
    deadline: float | None = None
    # What the run is doing now, saved with its heartbeat.
    activity: str = ""
    position: Position = field(default_factory=Position)
    # Records this slice has done, and when the next slice may start (after a wait).
    handled: int = 0
    # Records this slice put off to the next (a retry would have outlasted it).
    put_off: int = 0
    resume_after: float = 0.0
    # Records handled at once (flows/pages.py): the slice's own thread saves their outcomes;
    # the workers learn from `lease_lost` that they must stop.
    lease_lost: bool = False
    _own_thread: int = field(default_factory=threading.get_ident)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _pool: ThreadPoolExecutor | None = None

    _once_lock: threading.RLock = field(default_factory=threading.RLock)

    @property
    def dry_run(self) -> bool:
        return self.run.dry_run

    def once(self, key: str, make: Callable[[], T]) -> T:
        """What the run works out or reads once (a list, a flow's settings) and keeps in
        `extras`: the first of the records handled at once makes it, the others wait."""
        if key not in self.extras:
            with self._once_lock:
                if key not in self.extras:
                    self.extras[key] = make()
        return self.extras[key]  # type: ignore[no-any-return]

    def connector(self, role: str) -> Connector:
        """The connector of the integration's connection that plays a role ("accounting",
        "shop"), made once per slice."""
        with self._lock:  # workers may ask for it at once
            return self._connector(role)

    def _connector(self, role: str) -> Connector:
        if role not in self._connectors:
            connection = self.connections[role]
            watch = CallWatch(
                on_call=self._recorder(role, connection.system),
                before_attempt=self._before_call,
                on_wait=self._waiting,
                deadline=lambda: self.deadline,
                # Reference lists are read once per run, not per slice.
                scope=f"run-{self.run.pk}-{self.run.queued_at.timestamp()}",
            )
            self._connectors[role] = connector_class(connection.system)(connection, watch=watch)
        return self._connectors[role]

    def accounting(self) -> AccountingConnector:
        """The accounting system's connector, with what the orders flow needs beyond the
        base protocol (connectors.base.AccountingConnector)."""
        connector = self.connector("accounting")
        if not isinstance(connector, AccountingConnector):
            raise RunAborted("the accounting connection cannot book orders", permanent=True)
        return connector

    def slice_over(self) -> bool:
        """Whether the slice should stop: its time is up, and it did a record at least, or
        put one off (so that every slice moves the run on, however short the slices, but one
        whose records all wait does not start the next record's calls past its end)."""
        tried = self.handled or self.put_off
        return bool(tried) and self.deadline is not None and time.monotonic() > self.deadline

    def _before_call(self) -> None:
        if self.slice_over():
            raise WaitPastDeadline("the next call", seconds=0.0)
        self.beat()

    def beat(self, activity: str | None = None, *, force: bool = False) -> None:
        """Note what the run does; every FLOW_HEARTBEAT_SECONDS (or when forced), confirm
        the lease and save that, with the API calls made so far (LeaseLost if taken over).
        A worker thread only notes it: the slice's own thread confirms."""
        if self.lease_lost:
            raise LeaseLost(f"run {self.run.pk} was taken over")
        if activity is not None:
            self.activity = activity[:200]
        if threading.get_ident() != self._own_thread:
            return
        if self.lease is None or not (force or self.lease.due()):
            return
        calls = self.take_calls()
        try:
            with transaction.atomic():
                self.lease.confirm(activity=self.activity, api_calls=F("api_calls") + len(calls))
                flush_calls(self, calls)
        except LeaseLost:
            self.lease_lost = True
            raise

    def take_calls(self) -> list[ApiCallLog]:
        """The API calls recorded since the last save (workers record them meanwhile)."""
        with self._lock:
            calls, self.calls = self.calls, []
        return calls

    def in_flight(self, role: str) -> int:
        """How many records of a page may be handled at once against a role's connection."""
        connection = self.connections[role]
        wanted = in_flight_for(connection.system, connection.config)
        return max(1, min(wanted, settings.FLOW_MAX_IN_FLIGHT))

    def submit(self, work: Callable[..., Any], *args: Any) -> Future[Any]:
        """Run `work(*args)` on one of the slice's worker threads."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(
                max_workers=max(1, settings.FLOW_MAX_IN_FLIGHT), thread_name_prefix="records"
            )
        return self._pool.submit(_on_worker, work, *args)

    def waiting_for(self, wait: WaitPastDeadline) -> None:
        """The slice ends on a wait: the next one starts after it, and the run says so."""
        self.resume_after = wait.seconds
        if wait.seconds > 0:
            self.activity = f"{wait.what} (in {math.ceil(wait.seconds)} s)"[:200]

    def _waiting(self, what: str, seconds: float) -> None:
        # A long wait is shown at once: the run page would otherwise say what it did before.
        self.beat(what, force=seconds >= LONG_WAIT_SECONDS)

    def _recorder(self, role: str, system: str) -> Callable[[ApiCall], None]:
        def record(call: ApiCall) -> None:
            if call.status in (401, 403):
                self.refused_by = role
            with self._lock:
                self.calls.append(
                    ApiCallLog(
                        run=self.run,
                        system=system,
                        method=call.method,
                        path=call.path[:300],
                        status=call.status,
                        duration_ms=call.duration_ms,
                        attempt=call.attempt,
                        error=call.error or "",
                    )
                )

        return record

    @property
    def log_unchanged(self) -> bool:
        """Whether the flow's settings ask for a log row per unchanged record."""
        return bool(getattr(self.settings, "log_unchanged", False))

    def source_digest(self, source: dict[str, Any]) -> str:
        """Hash of a source record with what turns it into a payload (the mapping version
        and the settings it reads): equal hashes give equal payloads."""
        version = self.mapping.version if self.mapping else None
        context = self.mapping_context()
        digest = self.once("mapping_digest", lambda: payload_hash([version, context]))
        return payload_hash([digest, source])

    def mapping_context(self) -> dict[str, Any]:
        # Built once per run: the settings do not change while it runs, and dumping them
        # for every record cost as much as mapping it.
        return self.once("mapping_context", self._mapping_context)

    def _mapping_context(self) -> dict[str, Any]:
        return {
            "settings": self.settings.model_dump(mode="json"),
            "customer_defaults": self.customer_defaults.model_dump(mode="json"),
            **self.flow.definition.mapping_context_extra(self),
        }

    def map(
        self, record: Record, source: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any] | None, str]:
        """Return the target payload for a record, or None and the mapping errors in words.
        `source` is the record as data when the caller has it already."""
        if self.mapping is None:
            return None, "this flow has no mapping"
        data = record.as_source() if source is None else source
        return self.mapping.apply(data, context=self.mapping_context())

    def load_ledger(self, keys: Iterable[str]) -> None:
        rows = LedgerEntry.objects.filter(flow=self.flow, source_key__in=list(keys))
        self.ledger = {row.source_key: row for row in rows}

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        for connector in self._connectors.values():
            connector.close()


def _on_worker(work: Callable[..., Any], *args: Any) -> Any:
    """Run one record on a worker thread; a database connection it had to open (rare: a
    conflict's look-up) is closed with it, so that no thread keeps one."""
    try:
        return work(*args)
    finally:
        if db_connection.connection is not None:
            db_connection.close()


def build_context(run: FlowRun) -> RunContext:
    flow = run.flow
    integration = flow.integration
    return RunContext(
        mask_personal_data=should_mask(run.tenant_id),
        mapping=compiled_mapping_for(flow.mapping) if flow.mapping else None,
        customer_mapping=(
            compiled_mapping_for(flow.customer_mapping) if flow.customer_mapping else None
        ),
        run=run,
        flow=flow,
        settings=parse_settings(flow.kind, flow.settings),
        customer_defaults=parse_customer_defaults(integration.customer_defaults),
        connections=integration.connections(),
    )


# ---- outcomes ---------------------------------------------------------------------------


def failed(entity: str, key: str, reason: str, **extra: Any) -> Outcome:
    return Outcome(entity=entity, key=key, action=Action.FAILED, reason=reason, **extra)


def skipped(entity: str, key: str, reason: str, **extra: Any) -> Outcome:
    return Outcome(entity=entity, key=key, action=Action.SKIPPED, reason=reason, **extra)


def rejected_outcome(entity: str, key: str, error: ConnectorError, **extra: Any) -> Outcome:
    """A record the target refused: its log carries the API's own words, and who said them
    ("<system> POST /salesorders answered 422: ...")."""
    reason = str(error) or error.api_message or ""
    if error.field_errors:
        reason += " (" + "; ".join(f"{k}: {', '.join(v)}" for k, v in error.field_errors.items())
        reason += ")"
    return failed(entity, key, reason, **extra)


def write_failure(entity: str, key: str, error: ConnectorError, **extra: Any) -> Outcome:
    """Turn a write error into the record's outcome; a permanent run-level error aborts."""
    if isinstance(error, RecordRejected):
        return rejected_outcome(entity, key, error, **extra)
    if error.permanent:
        raise RunAborted(str(error), permanent=True) from error
    return failed(entity, key, f"{TRANSIENT_REASON}: {error}", **extra)


def field_diff(current: dict[str, Any] | None, payload: dict[str, Any]) -> dict[str, Any]:
    """Return {field: [current, new]} for the payload fields that differ from the target."""
    if current is None:
        return {name: [None, value] for name, value in payload.items()}
    return {
        name: [current.get(name), value]
        for name, value in payload.items()
        if _comparable(current.get(name)) != _comparable(value)
    }


def _comparable(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return round(float(value), 4)
    return value


# ---- pages ---------------------------------------------------------------------------------


def log_entity(ctx: RunContext) -> str:
    """What the activity log calls the flow's own records (FlowDefinition.log_entities)."""
    return ctx.flow.definition.log_entities[0]


def bad_record_outcome(ctx: RunContext, record: BadRecord) -> Outcome:
    return failed(
        log_entity(ctx),
        record.key,
        f"the source record is invalid: {record.error}",
        source=record.raw,
    )


def save_page(ctx: RunContext, outcomes: list[Outcome], *, stream: str, cursor: str | None) -> None:
    """Save a page's outcomes (or a part's, cursor None) in one transaction that the run's
    lease fences: a slice that was taken over raises LeaseLost here and writes nothing."""
    counts = dict.fromkeys(Action.values, 0)
    for outcome in outcomes:
        counts[outcome.action] += 1
    quiet = sum(1 for outcome in outcomes if outcome.quiet)
    logged = [o for o in outcomes if not o.quiet or ctx.log_unchanged]
    if cursor is not None:
        ctx.position.page_saved()
    calls = ctx.take_calls()
    with transaction.atomic():
        confirm_progress(
            ctx,
            read=F("read") + len(outcomes),
            created=F("created") + counts[Action.CREATED],
            updated=F("updated") + counts[Action.UPDATED],
            skipped=F("skipped") + counts[Action.SKIPPED],
            unchanged=F("unchanged") + quiet,
            failed=F("failed") + counts[Action.FAILED],
            api_calls=F("api_calls") + len(calls),
            activity=ctx.activity,
            position=ctx.position.dump(),
        )
        if logged:
            secrets = [v for c in ctx.connections.values() for v in c.secret_values()]
            insert_rows(RecordLog, [log_row(ctx, o, secrets) for o in logged])
        if not ctx.dry_run:
            save_ledger(ctx, [o for o in outcomes if o.ledger_hash is not None])
            if cursor is not None:
                Flow.objects.filter(pk=ctx.flow.pk).update(
                    cursor={**ctx.flow.cursor, stream: cursor}
                )
                ctx.flow.cursor = {**ctx.flow.cursor, stream: cursor}
        # The company's monthly usage (a dry run's writes are only a preview).
        written = 0 if ctx.dry_run else counts[Action.CREATED] + counts[Action.UPDATED]
        flush_calls(ctx, calls, records_written=written)


def flush_calls(ctx: RunContext, calls: list[ApiCallLog], *, records_written: int = 0) -> None:
    """Keep API calls taken from the context, and count them (and the records written) in
    the company's usage, inside the transaction that saves the run's progress."""
    insert_rows(ApiCallLog, calls)
    usage_add(tenant_id=ctx.run.tenant_id, records=records_written, api_calls=len(calls))


def confirm_progress(ctx: RunContext, **changes: Any) -> None:
    """Write the run's progress if this slice still holds it (first in a transaction)."""
    if ctx.lease is not None:
        ctx.lease.confirm(**changes)
    else:  # a context outside a slice (tests that drive the engine by hand)
        FlowRun.objects.filter(pk=ctx.run.pk).update(heartbeat_at=timezone.now(), **changes)


def log_row(ctx: RunContext, outcome: Outcome, secrets: list[str]) -> RecordLog:
    stored = stored_data(ctx, secrets)
    code, params = reason_code(outcome.reason)
    return RecordLog(
        tenant_id=ctx.run.tenant_id,
        run=ctx.run,
        flow=ctx.flow,
        entity=outcome.entity,
        key=(mask_text(outcome.key) if ctx.mask_personal_data else outcome.key)[:200],
        action=outcome.action,
        reason=outcome.reason,
        reason_code=code,
        reason_params=params,
        source=stored(outcome.source),
        payload=stored(outcome.payload),
        response=stored(outcome.response),
        diff=stored(outcome.diff),
        target_id=outcome.target_id,
        mapping_version=ctx.mapping.version if ctx.mapping else None,
    )


def stored_data(ctx: RunContext, secrets: list[str]) -> Callable[[Any], Any]:
    """Return what turns a record's data into what the log keeps: never a secret, and no
    personal data when the tenant asked for masking."""

    def store(data: Any) -> Any:
        clean = redact_data(data, secrets)
        return mask_personal_data(clean) if ctx.mask_personal_data else clean

    return store


def save_ledger(ctx: RunContext, outcomes: list[Outcome]) -> None:
    rows = {
        o.key: LedgerEntry(
            tenant_id=ctx.run.tenant_id,
            flow=ctx.flow,
            source_key=o.key[:200],
            target_id=o.target_id,
            payload_hash=o.ledger_hash or "",
            source_hash=o.source_hash,
            source_id=o.source_id[:64],
            source_label=o.source_label[:200],
            last_outcome=o.action,
            last_run=ctx.run,
        )
        for o in outcomes
    }
    LedgerEntry.objects.bulk_create(
        list(rows.values()),
        update_conflicts=True,
        unique_fields=["flow", "source_key"],
        update_fields=[
            "target_id",
            "payload_hash",
            "source_hash",
            "source_id",
            "source_label",
            "last_outcome",
            "last_run",
            "updated_at",
        ],
    )
