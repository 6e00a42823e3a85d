"""A run's lease: the fencing token that stops a slice that was taken over from writing.

Every slice that takes a run raises `FlowRun.lease` by one and keeps the value it got. Each
write of the slice (a part of a page: record logs, ledger rows, the cursor and the run's
counts; an order's booking mark; the run's end) happens in a transaction whose first
statement is an UPDATE of the run on that value and on the run still running. Once another
slice took the run (a redelivered task, the successor of a run presumed dead) or a person
cancelled it, that UPDATE matches nothing and the slice stops (LeaseLost) before it writes
anything else. PostgreSQL re-checks the condition on the newest row version, so a takeover
that commits first always wins.

The heartbeat comes from the work itself: each API attempt and each record confirm the lease,
at most once every FLOW_HEARTBEAT_SECONDS, so a run that is busy retrying is never presumed
dead. A call to a target cannot sit inside a database transaction; instead it is preceded by
a confirmation whenever the last one is older than the heartbeat interval. A run is presumed
dead only after FLOW_RUN_STALE_SECONDS of silence, far longer, so a slice that was taken over
makes no call after the takeover.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from flows.models import ACTIVE_STATUSES, FlowRun, RunStatus


class LeaseLost(Exception):
    """The run is no longer this slice's: it stops without writing anything more."""


@dataclass
class Lease:
    run_id: int
    token: int
    confirmed_at: float = field(default_factory=time.monotonic)

    def held(self) -> QuerySet[FlowRun]:
        return FlowRun.objects.filter(pk=self.run_id, lease=self.token, status=RunStatus.RUNNING)

    def confirm(self, **changes: Any) -> None:
        """Write `changes` and the heartbeat to the run while the lease is held; else raise
        LeaseLost. Call it first in a transaction to fence the writes that follow."""
        if not self.held().update(heartbeat_at=timezone.now(), **changes):
            raise LeaseLost(lost_reason(self.run_id))
        self.confirmed_at = time.monotonic()

    def due(self) -> bool:
        """Whether the heartbeat interval has passed since the last confirmation."""
        return time.monotonic() - self.confirmed_at >= settings.FLOW_HEARTBEAT_SECONDS


def take(run: FlowRun) -> Lease | None:
    """Take the run for this slice (raising its lease); None when it ended meanwhile."""
    now = timezone.now()
    taken = FlowRun.objects.filter(pk=run.pk, status__in=ACTIVE_STATUSES).update(
        status=RunStatus.RUNNING,
        lease=F("lease") + 1,
        heartbeat_at=now,
        started_at=Coalesce("started_at", now),
        between_slices=False,
    )
    if not taken:
        return None
    run.refresh_from_db(fields=["status", "lease", "heartbeat_at", "started_at", "position"])
    run.between_slices = False
    return Lease(run_id=run.pk, token=run.lease)


def lost_reason(run_id: int) -> str:
    run = FlowRun.objects.filter(pk=run_id).values("status", "lease").first()
    if run is None:
        return f"run {run_id} was deleted"
    if run["status"] == RunStatus.RUNNING:
        return f"run {run_id} was taken over by a newer slice (lease {run['lease']})"
    return f"run {run_id} is {run['status']} already"
