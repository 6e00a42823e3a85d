"""Writes for flows and runs: start, execute (claim, slice, finish), schedule, retry."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from connectors.crypto import SecretsUnreadable
from flows.engine import RunAborted, RunContext, build_context
from flows.models import Flow, FlowRun, Integration, RecordLog, RunStatus, Trigger
from flows.registry import FLOWS
from flows.settings_schemas import SettingsInvalid

logger = logging.getLogger(__name__)

FINISHED = (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.SKIPPED)
# The mark of a run between two slices: its next slice waits in the queue, as long as the
# queue is long, so its silence is judged by FLOW_TASK_LOST_SECONDS, not by the heartbeat's.
CONTINUED = "continued"
# How often a run that found its flow busy asks again before giving up, and the longest
# pause between two asks. The first pauses are short: a flow is mostly busy with a run that
# ends within a second (an order booked by the webhook that came just before), and the
# deliveries that join the waiting run wait as long as it does.
BUSY_RETRIES = 40
BUSY_RETRY_SECONDS = 10
BUSY_FIRST_RETRY_SECONDS = 0.5


def queue_for(run: FlowRun) -> str:
    if run.trigger in (Trigger.SCHEDULE, Trigger.MANUAL):
        return FLOWS[run.flow.kind].queue
    return "celery"


def enqueue(run: FlowRun, *, countdown: float = 0) -> None:
    from flows.tasks import run_flow_task

    transaction.on_commit(
        lambda: run_flow_task.apply_async((run.pk,), queue=queue_for(run), countdown=countdown)
    )


def flow_run_start(
    *, flow: Flow, trigger: str, params: dict[str, Any] | None = None, countdown: float = 0
) -> FlowRun:
    run = FlowRun.objects.create(
        tenant_id=flow.tenant_id, flow=flow, trigger=trigger, params=params or {}
    )
    enqueue(run, countdown=countdown)
    return run


def stock_run_for_skus(*, integration: Integration, skus: list[str]) -> FlowRun | None:
    """Sync the stock of the SKUs an order run booked, if the stock flow is on."""
    flow = integration.flows.filter(kind="stock", enabled=True).first()
    if flow is None:
        return None
    return flow_run_start(flow=flow, trigger=Trigger.MANUAL, params={"skus": skus})


def retry_records(*, flow: Flow, record_logs: list[RecordLog]) -> FlowRun:
    ids = [log.pk for log in record_logs if log.flow_id == flow.pk]
    return flow_run_start(flow=flow, trigger=Trigger.RETRY, params={"record_log_ids": ids})


# ---- executing a run --------------------------------------------------------------------


def run_execute(run_id: int) -> str:
    """Run (a slice of) a run. Return what happened: done, continued, busy, or finished."""
    run = FlowRun.objects.select_related(
        "flow__integration__asperion", "flow__integration__feeddex", "flow__tenant"
    ).get(pk=run_id)
    if run.status in FINISHED:
        return "finished"
    if not run.flow.tenant.flows_may_run:
        skip(run, run.flow.tenant.pause_reason)
        return "paused"
    if not claim_flow(run):
        return handle_busy(run)
    mark_running(run)
    try:
        ctx = build_context(run)
    except (SettingsInvalid, SecretsUnreadable) as error:
        finish_failed(run, str(error), permanent=True)
        return "done"
    return execute_claimed(ctx)


def execute_claimed(ctx: RunContext) -> str:
    definition = FLOWS[ctx.flow.kind]
    deadline = time.monotonic() + settings.FLOW_SLICE_SECONDS
    try:
        definition.check(ctx)
        done = definition.run(ctx, deadline=deadline)
        if done:
            definition.after_run(ctx)
    except RunAborted as error:
        if error.permanent and ctx.refused_by:
            ctx.connections[ctx.refused_by].mark_failed(str(error), permanent=True)
        finish_failed(ctx.run, str(error), permanent=error.permanent)
        return "done"
    finally:
        try:
            definition.after_slice(ctx)  # also when the run stopped: what it did stays done
        finally:
            ctx.close()
    if not done:
        mark_continued(ctx.run)
        enqueue(ctx.run)  # give the worker back; the next slice resumes from the cursor
        return "continued"
    finish_succeeded(ctx.run)
    return "done"


def stale_after() -> timedelta:
    """How long a running run may go without saving a page before it is presumed dead."""
    return timedelta(seconds=settings.FLOW_RUN_STALE_SECONDS)


def task_lost_after() -> timedelta:
    """How long a run's task may wait in the queue before it is presumed lost."""
    return timedelta(seconds=settings.FLOW_TASK_LOST_SECONDS)


def silent(now: datetime) -> Q:
    """Runs presumed dead: a slice that saved no page for FLOW_RUN_STALE_SECONDS (its worker
    stopped), or a task, first or next slice, queued for FLOW_TASK_LOST_SECONDS (the broker
    lost it). Many tenants' runs share the workers in turns, so a run may rightly wait long
    between two slices: that wait is no sign of a dead worker."""
    lost = now - task_lost_after()
    return (
        (
            Q(status=RunStatus.RUNNING, heartbeat_at__lt=now - stale_after())
            & ~Q(params__has_key=CONTINUED)
        )
        | Q(status=RunStatus.RUNNING, params__has_key=CONTINUED, heartbeat_at__lt=lost)
        | Q(status=RunStatus.QUEUED, queued_at__lt=lost)
    )


def silence(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes >= 1:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{int(span.total_seconds())} seconds"


def claim_flow(run: FlowRun) -> bool:
    """Make this run the flow's only running run, under a row lock (a database claim)."""
    with transaction.atomic():
        flow = Flow.objects.select_for_update().get(pk=run.flow_id)
        holder_id = flow.running_run_id
        if holder_id is not None and holder_id != run.pk:
            holder = (
                FlowRun.objects.filter(pk=holder_id)
                .filter(Q(status__in=FINISHED) | silent(timezone.now()))
                .first()
            )
            if holder is None:
                return False
            # A run whose worker stopped without a word: say so, so it is not left "running".
            FlowRun.objects.filter(pk=holder_id, status=RunStatus.RUNNING).update(
                status=RunStatus.FAILED,
                finished_at=timezone.now(),
                error=f"{why_silent(holder)}; a later run took over",
            )
        Flow.objects.filter(pk=flow.pk).update(running_run=run)
    return True


def skip(run: FlowRun, reason: str) -> None:
    run.status, run.finished_at, run.error = RunStatus.SKIPPED, timezone.now(), reason
    run.save(update_fields=["status", "finished_at", "error"])


def handle_busy(run: FlowRun) -> str:
    attempts = int(run.params.get("busy_attempts", 0))
    if run.trigger == Trigger.SCHEDULE or attempts >= BUSY_RETRIES:
        skip(run, "another run of this flow was busy")
        return "busy"
    run.params = {**run.params, "busy_attempts": attempts + 1}
    run.save(update_fields=["params"])
    enqueue(run, countdown=busy_countdown(attempts))
    return "busy"


def busy_countdown(attempt: int) -> float:
    """0.5, 1, 2, 4, 8, then 10 seconds: about six minutes over all the attempts."""
    return float(min(BUSY_FIRST_RETRY_SECONDS * 2**attempt, BUSY_RETRY_SECONDS))


def mark_running(run: FlowRun) -> None:
    now = timezone.now()
    run.status, run.heartbeat_at = RunStatus.RUNNING, now
    run.started_at = run.started_at or now
    run.params.pop(CONTINUED, None)
    run.save(update_fields=["status", "heartbeat_at", "started_at", "params"])


def mark_continued(run: FlowRun) -> None:
    """The slice is over and the next one queued (the heartbeat says when it was queued)."""
    run.params = {**run.params, CONTINUED: True}
    run.heartbeat_at = timezone.now()
    run.save(update_fields=["params", "heartbeat_at"])


def release_flow(run: FlowRun, **changes: Any) -> None:
    Flow.objects.filter(pk=run.flow_id, running_run=run).update(running_run=None)
    if changes:
        Flow.objects.filter(pk=run.flow_id).update(**changes)


def finish_succeeded(run: FlowRun) -> None:
    FlowRun.objects.filter(pk=run.pk).update(status=RunStatus.SUCCEEDED, finished_at=timezone.now())
    changes: dict[str, Any] = {}
    if not run.dry_run:
        changes = {"needs_attention": False, "attention_reason": ""}
    release_flow(run, **changes)
    notify(run.pk)


def finish_failed(run: FlowRun, message: str, *, permanent: bool) -> None:
    integration = run.flow.integration
    secrets = [*integration.asperion.secret_values(), *integration.feeddex.secret_values()]
    from connectors.redaction import redact_text

    text = redact_text(message, secrets)[:4000]
    FlowRun.objects.filter(pk=run.pk).update(
        status=RunStatus.FAILED, finished_at=timezone.now(), error=text
    )
    changes: dict[str, Any] = {}
    if permanent:
        changes = {"needs_attention": True, "attention_reason": text}
    release_flow(run, **changes)
    logger.warning("run %s of flow %s failed: %s", run.pk, run.flow_id, text)
    notify(run.pk)


def notify(run_id: int) -> None:
    """Hand the finished run to the monitoring (failure and recovery emails)."""
    from flows import notifications

    transaction.on_commit(lambda: notifications.run_finished(run_id))


# ---- scheduling ---------------------------------------------------------------------------


def schedule_due_flows() -> int:
    """Start a run for every enabled flow whose time has come. Return how many started.

    The conditional UPDATE on next_run_at is the claim: with two schedulers, or a tick that
    overlaps the next, each due flow still starts exactly one run.
    """
    now = timezone.now()
    started = 0
    due = Flow.objects.filter(enabled=True, integration__live=True).filter(
        Q(next_run_at__lte=now) | Q(next_run_at__isnull=True)
    )
    for flow in due.select_related("tenant"):
        if not flow.tenant.flows_may_run:
            continue
        next_at = now + timedelta(minutes=flow.interval_minutes)
        claimed = Flow.objects.filter(pk=flow.pk, next_run_at=flow.next_run_at).update(
            next_run_at=next_at
        )
        if claimed:
            flow_run_start(flow=flow, trigger=Trigger.SCHEDULE)
            started += 1
    return started


def resume_stalled_runs() -> int:
    """Fail every run that stopped without a word and start a successor; return how many.

    A run whose worker process died is redelivered by the broker and resumes by itself. A
    run whose task is gone (a broker restarted without persistence, an error outside the
    engine such as a dropped cache connection) would stay "running" for ever: its successor
    reads on from the flow's cursor, and the ledger keeps what the stalled run wrote from
    being written twice. The stalled run is failed by a conditional UPDATE first, so with
    two schedulers each stalled run gets one successor, and a late task of the stalled run
    finds it finished and does nothing.
    """
    stalled = FlowRun.objects.filter(silent(timezone.now()))
    return sum(hand_over_stalled(run) for run in stalled.select_related("flow").order_by("id"))


def hand_over_stalled(run: FlowRun) -> bool:
    """Fail the stalled run and queue its successor (same trigger and input)."""
    with transaction.atomic():
        taken = FlowRun.objects.filter(
            pk=run.pk, status=run.status, heartbeat_at=run.heartbeat_at
        ).update(status=RunStatus.FAILED, finished_at=timezone.now())
        if not taken:
            return False  # it saved a page or finished meanwhile, or another tick took it
        params = {k: v for k, v in run.params.items() if k not in {"busy_attempts", CONTINUED}}
        successor = flow_run_start(
            flow=run.flow, trigger=run.trigger, params={**params, "resumes_run": run.pk}
        )
        FlowRun.objects.filter(pk=run.pk).update(error=stalled_reason(run, successor))
    logger.warning(
        "run %s of flow %s stalled; run %s resumes it", run.pk, run.flow_id, successor.pk
    )
    return True


def stalled_reason(run: FlowRun, successor: FlowRun) -> str:
    if run.status == RunStatus.QUEUED:
        return f"{why_silent(run)}; run #{successor.pk} does its work"
    return f"{why_silent(run)}; run #{successor.pk} carries on from where it stopped"


def why_silent(run: FlowRun) -> str:
    """Why a run matched `silent`, in the words of the run's error."""
    lost = silence(task_lost_after())
    if run.status == RunStatus.QUEUED:
        return f"its task was lost before a worker took it (queued for over {lost})"
    if CONTINUED in run.params:
        return f"its next slice was lost in the queue (queued for over {lost})"
    return f"no sign of life for {silence(stale_after())}: its worker stopped or its task was lost"


# ---- integrations and flow settings ---------------------------------------------------------

DEFAULT_INTERVALS = {
    "products": 60,
    "stock": 15,
    "customers": 60,
    "orders": 5,
    "review_invitations": 60,
}


@transaction.atomic
def integration_create(
    *, tenant: Any, asperion: Any, feeddex: Any, name: str = "Asperion ↔ Feeddex"
) -> Integration:
    """Create an integration with all five flows, disabled, on their default settings and
    default mappings, so that each works as soon as it is switched on."""
    from mapping.services import mapping_create_default

    integration = Integration.objects.create(
        tenant=tenant, name=name, asperion=asperion, feeddex=feeddex
    )
    for kind, minutes in DEFAULT_INTERVALS.items():
        flow = Flow(tenant=tenant, integration=integration, kind=kind, interval_minutes=minutes)
        flow.mapping = mapping_create_default(tenant=tenant, flow_kind=kind)
        if kind == "orders":
            flow.customer_mapping = mapping_create_default(
                tenant=tenant, flow_kind="order_customer"
            )
        flow.save()
    return integration


def flow_update_settings(*, flow: Flow, data: dict[str, Any]) -> Flow:
    """Validate and store a flow's settings; raise SettingsInvalid naming the fields."""
    from flows.settings_schemas import parse_settings

    typed = parse_settings(flow.kind, data)
    flow.settings = typed.model_dump(mode="json")
    flow.save(update_fields=["settings"])
    return flow


def integration_update_customer_defaults(
    *, integration: Integration, data: dict[str, Any]
) -> Integration:
    from flows.settings_schemas import parse_customer_defaults

    integration.customer_defaults = parse_customer_defaults(data).model_dump(mode="json")
    integration.save(update_fields=["customer_defaults"])
    return integration


def flow_set_enabled(*, flow: Flow, enabled: bool) -> Flow:
    flow.enabled = enabled
    if enabled:
        flow.next_run_at = timezone.now()
    flow.save(update_fields=["enabled", "next_run_at"])
    if flow.kind == "orders":
        # Feeddex calls us on new orders while the flow is on (and stops when it is off).
        from api.tasks import webhook_sync_task

        transaction.on_commit(lambda: webhook_sync_task.delay(flow.pk))
    return flow


def integration_go_live(*, integration: Integration) -> Integration:
    integration.live = True
    integration.save(update_fields=["live"])
    return integration


def flow_reset_cursor(*, flow: Flow) -> Flow:
    """Make the next run read everything again (the ledger still skips unchanged records)."""
    flow.cursor = {}
    flow.save(update_fields=["cursor"])
    return flow
