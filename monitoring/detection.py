"""What is wrong with a tenant right now, read from the database (no side effects).

Every check looks at state, not at events: the latest finished run of each flow, the
connections' status, the clock. So a task that runs twice, or late, or out of order with
another, reaches the same answer, and the incidents follow from comparing this answer with
the incidents that are open (see incidents.py).

Only what is watched is checked: enabled flows of live integrations of tenants whose flows
may run. What is not watched any more has its incidents closed without a recovery email.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from connectors.models import Connection, ConnectionStatus
from flows.models import (
    COMPLETED_STATUSES,
    Action,
    Flow,
    FlowRun,
    Integration,
    RecordLog,
    RunStatus,
    Trigger,
)
from flows.order_reversals import needing_action
from monitoring.models import IncidentKind, MonitoringSettings
from tenants.models import Tenant

# Runs that tell whether a flow works (a cancelled run tells nothing).
FINISHED = (*COMPLETED_STATUSES, RunStatus.FAILED)
# How many failed records an email quotes (with the API's own words).
REASONS_QUOTED = 3
REASON_LENGTH = 300


@dataclass(frozen=True)
class Finding:
    """One problem as detected now; incidents.py opens an incident for it if none is open."""

    kind: str
    subject: str
    details: dict[str, Any] = field(default_factory=dict)
    integration_id: int | None = None
    flow_id: int | None = None
    connection_id: int | None = None
    run_id: int | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.subject)


def flow_subject(flow_id: int) -> str:
    return f"flow:{flow_id}"


def integration_subject(integration_id: int) -> str:
    return f"integration:{integration_id}"


def connection_subject(connection_id: int) -> str:
    return f"connection:{connection_id}"


def monitored_runs(flow: Flow) -> QuerySet[FlowRun]:
    """The runs that say something about the flow's health (a dry run is only a preview)."""
    return FlowRun.objects.filter(flow=flow).exclude(trigger=Trigger.DRY_RUN)


def watched_integrations(tenant: Tenant) -> list[Integration]:
    if not tenant.flows_may_run:
        return []
    live = Integration.objects.filter(tenant=tenant, live=True)
    return list(live.select_related("accounting", "shop").order_by("id"))


def watched_flows(integration: Integration) -> list[Flow]:
    return list(integration.flows.filter(enabled=True).order_by("id"))


# ---- run failures and failing records ----------------------------------------------------


def above_threshold(run: FlowRun, settings: MonitoringSettings) -> bool:
    """Return whether a run's failed records reach the tenant's count or percentage."""
    if run.failed == 0:
        return False
    by_count = 0 < settings.failure_threshold_count <= run.failed
    by_share = (
        settings.failure_threshold_percent > 0
        and run.failed * 100 >= settings.failure_threshold_percent * max(run.read, 1)
    )
    return by_count or by_share


def failed_reasons(run: FlowRun) -> list[dict[str, str]]:
    logs = RecordLog.objects.filter(run=run, action=Action.FAILED).order_by("id")
    rows = logs.values_list("key", "reason")[:REASONS_QUOTED]
    return [{"key": key, "reason": reason[:REASON_LENGTH]} for key, reason in rows]


def run_failure(flow: Flow, latest: FlowRun) -> dict[str, Any]:
    return {
        "flow_id": flow.pk,
        "kind": flow.kind,
        "problem": "run_failed",
        "run_id": latest.pk,
        "read": latest.read,
        "error": latest.error[:1000],
    }


def records_failure(flow: Flow, settings: MonitoringSettings) -> dict[str, Any] | None:
    """The flow's last run that handled records, if too many of them failed.

    Runs that read nothing prove nothing about the records, so they neither raise nor
    clear this problem: otherwise every quiet run would send a recovery email.
    """
    worked = monitored_runs(flow).filter(status__in=COMPLETED_STATUSES, read__gt=0)
    run = worked.order_by("-id").first()
    if run is None or not above_threshold(run, settings):
        return None
    return {
        "flow_id": flow.pk,
        "kind": flow.kind,
        "problem": "records_failing",
        "run_id": run.pk,
        "failed": run.failed,
        "read": run.read,
        "reasons": failed_reasons(run),
    }


def flow_failure(flow: Flow, settings: MonitoringSettings) -> dict[str, Any] | None:
    """What is wrong with the flow's latest finished run, if anything (needs-attention aside)."""
    latest = monitored_runs(flow).filter(status__in=FINISHED).order_by("-id").first()
    if latest is None:
        return None
    if latest.status == RunStatus.FAILED:
        return None if flow.needs_attention else run_failure(flow, latest)
    return records_failure(flow, settings)


def integration_findings(
    integration: Integration, flows: list[Flow], settings: MonitoringSettings
) -> list[Finding]:
    subject = integration_subject(integration.pk)
    findings: list[Finding] = []
    failures = [f for f in (flow_failure(flow, settings) for flow in flows) if f]
    if failures:
        findings.append(
            Finding(
                IncidentKind.FLOWS_FAILING,
                subject,
                {"flows": failures},
                integration_id=integration.pk,
                run_id=failures[0]["run_id"],
            )
        )
    connections = tuple(integration.connections().values())
    attention = [flow for flow in flows if still_needs_attention(flow, connections)]
    # A connection that lost its credentials has its own incident: one email, not two.
    if attention and not any(c.status == ConnectionStatus.NEEDS_ATTENTION for c in connections):
        findings.append(
            Finding(
                IncidentKind.NEEDS_ATTENTION,
                subject,
                {"flows": [attention_detail(f) for f in attention]},
                integration_id=integration.pk,
            )
        )
    return findings


def still_needs_attention(flow: Flow, connections: tuple[Connection, ...]) -> bool:
    """A flow's flag counts unless its failure predates new credentials.

    The flag is cleared only by the flow's next successful run; after the owner
    reconnects, a flow that has not run since would otherwise report a problem that the
    reconnect has fixed. If it has not, the next run fails again and counts.
    """
    if not flow.needs_attention:
        return False
    verified = [c.last_verified_at for c in connections if c.last_verified_at]
    failed = monitored_runs(flow).filter(status=RunStatus.FAILED).order_by("-id").first()
    if failed is None or failed.finished_at is None or not verified:
        return True
    return failed.finished_at > max(verified)


def attention_detail(flow: Flow) -> dict[str, Any]:
    latest = monitored_runs(flow).filter(status=RunStatus.FAILED).order_by("-id").first()
    return {
        "flow_id": flow.pk,
        "kind": flow.kind,
        "problem": "needs_attention",
        "run_id": latest.pk if latest else None,
        "error": flow.attention_reason[:1000],
    }


def connection_findings(integration: Integration) -> list[Finding]:
    return [
        Finding(
            IncidentKind.CONNECTION,
            connection_subject(connection.pk),
            {
                "system": connection.system,
                "name": connection.name,
                "error": connection.last_error[:1000],
            },
            integration_id=integration.pk,
            connection_id=connection.pk,
        )
        for connection in integration.connections().values()
        if connection.status == ConnectionStatus.NEEDS_ATTENTION
    ]


# ---- silent failures ------------------------------------------------------------------------


def no_success_finding(flow: Flow, settings: MonitoringSettings, now: datetime) -> Finding | None:
    """A flow that has been trying for N intervals without one successful run.

    A flow whose latest run failed is reported as failing already, so this is about runs
    that stay queued (no worker), are skipped (the flow is always busy) or never finish.
    A run that is still saving progress is a long first sync, not a failure. A scheduler
    that stopped starting runs is the operator's alarm, not the tenant's: from the rows
    alone it looks the same as a flow just switched back on.
    """
    window = timedelta(minutes=flow.interval_minutes * settings.silence_multiple)
    runs = monitored_runs(flow)
    latest = runs.filter(status__in=FINISHED).order_by("-id").first()
    if latest is not None and latest.status == RunStatus.FAILED:
        return None
    fresh = now - timedelta(minutes=settings.stuck_run_minutes)
    if runs.filter(status=RunStatus.RUNNING, heartbeat_at__gte=fresh).exists():
        return None
    last_success = runs.filter(status__in=COMPLETED_STATUSES).order_by("-id").first()
    since = runs.filter(pk__gt=last_success.pk) if last_success else runs
    first_try = since.order_by("id").first()
    if first_try is None or first_try.queued_at > now - window:
        return None
    details = {
        "flow_id": flow.pk,
        "kind": flow.kind,
        "interval_minutes": flow.interval_minutes,
        "hours": round(window.total_seconds() / 3600, 1),
        "last_success_at": last_success.finished_at.isoformat()
        if last_success and last_success.finished_at
        else None,
    }
    return Finding(
        IncidentKind.NO_SUCCESS,
        flow_subject(flow.pk),
        details,
        integration_id=flow.integration_id,
        flow_id=flow.pk,
        run_id=last_success.pk if last_success else None,
    )


def stuck_finding(flow: Flow, settings: MonitoringSettings, now: datetime) -> Finding | None:
    """A run still marked running that has not saved progress for too long."""
    limit = now - timedelta(minutes=settings.stuck_run_minutes)
    running = monitored_runs(flow).filter(status=RunStatus.RUNNING)
    stuck = (
        running.annotate(progress_at=Coalesce("heartbeat_at", "started_at", "queued_at"))
        .filter(progress_at__lt=limit)
        .order_by("-id")
        .first()
    )
    if stuck is None:
        return None
    # The next run took the flow over and finished: the stuck one is history, not news.
    if monitored_runs(flow).filter(pk__gt=stuck.pk, status__in=FINISHED).exists():
        return None
    progress_at = stuck.heartbeat_at or stuck.started_at or stuck.queued_at
    details = {
        "flow_id": flow.pk,
        "kind": flow.kind,
        "run_id": stuck.pk,
        "minutes": int((now - progress_at).total_seconds() // 60),
    }
    return Finding(
        IncidentKind.STUCK_RUN,
        flow_subject(flow.pk),
        details,
        integration_id=flow.integration_id,
        flow_id=flow.pk,
        run_id=stuck.pk,
    )


def no_orders_finding(flow: Flow, settings: MonitoringSettings, now: datetime) -> Finding | None:
    """The orders flow runs fine but has seen no order for the tenant's period."""
    if flow.kind != "orders" or settings.no_orders_hours == 0:
        return None
    since = now - timedelta(hours=settings.no_orders_hours)
    runs = monitored_runs(flow)
    latest = runs.filter(status__in=FINISHED).order_by("-id").first()
    if latest is None or latest.status not in COMPLETED_STATUSES:
        return None  # failing or new: reported elsewhere, or too early to say
    ran_all_period = runs.filter(status__in=COMPLETED_STATUSES, finished_at__lte=since).exists()
    saw_orders = runs.filter(
        Q(finished_at__gte=since) | Q(finished_at__isnull=True), read__gt=0
    ).exists()
    if not ran_all_period or saw_orders:
        return None
    details = {"flow_id": flow.pk, "kind": flow.kind, "hours": settings.no_orders_hours}
    return Finding(
        IncidentKind.NO_ORDERS,
        flow_subject(flow.pk),
        details,
        integration_id=flow.integration_id,
        flow_id=flow.pk,
        run_id=latest.pk,
    )


def accounting_action_finding(
    flow: Flow, settings: MonitoringSettings, now: datetime
) -> Finding | None:
    """Booked orders cancelled or refunded in the shop that wait for a person in the
    accounting system (flows/order_reversals.py): one finding for all of them."""
    if flow.kind != "orders":
        return None
    waiting = needing_action([flow.pk])
    if not waiting:
        return None
    orders = []
    for entry in waiting[: REASONS_QUOTED * 10]:
        log = RecordLog.objects.filter(flow=flow, key=entry.source_key).order_by("-id").first()
        reason = log.reason[:REASON_LENGTH] if log else ""
        orders.append({"order": entry.source_label or entry.source_key, "reason": reason})
    details = {"flow_id": flow.pk, "kind": flow.kind, "count": len(waiting), "orders": orders}
    return Finding(
        IncidentKind.ACCOUNTING_ACTION,
        flow_subject(flow.pk),
        details,
        integration_id=flow.integration_id,
        flow_id=flow.pk,
    )


def silent_findings(flow: Flow, settings: MonitoringSettings, now: datetime) -> list[Finding]:
    checks = (no_success_finding, stuck_finding, no_orders_finding, accounting_action_finding)
    return [f for f in (check(flow, settings, now) for check in checks) if f]


# ---- all of a tenant ---------------------------------------------------------------------------


def tenant_findings(
    tenant: Tenant, settings: MonitoringSettings, now: datetime | None = None
) -> dict[tuple[str, str], Finding]:
    """Return every problem the tenant has now, by (kind, subject)."""
    now = now or timezone.now()
    findings: dict[tuple[str, str], Finding] = {}
    for integration in watched_integrations(tenant):
        flows = watched_flows(integration)
        found = connection_findings(integration) + integration_findings(
            integration, flows, settings
        )
        for flow in flows:
            found += silent_findings(flow, settings, now)
        for finding in found:
            findings.setdefault(finding.key, finding)
    return findings


def still_watched(tenant: Tenant, subject: str, details: dict[str, Any]) -> bool:
    """Return whether an incident's subject is still watched (else it closes silently).

    For an integration that means one of the flows the incident is about: a failing flow
    that was switched off has not recovered.
    """
    if not tenant.flows_may_run:
        return False
    what, _, pk = subject.partition(":")
    watched = Flow.objects.filter(enabled=True, integration__live=True)
    if what == "flow":
        return watched.filter(pk=pk).exists()
    if what == "integration":
        flow_ids = [f.get("flow_id") for f in details.get("flows", [])]
        return watched.filter(integration_id=pk, pk__in=flow_ids).exists()
    if what == "connection":
        live = Integration.objects.filter(live=True)
        return (
            Connection.objects.filter(pk=pk)
            .filter(Q(pk__in=live.values("accounting_id")) | Q(pk__in=live.values("shop_id")))
            .exists()
        )
    return False
