"""Retention: erase old record payloads and delete old runs and logs, in small batches.

Each batch is one short statement on at most 1,000 rows picked by primary key, committed on
its own (no transaction spans batches), so no lock is held for long and the activity log
stays usable while a purge runs. The purge task runs batches until its time slice is used,
then queues itself again; a pass that takes longer than its budget stops and the next beat
continues (expired rows are simply found again). Every tenant gets one audit row per pass.

Order per tenant: delete what is past the metadata retention first (record logs, API calls,
then the runs, whose remaining children Django deletes with them), then erase the payloads
of what is left but past the payload retention; erasing rows about to go is wasted work.
"""

from __future__ import annotations

import copy
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import Model, QuerySet
from django.utils import timezone

from flows.models import ApiCallLog, FlowRun, RecordLog
from monitoring.models import MonitoringSettings, PurgeAudit
from tenants.models import Tenant

MAX_BATCH = 1000
# One task's share of a pass: the worker is given back after this long.
SLICE_SECONDS = 20.0
# A pass stops queueing itself after this long; the next beat continues the work.
PASS_BUDGET_SECONDS = 50 * 60
# Passes never overlap: the lock names the pass that runs (and expires if a worker dies).
PASS_LOCK = "monitoring:purge-pass"
PASS_LOCK_SECONDS = 15 * 60
DEFAULT_SETTINGS = MonitoringSettings()


@dataclass
class Batch:
    """One batch's outcome: how many rows, and the creation times they spanned."""

    count: int = 0
    oldest: datetime | None = None
    newest: datetime | None = None


@dataclass
class TenantTally:
    payloads_purged: int = 0
    record_logs_deleted: int = 0
    api_calls_deleted: int = 0
    runs_deleted: int = 0
    oldest: datetime | None = None
    newest: datetime | None = None

    def add(self, what: str, batch: Batch) -> None:
        setattr(self, what, getattr(self, what) + batch.count)
        if batch.oldest and (self.oldest is None or batch.oldest < self.oldest):
            self.oldest = batch.oldest
        if batch.newest and (self.newest is None or batch.newest > self.newest):
            self.newest = batch.newest

    @property
    def total(self) -> int:
        return (
            self.payloads_purged
            + self.record_logs_deleted
            + self.api_calls_deleted
            + self.runs_deleted
        )


@dataclass
class Clock:
    """The time budget of one task, and the longest batch seen (for the benchmark)."""

    deadline: float | None
    longest_batch: float = 0.0
    longest_step: str = ""
    batches: int = 0

    productive_batches: int = 0

    def expired(self) -> bool:
        """Out of time. A slice stops only after a batch that found rows: a slice resumes at
        its tenant's first step, so this is what makes a chain of slices always advance."""
        if self.deadline is None or self.productive_batches == 0:
            return False
        return time.monotonic() >= self.deadline

    def timed(self, step: str, work: Callable[[], Batch]) -> Batch:
        started = time.monotonic()
        batch = work()
        took = time.monotonic() - started
        if took > self.longest_batch:
            self.longest_batch, self.longest_step = took, step
        self.batches += 1
        self.productive_batches += 1 if batch.count else 0
        return batch


@dataclass
class PurgeProgress:
    pass_id: str
    done: bool
    # Tenants up to this id are finished in this pass; the next task starts after it.
    after_tenant_id: int = 0
    totals: TenantTally = field(default_factory=TenantTally)
    longest_batch_seconds: float = 0.0
    longest_step: str = ""
    batches: int = 0


@dataclass(frozen=True)
class Cutoffs:
    payloads: datetime
    metadata: datetime


def cutoffs_for(settings: MonitoringSettings, now: datetime) -> Cutoffs:
    return Cutoffs(
        payloads=now - timedelta(days=settings.payload_retention_days),
        metadata=now - timedelta(days=settings.metadata_retention_days),
    )


# ---- batches ---------------------------------------------------------------------------------


@dataclass
class Cursor:
    """Where a step's last batch ended: the next one starts after it.

    Picking "the oldest rows" again would make the database step over the index entries
    of every row already deleted (dead until vacuum), so batches would slow down as a
    purge goes on; starting after the last id keeps every pick as fast as the first.
    """

    after_id: int = 0


def pick(
    queryset: QuerySet[Any], *, time_field: str, size: int, cursor: Cursor
) -> tuple[list[int], Batch]:
    """Return the ids of the next `size` rows by id, and their time range."""
    rows = list(
        queryset.filter(id__gt=cursor.after_id).order_by("id").values_list("id", time_field)[:size]
    )
    if not rows:
        return [], Batch()
    cursor.after_id = rows[-1][0]
    times = [row[1] for row in rows]
    return [row[0] for row in rows], Batch(len(rows), min(times), max(times))


def delete_batch(
    model: type[Model], *, queryset: QuerySet[Any], time_field: str, size: int, cursor: Cursor
) -> Batch:
    ids, batch = pick(queryset, time_field=time_field, size=size, cursor=cursor)
    if ids:
        model._default_manager.filter(pk__in=ids).delete()
    return batch


def erase_payload_batch(tenant_id: int, *, cutoffs: Cutoffs, size: int, cursor: Cursor) -> Batch:
    expired = RecordLog.objects.filter(
        tenant_id=tenant_id,
        payload_purged=False,
        created_at__lt=cutoffs.payloads,
        created_at__gte=cutoffs.metadata,
    )
    ids, batch = pick(expired, time_field="created_at", size=size, cursor=cursor)
    if ids:
        batch.count = RecordLog.objects.filter(pk__in=ids, payload_purged=False).update(
            source=None, payload=None, response=None, diff=None, payload_purged=True
        )
    return batch


def expired_record_logs(tenant_id: int, cutoff: datetime) -> QuerySet[RecordLog]:
    return RecordLog.objects.filter(tenant_id=tenant_id, created_at__lt=cutoff)


def expired_api_calls(tenant_id: int, cutoff: datetime) -> QuerySet[ApiCallLog]:
    return ApiCallLog.objects.filter(run__tenant_id=tenant_id, run__queued_at__lt=cutoff)


def expired_runs(tenant_id: int, cutoff: datetime) -> QuerySet[FlowRun]:
    return FlowRun.objects.filter(tenant_id=tenant_id, queued_at__lt=cutoff)


def tenant_steps(
    tenant_id: int, cutoffs: Cutoffs, size: int
) -> list[tuple[str, Callable[[], Batch]]]:
    meta = cutoffs.metadata
    logs, calls, runs, payloads = Cursor(), Cursor(), Cursor(), Cursor()
    return [
        (
            "record_logs_deleted",
            lambda: delete_batch(
                RecordLog,
                queryset=expired_record_logs(tenant_id, meta),
                time_field="created_at",
                size=size,
                cursor=logs,
            ),
        ),
        (
            "api_calls_deleted",
            lambda: delete_batch(
                ApiCallLog,
                queryset=expired_api_calls(tenant_id, meta),
                time_field="created_at",
                size=size,
                cursor=calls,
            ),
        ),
        (
            "runs_deleted",
            lambda: delete_batch(
                FlowRun,
                queryset=expired_runs(tenant_id, meta),
                time_field="queued_at",
                size=size,
                cursor=runs,
            ),
        ),
        (
            "payloads_purged",
            lambda: erase_payload_batch(tenant_id, cutoffs=cutoffs, size=size, cursor=payloads),
        ),
    ]


def run_steps(
    steps: list[tuple[str, Callable[[], Batch]]], *, tally: TenantTally, clock: Clock, size: int
) -> bool:
    """Run each step's batches until it runs dry. Return False if the time ran out first."""
    for what, step in steps:
        while True:
            if clock.expired():
                return False
            batch = clock.timed(what, step)
            tally.add(what, batch)
            if batch.count < size:
                break
    return True


# ---- audit ---------------------------------------------------------------------------------


def audit_add(
    tenant_id: int, *, pass_id: str, cutoffs: Cutoffs, tally: TenantTally, finished: bool
) -> None:
    """Add what this task purged for the tenant to the pass's audit row."""
    if (
        tally.total == 0
        and not PurgeAudit.objects.filter(tenant_id=tenant_id, pass_id=pass_id).exists()
    ):
        return  # nothing expired: no row, so the audit lists only real purges
    audit, _ = PurgeAudit.objects.get_or_create(
        tenant_id=tenant_id,
        pass_id=pass_id,
        defaults={"payloads_cutoff": cutoffs.payloads, "metadata_cutoff": cutoffs.metadata},
    )
    for name in ("payloads_purged", "record_logs_deleted", "api_calls_deleted", "runs_deleted"):
        setattr(audit, name, getattr(audit, name) + getattr(tally, name))
    audit.oldest_at = (
        min(d for d in (audit.oldest_at, tally.oldest) if d)
        if (audit.oldest_at or tally.oldest)
        else None
    )
    audit.newest_at = (
        max(d for d in (audit.newest_at, tally.newest) if d)
        if (audit.newest_at or tally.newest)
        else None
    )
    if finished:
        audit.finished_at = timezone.now()
    audit.save()


# ---- a pass ------------------------------------------------------------------------------------


def settings_by_tenant(tenant_ids: list[int]) -> dict[int, MonitoringSettings]:
    rows = MonitoringSettings.objects.filter(tenant_id__in=tenant_ids)
    return {row.tenant_id: row for row in rows}


def retention_caps(tenant_ids: list[int]) -> dict[int, int]:
    """The plans' log retention: a paying company's logs are kept at most as long as its plan
    says, whatever its own settings ask (the trial has no cap)."""
    paying = Tenant.objects.filter(pk__in=tenant_ids, plan__isnull=False).exclude(
        plan_status="trial"
    )
    return dict(paying.values_list("id", "plan__log_retention_days"))


def capped(settings: MonitoringSettings, days: int | None) -> MonitoringSettings:
    if days is None or settings.metadata_retention_days <= days:
        return settings
    limited = copy.copy(settings)
    limited.metadata_retention_days = days
    limited.payload_retention_days = min(settings.payload_retention_days, days)
    return limited


def purge_tenant(
    tenant_id: int,
    settings: MonitoringSettings,
    *,
    pass_id: str,
    now: datetime,
    size: int,
    clock: Clock,
    totals: TenantTally,
) -> bool:
    cutoffs = cutoffs_for(settings, now)
    tally = TenantTally()
    finished = run_steps(
        tenant_steps(tenant_id, cutoffs, size), tally=tally, clock=clock, size=size
    )
    audit_add(tenant_id, pass_id=pass_id, cutoffs=cutoffs, tally=tally, finished=finished)
    for name in ("payloads_purged", "record_logs_deleted", "api_calls_deleted", "runs_deleted"):
        totals.add(name, Batch(getattr(tally, name), tally.oldest, tally.newest))
    return finished


def purge_expired(
    *,
    pass_id: str | None = None,
    after_tenant_id: int = 0,
    batch_size: int = MAX_BATCH,
    budget_seconds: float | None = None,
    now: datetime | None = None,
) -> PurgeProgress:
    """Purge what every tenant's retention lets go, from the tenant after `after_tenant_id`.

    Return where it stopped: done, or the tenant to continue after when the budget ran out.
    """
    size = max(1, min(batch_size, MAX_BATCH))
    now = now or timezone.now()
    progress = PurgeProgress(
        pass_id=pass_id or uuid.uuid4().hex, done=False, after_tenant_id=after_tenant_id
    )
    clock = Clock(None if budget_seconds is None else time.monotonic() + budget_seconds)
    tenant_ids = list(
        Tenant.objects.filter(pk__gt=after_tenant_id).order_by("id").values_list("id", flat=True)
    )
    known, caps = settings_by_tenant(tenant_ids), retention_caps(tenant_ids)
    for tenant_id in tenant_ids:
        settings = capped(known.get(tenant_id, DEFAULT_SETTINGS), caps.get(tenant_id))
        if not purge_tenant(
            tenant_id,
            settings,
            pass_id=progress.pass_id,
            now=now,
            size=size,
            clock=clock,
            totals=progress.totals,
        ):
            break
        progress.after_tenant_id = tenant_id
    else:
        progress.done = True
    progress.longest_batch_seconds = clock.longest_batch
    progress.longest_step = clock.longest_step
    progress.batches = clock.batches
    return progress


# ---- slices of a pass (what the task runs) ----------------------------------------------


@dataclass
class SliceOutcome:
    status: str
    # Arguments for the task that continues the pass, if it should.
    next_slice: tuple[str, int, float, int] | None = None
    progress: PurgeProgress | None = None


def start_pass() -> str | None:
    """Claim the pass lock for a new pass; None if another pass is still going."""
    pass_id = uuid.uuid4().hex
    return pass_id if cache.add(PASS_LOCK, pass_id, PASS_LOCK_SECONDS) else None


def purge_slice(
    *,
    pass_id: str | None,
    after_tenant_id: int = 0,
    started: float | None = None,
    batch_size: int = MAX_BATCH,
    slice_seconds: float | None = None,
) -> SliceOutcome:
    """Run one slice of a purge pass (a new pass when pass_id is None)."""
    if pass_id is None:
        pass_id = start_pass()
        if pass_id is None:
            return SliceOutcome("busy")
        finish_lost_deletions()
    elif cache.get(PASS_LOCK) != pass_id:
        return SliceOutcome("superseded")
    started = started or time.time()
    progress = purge_expired(
        pass_id=pass_id,
        after_tenant_id=after_tenant_id,
        batch_size=batch_size,
        budget_seconds=SLICE_SECONDS if slice_seconds is None else slice_seconds,
    )
    if progress.done or time.time() - started > PASS_BUDGET_SECONDS:
        cache.delete(PASS_LOCK)
        return SliceOutcome("done" if progress.done else "budget used", progress=progress)
    cache.set(PASS_LOCK, pass_id, PASS_LOCK_SECONDS)
    return SliceOutcome(
        "continued", (pass_id, progress.after_tenant_id, started, batch_size), progress
    )


def finish_lost_deletions() -> None:
    """Delete tenants whose deletion was confirmed but whose task never finished."""
    from monitoring.accounts import pending_deletions, tenant_delete

    for tenant_id in pending_deletions():
        tenant_delete(tenant_id=tenant_id)
