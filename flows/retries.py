"""Records that failed only because an API did not answer are tried again by themselves.

A run's cursor moves past a page even when some of its records failed (a failed record never
blocks the rest), so a record that failed on a timeout or a 5xx storm would otherwise wait
until it changes in the source. When a run ends, its records that failed that way get a
retry run of their own, after a pause that grows with each attempt (1, 4, 16 minutes by
default), up to AUTO_RETRIES times; what still fails then stays failed in the activity log
with its reason, for a person to retry from there. Records the target refused (bad data) are
not retried: the same data would be refused again.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q

from flows.engine import OLD_TRANSIENT_REASON, TRANSIENT_REASON
from flows.models import Action, FlowRun, RecordLog, Trigger
from flows.run_params import RunParams

AUTO_RETRIES = 3
# A retry run carries at most this many records (the rest wait for the next attempt).
MAX_RECORDS = 1000


def retry_transient_failures(run: FlowRun) -> FlowRun | None:
    """Start a later retry run for the run's records that failed on an API that did not
    answer; return it, or None when there is nothing to retry or the attempts are used."""
    attempt = run.params.auto_retry
    if run.dry_run or attempt >= AUTO_RETRIES:
        return None
    ids = list(
        RecordLog.objects.filter(
            Q(reason__startswith=TRANSIENT_REASON) | Q(reason__startswith=OLD_TRANSIENT_REASON),
            run=run,
            action=Action.FAILED,
        ).values_list("pk", flat=True)[:MAX_RECORDS]
    )
    if not ids:
        return None
    from flows.services import flow_run_start

    return flow_run_start(
        flow=run.flow,
        trigger=Trigger.RETRY,
        params=RunParams(record_log_ids=ids, auto_retry=attempt + 1),
        countdown=settings.FLOW_AUTO_RETRY_SECONDS * 4**attempt,
    )
