"""insights/: per flow runs, records by action, API calls and failure rate."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from api.tests.conftest import error_of
from flows.models import FlowRun, RecordLog
from tests.factories import add_run

pytestmark = pytest.mark.django_db

URL = "/api/v1/insights/"


def figures(body: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(item for item in body["flows"] if item["kind"] == kind)


def test_insights_per_flow(api, scene):
    add_run(scene.products, created=1, trigger="dry_run")  # left out of the figures
    body = api.viewer.get(URL).json()
    assert body["days"] == 7
    assert len(body["flows"]) == 5
    products = figures(body, "products")
    assert products["runs"] == 1
    assert products["records"] == {"created": 3, "updated": 0, "skipped": 0, "failed": 2}
    assert products["records_total"] == 5
    assert products["api_calls"] == 6
    assert products["failure_rate"] == 0.4
    assert products["last_success_at"] is not None
    assert figures(body, "orders")["failure_rate"] == 0.0


def test_insights_period_and_flow_filter(api, scene):
    old = add_run(scene.orders, failed=1)
    ten_days_ago = timezone.now() - timedelta(days=10)
    FlowRun.objects.filter(pk=old.pk).update(queued_at=ten_days_ago)
    RecordLog.objects.filter(run=old).update(created_at=ten_days_ago)
    week = figures(api.owner.get(URL, {"days": 7}).json(), "orders")
    month = figures(api.owner.get(URL, {"days": 30}).json(), "orders")
    assert (week["runs"], week["records"]["failed"]) == (0, 0)
    assert (month["runs"], month["records"]["failed"]) == (1, 1)
    only = api.owner.get(URL, {"flow": scene.orders.pk}).json()["flows"]
    assert [item["flow"] for item in only] == [scene.orders.pk]


def test_insights_are_per_tenant_and_validate_the_period(api, scene):
    theirs = api.outsider.get(URL).json()["flows"]
    assert figures({"flows": theirs}, "products")["records"]["created"] == 1
    assert api.outsider.get(URL, {"flow": scene.products.pk}).json()["flows"] == []
    response = api.owner.get(URL, {"days": 14})
    assert response.status_code == 400
    assert "days" in error_of(response)["fields"]
