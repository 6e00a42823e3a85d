"""Insights: records per day per flow, failure rates, API calls against the rate limits.

The chart is an SVG drawn on the server: no chart library, no script, readable without CSS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from billing.selectors import usage_for
from dashboard import selectors
from dashboard.http import render_page
from dashboard.integrations import current_integration
from dashboard.templatetags.dashboard import STATE_LABELS
from tenants.access import require_tenant

PERIODS = {"7": 7, "14": 14, "30": 30}
COLOURS = {"created": "#2e8b57", "updated": "#4a90d9", "skipped": "#a0aab4", "failed": "#c0392b"}
CHART_WIDTH, CHART_HEIGHT, BAR_GAP = 720, 180, 4


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str


@dataclass
class Chart:
    bars: list[Bar]
    labels: list[tuple[float, str]]
    peak: int


def stacked_chart(days: list[selectors.DayCounts]) -> Chart:
    """Lay out one stacked bar per day, scaled to the busiest day."""
    peak = max((d.total for d in days), default=0) or 1
    slot = CHART_WIDTH / max(len(days), 1)
    bars: list[Bar] = []
    labels: list[tuple[float, str]] = []
    for i, day in enumerate(days):
        x, bottom = i * slot + BAR_GAP / 2, float(CHART_HEIGHT)
        for action, count in day.counts.items():
            if not count:
                continue
            height = count / peak * (CHART_HEIGHT - 10)
            bottom -= height
            # The chart's words in the reader's language, like the legend below it.
            title = f"{day.day:%d-%m}: {count} {STATE_LABELS.get(action, action)}"
            bars.append(Bar(x, bottom, slot - BAR_GAP, height, COLOURS[action], title))
        if len(days) <= 14 or i % 3 == 0:
            labels.append((x + (slot - BAR_GAP) / 2, f"{day.day:%d-%m}"))
    return Chart(bars=bars, labels=labels, peak=peak if peak > 1 else max(peak, 0))


@require_GET
@login_required
def insights(request: HttpRequest) -> HttpResponse:
    tenant = require_tenant(request)
    # One integration at a time, the one the flows page shows (its switcher is here too);
    # the plan's usage stays the company's.
    integration = current_integration(request, tenant)
    period = request.GET.get("days", "14")
    days = PERIODS.get(period, 14)
    flow_param = request.GET.get("flow", "")
    flow_id = int(flow_param) if flow_param.isdigit() else None
    per_day = selectors.records_per_day(
        tenant=tenant, flow_id=flow_id, days=days, integration=integration
    )
    since = timezone.now() - timedelta(days=days)
    context = {
        "days": days,
        "periods": list(PERIODS),
        "flow_id": flow_id,
        "chart": stacked_chart(per_day),
        "chart_width": CHART_WIDTH,
        "chart_height": CHART_HEIGHT,
        "colours": COLOURS,
        "totals": {a: sum(d.counts[a] for d in per_day) for a in selectors.ACTIONS},
        "figures": selectors.flow_figures(tenant=tenant, since=since, integration=integration),
        "usage": selectors.connection_usage(tenant=tenant, integration=integration),
        "integration": integration,
        "integrations": list(tenant.integrations.order_by("id")),
        "plan_usage": usage_for(tenant=tenant),
        "now": timezone.now(),
    }
    return render_page(
        request, "dashboard/insights.html", context, partial="dashboard/partials/insights_body.html"
    )
