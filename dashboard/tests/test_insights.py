"""Insights: records per day, failure rates, API calls against the rate limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboard.selectors import records_per_day
from dashboard.views.insights import stacked_chart
from flows.models import ApiCallLog

pytestmark = pytest.mark.django_db


def test_records_per_day_counts_each_outcome_and_keeps_empty_days(world, scene):
    days = records_per_day(tenant=world.tenant, flow_id=None, days=7)
    assert len(days) == 7
    assert days[-1].counts == {"created": 3, "updated": 0, "skipped": 0, "failed": 2}
    assert all(d.total == 0 for d in days[:-1])


def test_the_chart_scales_to_the_busiest_day(world, scene):
    chart = stacked_chart(records_per_day(tenant=world.tenant, flow_id=None, days=7))
    heights = sorted(round(bar.height) for bar in chart.bars)
    assert heights == [68, 102]  # 2 and 3 of 5 records, on a 170 px scale
    assert len(chart.labels) == 7


def test_insights_page_shows_failure_rate_and_api_usage(world, scene):
    now = timezone.now()
    ApiCallLog.objects.bulk_create(
        [
            ApiCallLog(
                run=scene.run,
                system="feeddex",
                method="POST",
                path="/v1/products",
                status=201 if i < 9 else 429,
                created_at=now,
            )
            for i in range(10)
        ]
    )
    response = world.client_for(world.owner).get(reverse("dashboard:insights"), {"days": "7"})
    assert response.status_code == 200
    products = next(f for f in response.context["figures"] if f.flow.kind == "products")
    assert (products.records, products.failed) == (5, 2)
    assert products.failure_rate == pytest.approx(0.4)
    feeddex = next(u for u in response.context["usage"] if u.system == "feeddex")
    assert (feeddex.calls_last_hour, feeddex.peak_per_minute, feeddex.throttled) == (10, 10, 1)
    assert 'data-testid="chart"' in response.content.decode()


def test_other_tenants_calls_do_not_count(world, scene):
    other_run = scene.other_record.run
    ApiCallLog.objects.create(
        run=other_run, system="feeddex", method="GET", path="/v1/x", status=200
    )
    response = world.client_for(world.owner).get(reverse("dashboard:insights"))
    assert all(u.calls_last_hour == 0 for u in response.context["usage"])


def test_the_busiest_minute_counts_against_the_connections_limit(world, scene):
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=5)
    moments = [start, start + timedelta(seconds=10), start + timedelta(minutes=1)]
    ApiCallLog.objects.bulk_create(
        [
            ApiCallLog(
                run=scene.run,
                system="asperion",
                method="GET",
                path="/v1/articles",
                status=200,
                created_at=moment,
            )
            for moment in moments
        ]
    )
    asperion = scene.integration.accounting
    asperion.config = {**asperion.config, "rate_limit_per_second": 2}
    asperion.save()
    response = world.client_for(world.owner).get(reverse("dashboard:insights"))
    usage = next(u for u in response.context["usage"] if u.system == "asperion")
    assert (usage.calls_last_hour, usage.peak_per_minute, usage.limit_per_minute) == (3, 2, 120)


def test_home_shows_todays_figures_once_live(world, scene):
    from dashboard.services import wizard_complete, wizard_state_for

    wizard_complete(state=wizard_state_for(tenant=world.tenant))
    response = world.client_for(world.owner).get(reverse("dashboard:home"))
    today = response.context["today"]
    assert (today.total, today.counts["failed"]) == (5, 2)
    assert "?action=failed" in response.content.decode()
