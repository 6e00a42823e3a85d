"""Reads of the API app that the flows selectors do not cover: insights per flow."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from flows.models import COMPLETED_STATUSES, Action, Flow, FlowRun, RecordLog, RunStatus, Trigger
from tenants.models import Tenant

ACTIONS = [choice.value for choice in Action]


@dataclass
class FlowInsight:
    flow: Flow
    runs: int = 0
    failed_runs: int = 0
    api_calls: int = 0
    records: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ACTIONS, 0))
    last_success_at: datetime | None = None

    @property
    def records_total(self) -> int:
        return sum(self.records.values())

    @property
    def failure_rate(self) -> float:
        """Failed records out of all records handled (0 when none were)."""
        total = self.records_total
        return round(self.records[Action.FAILED] / total, 4) if total else 0.0


def flow_insights(*, tenant: Tenant, days: int, flow_id: int | None = None) -> list[FlowInsight]:
    """Per flow over the last `days` days: runs, records by action, API calls, failure rate.

    Dry runs are left out: they write nothing, so they would only dilute the figures.
    Two grouped queries, whatever the number of flows.
    """
    since = timezone.now() - timedelta(days=days)
    flows = Flow.objects.filter(tenant=tenant).order_by("id")
    if flow_id:
        flows = flows.filter(pk=flow_id)
    insights = {flow.pk: FlowInsight(flow=flow) for flow in flows}
    add_run_figures(insights, tenant=tenant, since=since)
    add_record_figures(insights, tenant=tenant, since=since)
    return list(insights.values())


def add_run_figures(insights: dict[int, FlowInsight], *, tenant: Tenant, since: datetime) -> None:
    runs = FlowRun.objects.filter(tenant=tenant, flow_id__in=insights, queued_at__gte=since)
    rows = (
        runs.exclude(trigger=Trigger.DRY_RUN)
        .values("flow_id")
        .annotate(
            n=Count("id"),
            failed=Count("id", filter=Q(status=RunStatus.FAILED)),
            api_call_sum=Sum("api_calls"),
            last_success=Max("finished_at", filter=Q(status__in=COMPLETED_STATUSES)),
        )
    )
    for row in rows:
        insight = insights[row["flow_id"]]
        insight.runs, insight.failed_runs = row["n"], row["failed"]
        insight.api_calls = row["api_call_sum"] or 0
        insight.last_success_at = row["last_success"]


def add_record_figures(
    insights: dict[int, FlowInsight], *, tenant: Tenant, since: datetime
) -> None:
    logs = RecordLog.objects.filter(tenant=tenant, flow_id__in=insights, created_at__gte=since)
    rows = (
        logs.exclude(run__trigger=Trigger.DRY_RUN)
        .values("flow_id", "action")
        .annotate(n=Count("id"))
    )
    for row in rows:
        insights[row["flow_id"]].records[row["action"]] = row["n"]
