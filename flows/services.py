"""Writes for flows and runs: start, execute (claim, slice, finish), schedule, retry."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from connectors.crypto import SecretsUnreadable
from connectors.errors import WaitPastDeadline
from connectors.models import Connection, ConnectionStatus
from flows.definitions import FlowDefinition
from flows.engine import RunAborted, RunContext, build_context, confirm_progress, flush_calls
from flows.lease import Lease, LeaseLost
from flows.models import (
    ACTIVE_STATUSES,
    Flow,
    FlowRun,
    Integration,
    RecordLog,
    RunStatus,
    Trigger,
)
from flows.pages import fail_put_off
from flows.position import Position
from flows.reasons import reason_code
from flows.registry import FLOWS
from flows.run_params import RunParams
from flows.settings_schemas import SettingsInvalid

logger = logging.getLogger(__name__)


# How often a run that found its flow busy asks again before giving up, and the longest
# pause between two asks. The first pauses are short: a flow is mostly busy with a run that
# ends within a second (an order booked by the webhook that came just before), and the
# deliveries that join the waiting run wait as long as it does.
BUSY_RETRIES = 40
BUSY_RETRY_SECONDS = 10
BUSY_FIRST_RETRY_SECONDS = 0.5
# A slice that must wait (a rate limit, a retry's back-off) queues the next one after the
# wait, but no later than this.
LONGEST_RESUME_DELAY = 60.0
# Params of a run that reads something else than the flow's changes since its cursor.
NOT_FROM_CURSOR = ("record_log_ids", "skus")


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
    *, flow: Flow, trigger: str, params: RunParams | None = None, countdown: float = 0
) -> FlowRun:
    run = FlowRun.objects.create(
        tenant_id=flow.tenant_id, flow=flow, trigger=trigger, params=params or RunParams()
    )
    enqueue(run, countdown=countdown)
    return run


# ---- runs people ask for: joined, within the company's fair share ---------------------------


class RunRefused(Exception):
    """A run a person asked for is not started; the message says why and what to do."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class RunRequested:
    run: FlowRun
    # The flow had a run queued or running that does what was asked: this is that run.
    joined: bool


def flow_run_request(*, flow: Flow, trigger: str) -> RunRequested:
    """ "Run now" or "dry run" from the dashboard or the API: join the flow's run that is
    queued or running already, else start one, within the company's fair share (a number
    of requests a minute and of runs at once, across its flows)."""
    tenant = flow.tenant
    if not tenant.flows_may_run:
        raise RunRefused(f"flows cannot run now: {tenant.pause_reason}")
    throttle_run_requests(tenant_id=flow.tenant_id)
    with transaction.atomic():
        Flow.objects.select_for_update().filter(pk=flow.pk).first()  # one request at a time
        active = joinable_run(flow=flow, trigger=trigger)
        if active is not None:
            return RunRequested(run=active, joined=True)
        check_active_runs(tenant_id=flow.tenant_id)
        return RunRequested(run=flow_run_start(flow=flow, trigger=trigger), joined=False)


def records_retry_request(*, flow: Flow, record_logs: list[RecordLog]) -> FlowRun:
    """Retry records a person chose, within the same fair share as other runs."""
    throttle_run_requests(tenant_id=flow.tenant_id)
    check_active_runs(tenant_id=flow.tenant_id)
    return retry_records(flow=flow, record_logs=record_logs)


def joinable_run(*, flow: Flow, trigger: str) -> FlowRun | None:
    """The flow's queued or running run that reads its changes as a new one would."""
    active = FlowRun.objects.filter(flow=flow, status__in=ACTIVE_STATUSES).order_by("id")
    if trigger == Trigger.DRY_RUN:
        return active.filter(trigger=Trigger.DRY_RUN).first()
    cursor_runs = active.filter(trigger__in=[Trigger.SCHEDULE, Trigger.MANUAL, Trigger.WEBHOOK])
    for key in NOT_FROM_CURSOR:
        cursor_runs = cursor_runs.exclude(params__has_key=key)
    return cursor_runs.first()


def check_active_runs(*, tenant_id: int) -> None:
    limit = settings.FLOW_MAX_ACTIVE_RUNS_PER_TENANT
    active = FlowRun.objects.filter(tenant_id=tenant_id, status__in=ACTIVE_STATUSES).count()
    if active >= limit:
        raise RunRefused(
            f"{active} runs of this company are queued or running already (at most {limit} at "
            "once): wait for one to finish",
            retry_after=settings.FLOW_SLICE_SECONDS,
        )


def throttle_run_requests(*, tenant_id: int) -> None:
    limit = settings.FLOW_RUN_REQUESTS_PER_MINUTE
    count, retry_after = count_in_window(f"flow-run-requests:{tenant_id}", seconds=60)
    if count > limit:
        raise RunRefused(
            f"more than {limit} run requests in a minute: try again in {math.ceil(retry_after)} s",
            retry_after=retry_after,
        )


def count_in_window(name: str, *, seconds: int) -> tuple[int, float]:
    """Count one more event in the current fixed window of `seconds` (atomic with Redis's
    INCR); return the count and the seconds until the window ends."""
    now = time.time()
    start = int(now // seconds) * seconds
    key = f"{name}:{start}"
    cache.add(key, 0, timeout=seconds * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: this event starts the count
        cache.set(key, 1, timeout=seconds * 2)
        count = 1
    return int(count), start + seconds - now


def stock_run_for_skus(*, integration: Integration, skus: list[str]) -> FlowRun | None:
    """Sync the stock of the SKUs an order run booked, if the stock flow is on."""
    flow = integration.flows.filter(kind="stock", enabled=True).first()
    if flow is None:
        return None
    return flow_run_start(flow=flow, trigger=Trigger.MANUAL, params=RunParams(skus=skus))


def retry_records(*, flow: Flow, record_logs: list[RecordLog]) -> FlowRun:
    ids = [log.pk for log in record_logs if log.flow_id == flow.pk]
    return flow_run_start(flow=flow, trigger=Trigger.RETRY, params=RunParams(record_log_ids=ids))


def run_cancel(*, run: FlowRun, reason: str = "cancelled by a person") -> bool:
    """Cancel a queued or running run; a slice at work stops at its next heartbeat (its
    lease no longer holds). Return False when the run had ended already."""
    with transaction.atomic():
        current = FlowRun.objects.select_for_update().filter(pk=run.pk).first()
        if current is None or current.status not in ACTIVE_STATUSES:
            return False
        at_work = current.status == RunStatus.RUNNING and not current.between_slices
        FlowRun.objects.filter(pk=run.pk).update(
            status=RunStatus.CANCELLED,
            finished_at=timezone.now(),
            activity="",
            **error_fields(reason),
        )
        if not at_work:  # no slice will notice: let the flow go now
            release_flow(current)
    return True


# ---- executing a run --------------------------------------------------------------------


def run_execute(run_id: int) -> str:
    """Run (a slice of) a run. Return what happened: done, continued, busy, or finished."""
    run = FlowRun.objects.select_related(
        "flow__integration__accounting", "flow__integration__shop", "flow__tenant"
    ).get(pk=run_id)
    if run.finished:
        return "finished"
    if not run.flow.tenant.flows_may_run:
        cancel_queued(run, run.flow.tenant.pause_reason)
        return "paused"
    if not claim_flow(run):
        return handle_busy(run)
    lease = take_lease(run)
    if lease is None:  # cancelled meanwhile
        release_flow(run)
        return "finished"
    try:
        return execute_slice(run, lease)
    except LeaseLost as lost:
        return let_go(run, lost)


def execute_slice(run: FlowRun, lease: Lease) -> str:
    try:
        ctx = build_context(run)
    except (SettingsInvalid, SecretsUnreadable) as error:
        finish_failed(run, str(error), permanent=True, lease=lease)
        return "done"
    ctx.lease, ctx.position = lease, Position.load(run.position)
    return execute_claimed(ctx)


def let_go(run: FlowRun, lost: LeaseLost) -> str:
    """The slice lost its run (taken over, cancelled): it stops and writes nothing more."""
    logger.warning("run %s: slice stopped, %s", run.pk, lost)
    current = FlowRun.objects.filter(pk=run.pk).first()
    if current is not None and current.status == RunStatus.CANCELLED:
        release_flow(current)
    return "taken over"


def execute_claimed(ctx: RunContext) -> str:
    ctx.deadline = time.monotonic() + settings.FLOW_SLICE_SECONDS
    ctx.beat(f"reading page {ctx.position.pages + 1}" if ctx.position.pages else "starting")
    try:
        refuse_on_lost_connection(ctx)
        done = run_slice(ctx, FLOWS[ctx.flow.kind])
    except RunAborted as error:
        if error.permanent and ctx.refused_by:
            ctx.connections[ctx.refused_by].mark_failed(str(error), permanent=True)
        finish_failed(ctx.run, str(error), permanent=error.permanent, lease=ctx.lease, ctx=ctx)
        return "done"
    finally:
        ctx.close()
    if not done:
        return continue_later(ctx)
    finish_completed(ctx)
    return "done"


def refuse_on_lost_connection(ctx: RunContext) -> None:
    """A connection that lost its credentials for good is asked nothing until it is connected
    again (every call would fail the same way; the owner has been told already)."""
    for connection in ctx.connections.values():
        if connection.status == ConnectionStatus.NEEDS_ATTENTION:
            raise RunAborted(
                f"the {connection.get_system_display()} connection “{connection.name}” must be "
                f"connected again ({connection.last_error or 'its credentials were refused'}); "
                "until then no run calls it",
                permanent=True,
            )


def run_slice(ctx: RunContext, definition: FlowDefinition) -> bool:
    """Run the flow for one slice; True when the run is through. The flow's after-slice work
    is done also when the run stopped (what it did stays done), but not by a slice that was
    taken over (it writes nothing more)."""
    lost = False
    try:
        definition.check(ctx)
        done = definition.run(ctx)
        if done:
            try:
                definition.after_run(ctx)
            except WaitPastDeadline as wait:  # its calls did not fit: the next slice ends it
                ctx.waiting_for(wait)
                return False
        return done
    except LeaseLost:
        lost = True
        raise
    finally:
        if not lost:
            definition.after_slice(ctx)


def continue_later(ctx: RunContext) -> str:
    """Give the worker back; the next slice resumes where this one stopped."""
    position = ctx.position
    # A record put off moved on too: after FLOW_MAX_DEFERRALS it fails as not answered.
    moved_on = ctx.handled or ctx.put_off
    position.idle_slices = 0 if moved_on else position.idle_slices + 1
    if position.idle_slices >= settings.FLOW_IDLE_SLICES:
        reason = (
            f"no record could be done in {position.idle_slices} time slices in a row "
            f"(last: {ctx.activity or 'waiting'})"
        )
        fail_put_off(ctx, reason)
        finish_failed(ctx.run, reason, permanent=False, lease=ctx.lease, ctx=ctx)
        return "done"
    if ctx.resume_after <= 0:
        ctx.activity = "waiting for a free worker"
    save_progress(ctx, between_slices=True)
    enqueue(ctx.run, countdown=min(ctx.resume_after, LONGEST_RESUME_DELAY))
    return "continued"


def save_progress(ctx: RunContext, **changes: Any) -> None:
    """Save the run's calls, activity and position with `changes`, fenced by its lease."""
    calls = ctx.take_calls()
    with transaction.atomic():
        confirm_progress(
            ctx,
            api_calls=F("api_calls") + len(calls),
            activity=ctx.activity,
            position=ctx.position.dump(),
            **changes,
        )
        flush_calls(ctx, calls)


def stale_after() -> timedelta:
    """How long a running run may show no sign of life before it is presumed dead."""
    return timedelta(seconds=settings.FLOW_RUN_STALE_SECONDS)


def task_lost_after() -> timedelta:
    """How long a run's task may wait in the queue before it is presumed lost."""
    return timedelta(seconds=settings.FLOW_TASK_LOST_SECONDS)


def silent(now: datetime) -> Q:
    """Runs presumed dead: a slice that showed no sign of life (an API call, a record) for
    FLOW_RUN_STALE_SECONDS (its worker stopped), or a task, first or next slice, queued for
    FLOW_TASK_LOST_SECONDS (the broker lost it). Many tenants' runs share the workers in
    turns, so a run may rightly wait long between two slices: that wait is no sign of a dead
    worker."""
    lost = now - task_lost_after()
    return (
        Q(status=RunStatus.RUNNING, between_slices=False, heartbeat_at__lt=now - stale_after())
        | Q(status=RunStatus.RUNNING, between_slices=True, heartbeat_at__lt=lost)
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
            holder = FlowRun.objects.filter(pk=holder_id).first()
            if holder is not None and not may_take_over(holder, timezone.now()):
                return False
            if holder is not None and holder.status == RunStatus.RUNNING:
                # A run whose worker stopped without a word: say so, so it is not left
                # "running"; its lease no longer holds, so it writes nothing if it wakes.
                FlowRun.objects.filter(pk=holder_id, status=RunStatus.RUNNING).update(
                    status=RunStatus.FAILED,
                    finished_at=timezone.now(),
                    error=f"{why_silent(holder)}; a later run took over",
                )
        Flow.objects.filter(pk=flow.pk).update(running_run=run)
    return True


def may_take_over(holder: FlowRun, now: datetime) -> bool:
    """Whether the flow's holder is done with it: finished (a cancelled run's slice still at
    work is given a few heartbeats to notice) or presumed dead."""
    if holder.status == RunStatus.CANCELLED and holder.heartbeat_at is not None:
        grace = timedelta(seconds=2 * settings.FLOW_HEARTBEAT_SECONDS)
        return holder.heartbeat_at < now - grace
    if holder.finished:
        return True
    return FlowRun.objects.filter(pk=holder.pk).filter(silent(now)).exists()


def take_lease(run: FlowRun) -> Lease | None:
    from flows.lease import take

    return take(run)


def error_fields(text: str) -> dict[str, Any]:
    """A run's error as stored: its text, and its code and parameters when it is a known one."""
    code, params = reason_code(text)
    return {"error": text, "error_code": code, "error_params": params}


def cancel_queued(run: FlowRun, reason: str) -> None:
    """End a run that has not started (the trial ended, its flow stayed busy)."""
    FlowRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED).update(
        status=RunStatus.CANCELLED, finished_at=timezone.now(), **error_fields(reason)
    )


def handle_busy(run: FlowRun) -> str:
    attempts = run.params.busy_attempts
    if run.trigger == Trigger.SCHEDULE or attempts >= BUSY_RETRIES:
        cancel_queued(run, "another run of this flow was busy")
        return "busy"
    run.params = run.params.but(busy_attempts=attempts + 1)
    run.save(update_fields=["params"])
    enqueue(run, countdown=busy_countdown(attempts))
    return "busy"


def busy_countdown(attempt: int) -> float:
    """0.5, 1, 2, 4, 8, then 10 seconds: about six minutes over all the attempts."""
    return float(min(BUSY_FIRST_RETRY_SECONDS * 2**attempt, BUSY_RETRY_SECONDS))


def release_flow(run: FlowRun, **changes: Any) -> None:
    Flow.objects.filter(pk=run.flow_id, running_run=run).update(running_run=None)
    if changes:
        Flow.objects.filter(pk=run.flow_id).update(**changes)


def finish_completed(ctx: RunContext) -> None:
    """The run went through its records: succeeded, or succeeded with failures."""
    run = ctx.run
    failures = FlowRun.objects.filter(pk=run.pk).values_list("failed", flat=True).first()
    status = RunStatus.PARTIAL if failures else RunStatus.SUCCEEDED
    ctx.activity = ""
    ctx.position = Position()
    save_progress(ctx, status=status, finished_at=timezone.now())
    connections_answered(ctx)
    changes: dict[str, Any] = {}
    if not run.dry_run:
        changes = {"needs_attention": False, "attention_reason": ""}
    release_flow(run, **changes)
    notify(run.pk)


def connections_answered(ctx: RunContext) -> None:
    """A run that went through its records talked to both its systems: their connections work,
    whatever they said before (a new connection is verified by its first run, and a failing
    one that answers again is working again)."""
    definition = FLOWS[ctx.flow.kind]
    used = [ctx.connections[role].pk for role in (definition.source, definition.target)]
    Connection.objects.filter(pk__in=used).exclude(status=ConnectionStatus.OK).update(
        status=ConnectionStatus.OK, last_error="", last_verified_at=timezone.now()
    )


def finish_failed(
    run: FlowRun,
    message: str,
    *,
    permanent: bool,
    lease: Lease | None,
    ctx: RunContext | None = None,
) -> None:
    """The run itself stopped: the reason goes first on its page and in the email."""
    integration = run.flow.integration
    secrets = [v for c in integration.connections().values() for v in c.secret_values()]
    from connectors.redaction import redact_text

    text = redact_text(message, secrets)[:4000]
    ended = {"status": RunStatus.FAILED, "finished_at": timezone.now(), **error_fields(text)}
    if ctx is not None:
        ctx.activity = ""
        save_progress(ctx, **ended)
    elif lease is not None:
        lease.confirm(activity="", **ended)
    else:
        FlowRun.objects.filter(pk=run.pk).update(**ended)
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
    overlaps the next, each due flow still starts exactly one run. A flow whose run is still
    queued or running gets none: that run reads its changes already.
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
        if claimed and joinable_run(flow=flow, trigger=Trigger.SCHEDULE) is None:
            flow_run_start(flow=flow, trigger=Trigger.SCHEDULE)
            started += 1
    return started


def resume_stalled_runs() -> int:
    """Fail every run that stopped without a word and start a successor; return how many.

    A run whose worker process died is redelivered by the broker and resumes by itself. A
    run whose task is gone (a broker restarted without persistence, an error outside the
    engine such as a dropped cache connection) would stay "running" for ever: its successor
    reads on from the flow's cursor (and the stalled run's position inside its page), and the
    ledger keeps what the stalled run wrote from being written twice. The stalled run is
    failed by a conditional UPDATE first, so with two schedulers each stalled run gets one
    successor, and a late slice of the stalled run finds its lease gone and writes nothing.
    """
    stalled = FlowRun.objects.filter(silent(timezone.now()))
    return sum(hand_over_stalled(run) for run in stalled.select_related("flow").order_by("id"))


def hand_over_stalled(run: FlowRun) -> bool:
    """Fail the stalled run and queue its successor (same trigger, input and position)."""
    with transaction.atomic():
        taken = FlowRun.objects.filter(
            pk=run.pk, status=run.status, heartbeat_at=run.heartbeat_at
        ).update(status=RunStatus.FAILED, finished_at=timezone.now(), activity="")
        if not taken:
            return False  # it showed a sign of life or finished meanwhile, or another tick took it
        successor = FlowRun.objects.create(
            tenant_id=run.tenant_id,
            flow=run.flow,
            trigger=run.trigger,
            params=run.params.but(busy_attempts=0, resumes_run=run.pk),
            position={**run.position, "idle_slices": 0},
        )
        enqueue(successor)
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
    if run.between_slices:
        return f"its next slice was lost in the queue (queued for over {lost})"
    return f"no sign of life for {silence(stale_after())}: its worker stopped or its task was lost"


# ---- integrations and flow settings ---------------------------------------------------------


@transaction.atomic
def integration_create(
    *, tenant: Any, accounting: Any, shop: Any, name: str = "Asperion ↔ Feeddex"
) -> Integration:
    """Create an integration with every flow, disabled, on its default settings, interval
    and mappings, so that each works as soon as it is switched on."""
    from mapping.services import mapping_create_default

    integration = Integration.objects.create(
        tenant=tenant, name=name, accounting=accounting, shop=shop
    )
    for kind, definition in FLOWS.items():
        flow = Flow(
            tenant=tenant,
            integration=integration,
            kind=kind,
            interval_minutes=definition.default_interval,
        )
        flow.mapping = mapping_create_default(tenant=tenant, flow_kind=definition.mapping.name)
        if definition.customer_mapping is not None:
            flow.customer_mapping = mapping_create_default(
                tenant=tenant, flow_kind=definition.customer_mapping.name
            )
        flow.save()
    return integration


class IntegrationRefused(Exception):
    """An integration that may not be added (the pair exists, the plan's limit is reached)."""


def integration_add(
    *, tenant: Any, accounting: Any, shop: Any, name: str = "Asperion ↔ Feeddex"
) -> Integration:
    """Add one more integration to the company (a bookkeeping office with two
    administrations, a company with two shops), within its plan's number of integrations."""
    from django.utils.translation import gettext as _

    from tenants.usage import integrations_allowed

    if tenant.integrations.filter(accounting=accounting, shop=shop).exists():
        raise IntegrationRefused(_("These two connections already have an integration."))
    limit = integrations_allowed(tenant)
    if limit is not None and tenant.integrations.count() >= limit:
        raise IntegrationRefused(
            _("The company's plan allows %(limit)s integration(s): choose a larger plan first.")
            % {"limit": limit}
        )
    return integration_create(tenant=tenant, accounting=accounting, shop=shop, name=name)


@transaction.atomic
def integration_remove(*, integration: Integration) -> None:
    """Remove an integration with everything that is its own: its flows with their runs,
    record logs and ledger, their mappings, and the connections no other integration uses."""
    from connectors.services import connection_delete
    from flows.selectors import connection_in_use
    from mapping.models import Mapping

    flows = list(integration.flows.all())
    mapping_ids = {m for f in flows for m in (f.mapping_id, f.customer_mapping_id) if m}
    connections = list(integration.connections().values())
    integration.delete()  # flows, runs, record logs and ledger go with it (CASCADE)
    still_used = Flow.objects.filter(
        Q(mapping_id__in=mapping_ids) | Q(customer_mapping_id__in=mapping_ids)
    ).values_list("mapping_id", "customer_mapping_id")
    Mapping.objects.filter(pk__in=mapping_ids - {m for pair in still_used for m in pair}).delete()
    for connection in {c.pk: c for c in connections}.values():
        if not connection_in_use(connection=connection):
            connection_delete(connection=connection)


def integration_ensure(*, tenant: Any) -> Integration:
    """Return the tenant's integration, creating it (with its flows) from the connections of
    both roles."""
    from connectors.selectors import connection_for_role
    from flows.selectors import integration_for

    integration = integration_for(tenant=tenant)
    if integration is not None:
        return integration
    accounting = connection_for_role(tenant=tenant, role="accounting")
    shop = connection_for_role(tenant=tenant, role="shop")
    if accounting is None or shop is None:
        raise ValueError("both applications must be connected first")
    return integration_create(tenant=tenant, accounting=accounting, shop=shop)


def flows_choose(*, integration: Integration, kinds: set[str]) -> None:
    """Enable the chosen flows and disable the others."""
    for flow in integration.flows.all():
        wanted = flow.kind in kinds
        if flow.enabled != wanted:
            flow_set_enabled(flow=flow, enabled=wanted)


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
    if flow.definition.receives_webhooks:
        # The shop calls us on new orders while the flow is on (and stops when it is off).
        from flows.tasks import webhook_sync_task

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
