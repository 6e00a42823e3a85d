"""/metrics: who may read it, and that its figures follow what really happened.

Runs are real: the flows run against the sandboxes over HTTP (the live server), and the
figures are read back the way Prometheus reads them.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client
from prometheus_client import CONTENT_TYPE_LATEST

from conftest import TenantWorld
from connectors.ratelimit import bucket_for, limit_for
from connectors.registry import connector_class
from flows.models import ApiCallLog, FlowRun, RunStatus, Trigger, WebhookEndpoint
from monitoring.metrics import status_class
from monitoring.models import Incident, IncidentKind
from tests.factories import make_bare_integration, make_connection, make_flow
from tests.flows.conftest import Synced, assert_succeeded
from tests.operations.conftest import TOKEN, Scrape, scrape

ACTIONS = ("created", "updated", "skipped", "failed")


# ---- access ------------------------------------------------------------------------------


def get_metrics(client: Client, token: str | None = None, **extra: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get("/metrics", headers=headers, **extra)


@pytest.mark.django_db
def test_metrics_are_off_without_a_token_or_network(client, settings):
    settings.METRICS_TOKEN = None
    settings.METRICS_ALLOWED_NETWORKS = []
    assert get_metrics(client).status_code == 404
    assert get_metrics(client, "anything").status_code == 404


@pytest.mark.django_db
def test_metrics_need_the_token(client, metrics_token, world: TenantWorld):
    assert get_metrics(client).status_code == 403
    assert get_metrics(client, "wrong-token").status_code == 403
    assert client.get("/metrics", headers={"Authorization": f"Token {TOKEN}"}).status_code == 403
    # A signed-in owner is no Prometheus: the figures span every tenant.
    assert get_metrics(world.client_for(world.owner)).status_code == 403
    response = get_metrics(client, TOKEN)
    assert response.status_code == 200
    assert response["Content-Type"] == CONTENT_TYPE_LATEST
    assert Scrape(response.content.decode()).has("apicenter_broker_up")


@pytest.mark.django_db
def test_metrics_answer_an_allowed_network_without_a_token(client, settings):
    settings.METRICS_TOKEN = None
    settings.METRICS_ALLOWED_NETWORKS = ["127.0.0.0/8"]  # the test client's address
    assert get_metrics(client).status_code == 200
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    assert get_metrics(client).status_code == 403
    # With no trusted proxy, X-Forwarded-For is the client's own word and proves nothing.
    assert get_metrics(client, HTTP_X_FORWARDED_FOR="10.0.0.7").status_code == 403


# ---- figures of real runs ------------------------------------------------------------------


def calls_by_answer(run: FlowRun) -> Counter[tuple[str, str]]:
    rows = ApiCallLog.objects.filter(run=run).values_list("system", "status")
    return Counter((system, status_class(status)) for system, status in rows)


def assert_counted(before: Scrape, after: Scrape, run: FlowRun) -> None:
    """The scrape after the run counts exactly what the run did."""
    kind = run.flow.kind
    for action in ACTIONS:
        labels = {"kind": kind, "action": action}
        counted = after.value("apicenter_records_total", **labels) - before.value(
            "apicenter_records_total", **labels
        )
        assert counted == getattr(run, action), action
    for (system, answer), calls in calls_by_answer(run).items():
        labels = {"system": system, "status": answer}
        counted = after.value("apicenter_api_calls_total", **labels) - before.value(
            "apicenter_api_calls_total", **labels
        )
        assert counted == calls, (system, answer)
    runs = {"kind": kind, "status": run.status, "trigger": run.trigger}
    assert (
        after.value("apicenter_runs_total", **runs) - before.value("apicenter_runs_total", **runs)
        == 1
    )
    durations = {"kind": kind}
    assert (
        after.value("apicenter_run_duration_seconds_count", **durations)
        - before.value("apicenter_run_duration_seconds_count", **durations)
        == 1
    )


def test_metrics_count_a_runs_records_by_action_and_its_api_calls(synced: Synced, metrics_token):
    scrape()  # counting starts with the first scrape
    before = scrape()
    first = synced.run("products")
    assert_succeeded(first)
    assert first.created > 0
    between = scrape()
    assert_counted(before, between, first)
    assert sum(calls_by_answer(first).values()) == first.api_calls
    # The same catalogue again: the ledger skips what is unchanged, and the counters follow.
    second = synced.run("products")
    assert_succeeded(second)
    after = scrape()
    assert_counted(between, after, second)
    assert after.value("apicenter_records_total", kind="products", action="created") == (
        before.value("apicenter_records_total", kind="products", action="created")
        + first.created
        + second.created
    )


def test_a_dry_runs_records_are_not_counted_as_written(synced: Synced, metrics_token):
    scrape()
    before = scrape()
    run = synced.run("products", trigger=Trigger.DRY_RUN)
    assert_succeeded(run)
    assert run.read > 0
    after = scrape()
    for action in ACTIONS:
        labels = {"kind": "products", "action": action}
        assert after.value("apicenter_records_total", **labels) == before.value(
            "apicenter_records_total", **labels
        )
    labels = {"kind": "products", "status": run.status, "trigger": "dry_run"}
    assert after.value("apicenter_runs_total", **labels) == 1 + before.value(
        "apicenter_runs_total", **labels
    )


def test_webhook_deliveries_are_counted_by_outcome(synced: Synced, metrics_token):
    # An endpoint with no secret stored yet: its deliveries are rejected.
    endpoint = WebhookEndpoint.objects.create(
        tenant=synced.tenant,
        connection=synced.integration.shop,
        token=f"tok-{uuid.uuid4().hex}",
        subscription_id="1",
    )
    before = scrape()
    client = Client()
    assert client.post("/api/webhooks/feeddex/no-such-endpoint/").status_code == 404
    assert client.post(f"/api/webhooks/feeddex/{endpoint.token}/", b"{}", "json").status_code == 400
    after = scrape()
    for outcome in ("unknown", "rejected"):
        count = "apicenter_webhook_delivery_seconds_count"
        assert after.value(count, outcome=outcome) == before.value(count, outcome=outcome) + 1


@pytest.mark.django_db
def test_gauges_show_runs_waiting_and_incidents_open(world: TenantWorld, metrics_token):
    flow = make_flow(make_bare_integration(world.tenant), "orders")
    FlowRun.objects.create(tenant=world.tenant, flow=flow, trigger=Trigger.WEBHOOK)
    Incident.objects.create(tenant=world.tenant, kind=IncidentKind.NO_ORDERS, subject="flow:1")
    figures = scrape()
    assert figures.value("apicenter_runs_active", kind="orders", status=RunStatus.QUEUED) == 1
    assert figures.value("apicenter_runs_active", kind="products", status=RunStatus.QUEUED) == 0
    assert figures.value("apicenter_incidents_open", kind="no_orders") == 1
    assert figures.has("apicenter_queue_messages")
    assert figures.value("apicenter_queue_messages", queue="bulk") >= 0


# ---- waits for rate limits ------------------------------------------------------------------


class TooManyOnce(BaseHTTPRequestHandler):
    """Answers the first request 429 with Retry-After: 1, the next ones 200."""

    answered = 0

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        type(self).answered += 1
        first = type(self).answered == 1
        self.send_response(429 if first else 200)
        if first:
            self.send_header("Retry-After", "1")
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        pass


def waited(figures: Scrape, cause: str) -> float:
    return figures.value("apicenter_rate_limit_wait_seconds_total", system="asperion", cause=cause)


@pytest.mark.django_db
def test_waits_for_the_rate_limiter_and_after_a_429_are_added_up(
    settings, metrics_token, world: TenantWorld
):
    settings.APICENTER_ALLOW_PRIVATE_URLS = True
    server = ThreadingHTTPServer(("127.0.0.1", 0), TooManyOnce)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    config = {"rate_limit_per_second": 10, "rate_limit_burst": 1}
    connection = make_connection(world.tenant, "asperion", config=config)
    connector = connector_class("asperion")(connection)
    client = connector.http_client(f"http://127.0.0.1:{server.server_address[1]}")
    before = scrape()
    try:
        # As after another worker's 429: the account's next token is a second away.
        shared = bucket_for(connector.rate_limit_key(), limit_for("asperion", config))
        shared.pause(1.0)
        assert client.request("GET", "/articles", authenticated=False).status == 200
    finally:
        connector.close()
        server.shutdown()
    after = scrape()
    assert TooManyOnce.answered == 2
    # The limiter's wait is measured, so only its lower bound is sure; the 429's Retry-After
    # is what the API asked for.
    assert waited(after, "limiter") - waited(before, "limiter") >= 0.5
    assert waited(after, "429") - waited(before, "429") == pytest.approx(1.0)
