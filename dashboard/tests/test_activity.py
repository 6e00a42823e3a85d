"""The activity log: filters, search, keyset pages, bad input; a record's page; retries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from flows.models import FlowRun, RecordLog, Trigger
from flows.run_params import RunParams
from tests.factories import add_run

pytestmark = pytest.mark.django_db


def keys_in(response) -> set[str]:
    return {r.key for r in response.context["records"]}


def test_it_lists_the_tenants_records_newest_first(world, scene):
    response = world.client_for(world.owner).get(reverse("dashboard:activity"))
    assert response.status_code == 200
    records = response.context["records"]
    assert [r.pk for r in records] == sorted((r.pk for r in records), reverse=True)
    assert keys_in(response) == {"SKU-0000", "SKU-0001", "SKU-0002", "BAD-0000", "BAD-0001"}


def test_it_filters_by_outcome_flow_and_search(world, scene):
    client = world.client_for(world.owner)
    url = reverse("dashboard:activity")
    assert keys_in(client.get(url, {"action": "failed"})) == {"BAD-0000", "BAD-0001"}
    assert keys_in(client.get(url, {"q": "sku-0001"})) == {"SKU-0001"}
    stock = scene.integration.flows.get(kind="stock")
    assert keys_in(client.get(url, {"flow": stock.pk})) == set()
    assert len(keys_in(client.get(url, {"flow": scene.products.pk}))) == 5
    assert keys_in(client.get(url, {"status": "failed"})) == set()


def test_it_filters_by_date_range_inclusive(world, scene):
    client = world.client_for(world.owner)
    day = scene.created.created_at.astimezone().date().isoformat()
    url = reverse("dashboard:activity")
    assert len(keys_in(client.get(url, {"since": day, "until": day}))) == 5
    assert keys_in(client.get(url, {"until": "2020-01-01"})) == set()


def test_it_rejects_bad_filters_at_the_field(world, scene):
    client = world.client_for(world.owner)
    response = client.get(reverse("dashboard:activity"), {"since": "yesterday", "flow": "x"})
    assert response.status_code == 400
    assert "since" in response.context["form"].errors
    reversed_range = client.get(
        reverse("dashboard:activity"), {"since": "2025-02-02", "until": "2025-02-01"}
    )
    assert reversed_range.status_code == 400
    assert "until" in reversed_range.context["form"].errors


def test_pages_are_keyset_pages_without_gaps_or_repeats(world, scene):
    add_run(scene.products, created=120)
    client = world.client_for(world.owner)
    seen: list[int] = []
    params: dict[str, str] = {"action": "created"}
    while True:
        response = client.get(reverse("dashboard:activity"), params)
        seen += [r.pk for r in response.context["records"]]
        before = response.context["next_before"]
        if before is None:
            break
        assert f"before={before}" in response.content.decode()
        params = {"action": "created", "before": str(before)}
    expected = list(
        RecordLog.objects.filter(tenant=world.tenant, action="created")
        .order_by("-id")
        .values_list("pk", flat=True)
    )
    assert seen == expected
    assert len(seen) == 123


def test_htmx_gets_only_the_table(world, scene):
    response = world.client_for(world.owner).get(
        reverse("dashboard:activity"), {"action": "failed"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="activity-table">')
    assert "<html" not in body
    assert "BAD-0000" in body


def test_record_page_shows_source_payload_response_and_reason(world, scene):
    response = world.client_for(world.owner).get(
        reverse("dashboard:record_detail", args=[scene.failed.pk])
    )
    body = response.content.decode()
    assert "ean: the check digit is wrong" in body
    assert "&quot;ean&quot;: &quot;1234567890123&quot;" in body
    assert 'data-testid="response"' in body


def test_record_page_highlights_the_fields_a_dry_run_would_change(world, scene):
    dry = FlowRun.objects.create(
        tenant=world.tenant, flow=scene.products, trigger=Trigger.DRY_RUN, status="succeeded"
    )
    record = RecordLog.objects.create(
        tenant=world.tenant,
        run=dry,
        flow=scene.products,
        entity="product",
        key="SKU-9",
        action="updated",
        payload={"sku": "SKU-9", "price": 12.5, "name": "Fiets"},
        diff={"price": [10.0, 12.5]},
    )
    response = world.client_for(world.owner).get(
        reverse("dashboard:record_detail", args=[record.pk])
    )
    changed = [c.field for c in response.context["changed"]]
    assert changed == ["price"]
    marked = [line.text for line in response.context["payload_lines"] if line.changed]
    # PostgreSQL's jsonb orders keys its own way: the price may be the last line, no comma.
    assert [text.rstrip(",") for text in marked] == ['  "price": 12.5']
    assert '<span class="diff-new">€ 12.50</span>' in response.content.decode()  # as money


def test_retry_of_a_failed_record_starts_a_retry_run(world, scene):
    client = world.client_for(world.owner)
    response = client.post(reverse("dashboard:record_retry", args=[scene.failed.pk]))
    retry = FlowRun.objects.filter(trigger=Trigger.RETRY).get()
    assert response["Location"] == reverse("dashboard:run_detail", args=[retry.pk])
    assert retry.params == RunParams(record_log_ids=[scene.failed.pk])


def test_retry_refuses_a_record_that_did_not_fail(world, scene):
    client = world.client_for(world.owner)
    client.post(reverse("dashboard:record_retry", args=[scene.created.pk]))
    assert not FlowRun.objects.filter(trigger=Trigger.RETRY).exists()


def test_retry_all_failed_of_a_run(world, scene):
    client = world.client_for(world.owner)
    client.post(reverse("dashboard:run_retry_failed", args=[scene.run.pk]))
    retry = FlowRun.objects.filter(trigger=Trigger.RETRY).get()
    failed_ids = sorted(scene.run.records.filter(action="failed").values_list("pk", flat=True))
    assert sorted(retry.params.record_log_ids or []) == failed_ids


def test_run_page_lists_its_records_and_offers_the_retry(world, scene):
    response = world.client_for(world.owner).get(
        reverse("dashboard:run_detail", args=[scene.run.pk])
    )
    assert {r.key for r in response.context["records"]} >= {"BAD-0000", "SKU-0000"}
    assert response.context["failed_count"] == 2
    assert b"Retry all 2 failed records" in response.content
