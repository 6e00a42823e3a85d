"""Reads the dashboard pages need beyond flows.selectors: health at a glance, insights."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Max, OuterRef, Q, Subquery, Sum
from django.db.models.functions import TruncDate, TruncMinute
from django.utils import timezone

from connectors.ratelimit import limit_for
from flows.models import (
    COMPLETED_STATUSES,
    ApiCallLog,
    Flow,
    FlowRun,
    Integration,
    RecordLog,
    Trigger,
)
from flows.selectors import flow_list, run_list
from tenants.models import ApiToken, Tenant


@dataclass
class FlowHealth:
    flow: Flow
    last_run: FlowRun | None
    last_success_at: datetime | None

    @property
    def state(self) -> str:
        """One word for the badge: needs_attention, off, running, or the last run's status."""
        if self.flow.needs_attention:
            return "needs_attention"
        if self.flow.running_run_id:
            return "running"
        if not self.flow.enabled:
            return "off"
        return self.last_run.outcome if self.last_run else "new"


def flow_health(flow: Flow) -> FlowHealth:
    runs = FlowRun.objects.filter(flow=flow).exclude(trigger=Trigger.DRY_RUN)
    last_run = runs.order_by("-id").first()
    completed = runs.filter(status__in=COMPLETED_STATUSES)
    last_success = completed.aggregate(at=Max("finished_at"))["at"]
    return FlowHealth(flow=flow, last_run=last_run, last_success_at=last_success)


def flow_health_list(*, tenant: Tenant, integration: Integration | None = None) -> list[FlowHealth]:
    """The company's flows, or one integration's, with their health in three queries,
    however many flows (not two per flow)."""
    real = FlowRun.objects.filter(flow=OuterRef("pk")).exclude(trigger=Trigger.DRY_RUN)
    last_success = real.filter(status__in=COMPLETED_STATUSES, finished_at__isnull=False)
    last_success = last_success.order_by("-finished_at")
    chosen = flow_list(tenant=tenant, integration=integration)
    flows = list(
        chosen.annotate(
            last_run_id=Subquery(real.order_by("-id").values("id")[:1]),
            last_success_at=Subquery(last_success.values("finished_at")[:1]),
        )
    )
    ids = [flow.last_run_id for flow in flows if flow.last_run_id]
    runs = FlowRun.objects.defer("params", "position").in_bulk(ids)
    return [
        FlowHealth(
            flow=flow,
            last_run=runs.get(flow.last_run_id),
            last_success_at=flow.last_success_at,
        )
        for flow in flows
    ]


def recent_runs(*, tenant: Tenant, limit: int = 10, flow_id: int | None = None) -> list[FlowRun]:
    return list(run_list(tenant=tenant, flow_id=flow_id)[:limit])


# ---- API tokens -------------------------------------------


def api_tokens(*, tenant: Tenant) -> list[ApiToken]:
    tokens = ApiToken.objects.filter(tenant=tenant)
    return list(tokens.select_related("user").order_by("-id"))


# ---- insights ---------------------------------------------------------------------------------

ACTIONS = ("created", "updated", "skipped", "failed")


@dataclass
class DayCounts:
    day: date
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def records_per_day(
    *, tenant: Tenant, flow_id: int | None, days: int, integration: Integration | None = None
) -> list[DayCounts]:
    """Records per day and outcome over the last `days` days (empty days included), dry runs
    left out; of one integration's flows when it is given."""
    today = timezone.localdate()
    first = today - timedelta(days=days - 1)
    # A dry run writes nothing: its records are previews, not traffic.
    logs = RecordLog.objects.filter(tenant=tenant, created_at__date__gte=first).exclude(
        run__trigger=Trigger.DRY_RUN
    )
    if flow_id:
        logs = logs.filter(flow_id=flow_id)
    if integration is not None:
        logs = logs.filter(flow__integration=integration)
    days_and_actions = logs.annotate(day=TruncDate("created_at")).values("day", "action")
    rows = days_and_actions.annotate(n=Count("id"))
    by_day: dict[date, dict[str, int]] = {}
    for row in rows:
        by_day.setdefault(row["day"], {})[row["action"]] = row["n"]
    return [
        DayCounts(day=day, counts={a: by_day.get(day, {}).get(a, 0) for a in ACTIONS})
        for day in (first + timedelta(days=i) for i in range(days))
    ]


@dataclass
class FlowFigures:
    flow: Flow
    runs: int
    records: int
    failed: int
    api_calls: int
    last_success_at: datetime | None

    @property
    def failure_rate(self) -> float:
        return self.failed / self.records if self.records else 0.0

    @property
    def calls_per_record(self) -> float:
        return self.api_calls / self.records if self.records else 0.0


def flow_figures(
    *, tenant: Tenant, since: datetime, integration: Integration | None = None
) -> list[FlowFigures]:
    """Per flow (of one integration, when given) since a moment: runs, records, failures,
    API calls, last success."""
    figures = []
    for flow in flow_list(tenant=tenant, integration=integration):
        runs = FlowRun.objects.filter(flow=flow, queued_at__gte=since).exclude(
            trigger=Trigger.DRY_RUN
        )
        sums = runs.aggregate(
            n=Count("id"), records=Sum("read"), failed=Sum("failed"), calls=Sum("api_calls")
        )
        figures.append(
            FlowFigures(
                flow=flow,
                runs=sums["n"] or 0,
                records=sums["records"] or 0,
                failed=sums["failed"] or 0,
                api_calls=sums["calls"] or 0,
                last_success_at=flow_health(flow).last_success_at,
            )
        )
    return figures


@dataclass
class ConnectionUsage:
    system: str
    name: str
    calls_last_hour: int
    peak_per_minute: int
    limit_per_minute: int
    throttled: int

    @property
    def share(self) -> float:
        """The busiest minute of the last hour against the connection's rate limit."""
        if not self.limit_per_minute:
            return 0.0
        return min(1.0, self.peak_per_minute / self.limit_per_minute)


def connection_usage(
    *, tenant: Tenant, integration: Integration | None = None
) -> list[ConnectionUsage]:
    """API calls of the last hour per connection (of one integration, when given), its
    busiest minute, and 429 answers."""
    since = timezone.now() - timedelta(hours=1)
    usage = []
    connections = tenant.connections.order_by("system", "name")
    if integration is not None:
        connections = connections.filter(pk__in=[integration.accounting_id, integration.shop_id])
    for connection in connections:
        calls = ApiCallLog.objects.filter(
            run__tenant=tenant, system=connection.system, created_at__gte=since
        ).filter(
            Q(run__flow__integration__accounting=connection)
            | Q(run__flow__integration__shop=connection)
        )
        per_minute = calls.annotate(minute=TruncMinute("created_at")).values("minute")
        peak = per_minute.annotate(n=Count("id")).aggregate(peak=Max("n"))["peak"]
        limit = limit_for(connection.system, connection.config)
        usage.append(
            ConnectionUsage(
                system=connection.system,
                name=connection.name,
                calls_last_hour=calls.count(),
                peak_per_minute=peak or 0,
                limit_per_minute=round(limit.per_second * 60),
                throttled=calls.filter(status=429).count(),
            )
        )
    return usage
