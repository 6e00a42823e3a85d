"""runs/ and records/: keyset pages, filters, details with payloads, retries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from api.tests.conftest import error_of
from flows.models import FlowRun, RecordLog
from flows.run_params import RunParams
from tests.factories import add_run

pytestmark = pytest.mark.django_db

RUNS = "/api/v1/runs/"
RECORDS = "/api/v1/records/"


def test_runs_list_is_this_tenants_newest_first(api, scene):
    second = add_run(scene.orders, created=1)
    body = api.viewer.get(RUNS).json()
    assert [r["id"] for r in body["results"]] == [second.pk, scene.run.pk]
    assert body["next_cursor"] is None
    first = body["results"][1]
    assert first["flow_kind"] == "products"
    assert (first["created"], first["failed"]) == (3, 2)
    assert first["duration_seconds"] == pytest.approx(3, abs=0.5)
    assert [r["id"] for r in api.outsider.get(RUNS).json()["results"]] == [scene.other_run.pk]


def test_runs_pages_and_filters(api, scene):
    runs = [add_run(scene.orders) for _ in range(4)]
    page = api.owner.get(RUNS, {"size": 2, "flow": scene.orders.pk}).json()
    assert [r["id"] for r in page["results"]] == [runs[3].pk, runs[2].pk]
    assert page["next_cursor"] == str(runs[2].pk)
    assert f"cursor={runs[2].pk}" in page["next"]
    nxt = api.owner.get(
        RUNS, {"size": 2, "flow": scene.orders.pk, "cursor": page["next_cursor"]}
    ).json()
    assert [r["id"] for r in nxt["results"]] == [runs[1].pk, runs[0].pk]
    assert api.owner.get(RUNS, {"trigger": "webhook"}).json()["results"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"size": 0}, "size"),
        ({"size": 1000}, "size"),
        ({"cursor": "abc"}, "cursor"),
        ({"status": "done"}, "status"),
        ({"flow": -1}, "flow"),
        ({"cursor": 10**30}, "cursor"),
    ],
)
def test_runs_list_rejects_bad_query(api, scene, params, field):
    response = api.owner.get(RUNS, params)
    assert response.status_code == 400
    assert field in error_of(response)["fields"]


def test_run_detail(api, scene):
    body = api.viewer.get(f"{RUNS}{scene.run.pk}/").json()
    assert body["id"] == scene.run.pk
    assert body["status"] == "succeeded"
    assert api.outsider.get(f"{RUNS}{scene.run.pk}/").status_code == 404


def test_run_detail_says_its_status_in_words_and_what_it_does(api, scene):
    working = add_run(scene.orders, created=1)
    FlowRun.objects.filter(pk=working.pk).update(
        status="running", finished_at=None, activity="reading page 3 of orders", read=7
    )
    body = api.viewer.get(f"{RUNS}{working.pk}/").json()
    assert (body["status"], body["status_label"]) == ("running", "Running")
    assert body["activity"] == "reading page 3 of orders"
    assert body["read"] == 7
    partial = add_run(scene.orders, created=1, failed=1)
    FlowRun.objects.filter(pk=partial.pk).update(status="succeeded_with_failures")
    body = api.viewer.get(f"{RUNS}{partial.pk}/").json()
    assert body["status_label"] == "Succeeded with failures"


def test_cancel_ends_a_queued_run_and_lets_the_flow_go(api, scene):
    from flows.services import flow_run_start

    queued = flow_run_start(flow=scene.orders, trigger="manual")
    url = f"{RUNS}{queued.pk}/cancel/"
    assert api.viewer.post(url).status_code == 403
    assert api.outsider.post(url).status_code == 404
    response = api.owner.post(url)
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert "cancelled by alice@example.com" in response.json()["error"]
    again = api.owner.post(url)
    assert again.status_code == 409
    assert "ended already" in error_of(again)["message"]
    # A finished run cannot be cancelled either.
    assert api.owner.post(f"{RUNS}{scene.run.pk}/cancel/").status_code == 409


def test_retry_failed_queues_one_run_with_the_failed_records(api, scene):
    response = api.owner.post(f"{RUNS}{scene.run.pk}/retry-failed/")
    assert response.status_code == 202
    retry = FlowRun.objects.get(pk=response.json()["id"])
    assert retry.trigger == "retry"
    failed_ids = set(scene.run.records.filter(action="failed").values_list("id", flat=True))
    assert set(retry.params.record_log_ids) == failed_ids


def test_retry_failed_access_and_nothing_to_retry(api, scene):
    url = f"{RUNS}{scene.run.pk}/retry-failed/"
    assert api.viewer.post(url).status_code == 403
    assert api.outsider.post(url).status_code == 404
    clean = add_run(scene.orders, created=2)
    response = api.owner.post(f"{RUNS}{clean.pk}/retry-failed/")
    assert response.status_code == 409
    assert "no failed" in error_of(response)["message"]


def test_records_list_has_no_payloads_and_pages_by_cursor(api, scene):
    page = api.viewer.get(RECORDS, {"size": 3}).json()
    assert len(page["results"]) == 3
    assert "payload" not in page["results"][0]
    rest = api.viewer.get(RECORDS, {"size": 3, "cursor": page["next_cursor"]}).json()
    assert rest["next_cursor"] is None
    ids = [r["id"] for r in page["results"] + rest["results"]]
    assert ids == sorted(scene.run.records.values_list("id", flat=True), reverse=True)
    assert [r["key"] for r in api.outsider.get(RECORDS).json()["results"]] == ["SKU-0000"]


def test_records_filters(api, scene):
    add_run(scene.orders, created=1)
    owner = api.owner

    def keys(**params: object) -> list[str]:
        return sorted(r["key"] for r in owner.get(RECORDS, params).json()["results"])

    assert keys(action="failed") == ["BAD-0000", "BAD-0001"]
    assert keys(flow=scene.orders.pk) == ["SKU-0000"]
    assert keys(key="bad-0001") == ["BAD-0001"]
    assert keys(key="1001") == ["SKU-0001"]  # the target id
    assert keys(run=scene.run.pk, action="created") == ["SKU-0000", "SKU-0001", "SKU-0002"]
    assert keys(status="failed") == []
    old = RecordLog.objects.filter(key="BAD-0000")
    old.update(created_at=timezone.now() - timedelta(days=3))
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert "BAD-0000" not in keys(since=since)
    assert keys(until=since) == ["BAD-0000"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"action": "deleted"}, "action"),
        ({"since": "yesterday"}, "since"),
        ({"key": "x" * 201}, "key"),
        ({"run": "one"}, "run"),
    ],
)
def test_records_list_rejects_bad_query(api, scene, params, field):
    response = api.owner.get(RECORDS, params)
    assert response.status_code == 400
    assert field in error_of(response)["fields"]


def test_record_detail_has_source_payload_and_response(api, scene):
    body = api.viewer.get(f"{RECORDS}{scene.failed.pk}/").json()
    assert body["action"] == "failed"
    assert body["reason"] == "ean: the check digit is wrong"
    assert body["source"]["ean"] == "1234567890123"
    assert body["payload"] == {"sku": scene.failed.key, "ean": "1234567890123"}
    assert body["response"]["errors"] == {"ean": ["the check digit is wrong"]}
    other = scene.other_run.records.get()
    assert api.owner.get(f"{RECORDS}{other.pk}/").status_code == 404


def test_record_retry(api, scene):
    url = f"{RECORDS}{scene.failed.pk}/retry/"
    assert api.viewer.post(url).status_code == 403
    assert api.outsider.post(url).status_code == 404
    response = api.owner.post(url)
    assert response.status_code == 202
    assert FlowRun.objects.get(pk=response.json()["id"]).params == RunParams(
        record_log_ids=[scene.failed.pk]
    )
    created = api.owner.post(f"{RECORDS}{scene.created.pk}/retry/")
    assert created.status_code == 409
