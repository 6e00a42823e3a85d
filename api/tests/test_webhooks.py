"""The Feeddex webhook receiver: signature, replay window, dedupe, what it queues, how fast."""

from __future__ import annotations

import json
import statistics
import time
import uuid
from typing import Any

import httpx
import pytest

from connectors.feeddex.webhooks import sign
from connectors.services import connection_update_secrets
from flows.models import (
    ApiCallLog,
    DeliveryStatus,
    FlowRun,
    RunStatus,
    WebhookDelivery,
    WebhookEndpoint,
)
from flows.run_params import RunParams
from flows.webhook_ingest import SECRET_KEY

SECRET = "whsec-test-0123456789abcdef"


def event(order_id: int = 42, event_id: str | None = None, kind: str = "order.paid") -> bytes:
    body = {
        "id": event_id or f"evt_{uuid.uuid4().hex}",
        "type": kind,
        "createdAt": "2026-01-02T03:04:05.000Z",
        "data": {"orderId": order_id, "number": "100042", "status": "new", "paymentStatus": "paid"},
    }
    return json.dumps(body, separators=(",", ":")).encode()


def signature(body: bytes, *, age: int = 0, secret: str = SECRET) -> str:
    return sign(secret=secret, body=body, timestamp=int(time.time()) - age)


@pytest.fixture
def endpoint(scene) -> WebhookEndpoint:
    orders = scene.orders
    orders.enabled = True
    orders.save()
    scene.integration.live = True
    scene.integration.save()
    feeddex = scene.integration.shop
    connection_update_secrets(connection=feeddex, changes={SECRET_KEY: SECRET})
    return WebhookEndpoint.objects.create(
        tenant=scene.integration.tenant,
        connection=feeddex,
        token="tok-" + uuid.uuid4().hex,
        subscription_id="7",
    )


def deliver(client: Any, endpoint: WebhookEndpoint, body: bytes, header: str | None) -> Any:
    headers = {"X-Feeddex-Signature": header} if header is not None else {}
    return client.post(
        f"/api/webhooks/feeddex/{endpoint.token}/",
        body,
        content_type="application/json",
        headers=headers,
    )


def webhook_runs() -> list[FlowRun]:
    return list(FlowRun.objects.filter(trigger="webhook"))


@pytest.mark.django_db
class TestReceiver:
    def test_a_good_delivery_queues_an_orders_run(self, client, endpoint, scene):
        body = event(order_id=42, event_id="evt_good")
        response = deliver(client, endpoint, body, signature(body))
        assert response.status_code == 202
        (run,) = webhook_runs()
        assert response.json() == {"status": "accepted", "run": run.pk}
        assert run.flow == scene.orders
        assert run.status == RunStatus.QUEUED
        assert run.params == RunParams(order_id=42, event_id="evt_good")
        delivery = WebhookDelivery.objects.get()
        assert (delivery.status, delivery.event_id, delivery.order_id) == (
            "accepted",
            "evt_good",
            "42",
        )
        assert delivery.run == run

    @pytest.mark.parametrize(
        "header",
        [None, "", "t=abc,v1=00", "v1=deadbeef", "t=1,v1=" + "0" * 64, "garbage"],
    )
    def test_a_bad_signature_is_rejected_and_logged(self, client, endpoint, header):
        body = event()
        response = deliver(client, endpoint, body, header)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "rejected"
        assert webhook_runs() == []
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == DeliveryStatus.REJECTED
        assert delivery.reason
        assert delivery.body_excerpt == body.decode()
        assert SECRET not in str(delivery.__dict__)

    def test_a_signature_with_another_secret_is_rejected(self, client, endpoint):
        body = event()
        response = deliver(client, endpoint, body, signature(body, secret="x" * 30))
        assert response.status_code == 400
        assert "does not match" in WebhookDelivery.objects.get().reason

    def test_a_changed_body_is_rejected(self, client, endpoint):
        body = event(order_id=1)
        response = deliver(client, endpoint, event(order_id=2), signature(body))
        assert response.status_code == 400
        assert webhook_runs() == []

    def test_an_old_timestamp_is_a_replay(self, client, endpoint):
        body = event()
        response = deliver(client, endpoint, body, signature(body, age=6 * 60))
        assert response.status_code == 400
        assert "tolerance" in WebhookDelivery.objects.get().reason
        fresh = deliver(client, endpoint, body, signature(body, age=60))
        assert fresh.status_code == 202

    def test_a_duplicate_event_makes_one_run(self, client, endpoint):
        body = event(event_id="evt_twice")
        first = deliver(client, endpoint, body, signature(body))
        again = deliver(client, endpoint, body, signature(body))
        assert first.status_code == 202
        assert again.status_code == 200
        assert again.json()["status"] == "duplicate"
        assert len(webhook_runs()) == 1
        assert WebhookDelivery.objects.filter(event_id="evt_twice").count() == 1

    def test_a_forged_event_id_does_not_block_the_genuine_one(self, client, endpoint):
        body = event(event_id="evt_target")
        assert deliver(client, endpoint, body, "t=1,v1=00").status_code == 400
        assert deliver(client, endpoint, body, signature(body)).status_code == 202

    def test_events_while_a_run_waits_join_that_run(self, client, endpoint):
        bodies = [event(order_id=n) for n in (1, 2, 3)]
        answers = [deliver(client, endpoint, b, signature(b)).json() for b in bodies]
        (run,) = webhook_runs()
        assert {answer["run"] for answer in answers} == {run.pk}
        FlowRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
        later = event(order_id=4)
        assert deliver(client, endpoint, later, signature(later)).json()["run"] != run.pk
        assert len(webhook_runs()) == 2

    def test_a_signed_body_that_is_not_an_event_is_rejected(self, client, endpoint):
        for body in (b"{not json", b'{"id": "x"}', event(kind="order.deleted")):
            assert deliver(client, endpoint, body, signature(body)).status_code == 400
        assert WebhookDelivery.objects.filter(status="rejected").count() == 3
        assert webhook_runs() == []

    def test_an_orders_flow_that_is_off_ignores_events(self, client, endpoint, scene):
        scene.orders.enabled = False
        scene.orders.save()
        body = event()
        response = deliver(client, endpoint, body, signature(body))
        assert response.status_code == 200
        assert response.json()["status"] == "ignored"
        assert webhook_runs() == []
        assert WebhookDelivery.objects.get().status == DeliveryStatus.IGNORED

    def test_without_a_stored_secret_nothing_verifies(self, client, endpoint):
        connection_update_secrets(connection=endpoint.connection, changes={SECRET_KEY: ""})
        body = event()
        assert deliver(client, endpoint, body, signature(body)).status_code == 400
        assert "no webhook secret" in WebhookDelivery.objects.get().reason

    def test_an_unknown_endpoint_is_404_and_get_is_not_allowed(self, client, endpoint):
        body = event()
        response = client.post(
            "/api/webhooks/feeddex/nope/",
            body,
            content_type="application/json",
            headers={"X-Feeddex-Signature": signature(body)},
        )
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
        assert client.get(f"/api/webhooks/feeddex/{endpoint.token}/").status_code == 405
        assert not WebhookDelivery.objects.exists()


# ---- over real HTTP, with the run really enqueued --------------------------------------------


@pytest.fixture
def memory_broker() -> Any:
    """Send this test's Celery messages to an in-process broker, and read them back there.

    The real broker (a shared folder, or Redis) may have workers of other test sessions
    listening: a run id of this test's database must not reach them.
    """
    from apicenter.celery import app as celery_app

    app: Any = celery_app  # private attributes and writable settings, as in Celery's own tests

    saved = (app.conf.broker_url, app.conf.broker_transport_options)

    def reset_pools() -> None:
        # Forget (not close) the pools: the next send builds them from the current URL, and
        # kombu's registry hands the original ones back once the URL is restored.
        app._pool = None
        app.amqp._producer_pool = None

    app.conf.broker_url, app.conf.broker_transport_options = "memory://", {}
    reset_pools()
    # The memory transport keeps its queues for the whole process: start this test empty.
    with app.connection_for_write() as conn:
        for queue in ("celery", "bulk"):
            while conn.default_channel.basic_get(queue, no_ack=True) is not None:
                pass
    yield app
    app.conf.broker_url, app.conf.broker_transport_options = saved
    reset_pools()


def queued_run_ids(app: Any) -> list[int]:
    ids = []
    with app.connection_for_write() as conn:
        while (message := conn.default_channel.basic_get("celery", no_ack=True)) is not None:
            assert message.headers["task"] == "flows.tasks.run_flow_task"
            args, _kwargs, _embed = json.loads(message.body)
            ids.append(args[0])
    return ids


def timed_deliveries(post: Any, count: int) -> list[float]:
    """Deliver `count` fresh events, each starting a run (the heaviest path); return seconds."""
    timings = []
    for n in range(count):
        body = event(order_id=n)
        started = time.perf_counter()
        response = post(body, signature(body))
        timings.append(time.perf_counter() - started)
        assert response.status_code == 202
        # Let the next event start a run of its own instead of joining this one.
        FlowRun.objects.filter(pk=response.json()["run"]).update(status=RunStatus.SUCCEEDED)
    return timings[1:]  # the first also opens the database connection


def report(label: str, timings: list[float]) -> float:
    median = statistics.median(timings)
    print(
        f"webhook answer {label}: median {median * 1000:.1f} ms, "
        f"max {max(timings) * 1000:.1f} ms over {len(timings)} deliveries"
    )
    return median


@pytest.mark.django_db(transaction=True)
def test_it_answers_having_only_enqueued_the_run(live_server, client, endpoint, memory_broker):
    """The answer waits for nothing but the delivery's row and the run's message: no API is
    called and nothing is booked before it. (How fast that is, is bench/webhook_ingest.py's
    figure: a test's timing would fail on a busy machine.)"""
    # In the process (committed transactions, no socket): the receiver's own work.
    report("in process", timed_deliveries(lambda b, sig: deliver(client, endpoint, b, sig), 11))
    url = f"{live_server.url}/api/webhooks/feeddex/{endpoint.token}/"
    with httpx.Client(timeout=5) as http:
        over_http = timed_deliveries(
            lambda body, sig: http.post(
                url,
                content=body,
                headers={"Content-Type": "application/json", "X-Feeddex-Signature": sig},
            ),
            11,
        )
    report("over HTTP", over_http)
    queued = queued_run_ids(memory_broker)
    assert sorted(queued) == sorted(run.pk for run in webhook_runs())
    assert len(queued) == 22
    assert not ApiCallLog.objects.exists()  # no run began its work while the answer waited


@pytest.mark.django_db
def test_old_deliveries_are_purged_in_batches(client, endpoint):
    from datetime import timedelta

    from django.utils import timezone

    from flows.webhook_ingest import webhook_delivery_purge

    for _ in range(3):
        body = event()
        deliver(client, endpoint, body, "t=1,v1=00")
    WebhookDelivery.objects.update(received_at=timezone.now() - timedelta(days=40))
    body = event()
    deliver(client, endpoint, body, signature(body))
    cutoff = timezone.now() - timedelta(days=30)
    assert webhook_delivery_purge(older_than=cutoff, batch=2) == 2
    assert webhook_delivery_purge(older_than=cutoff, batch=2) == 1
    assert webhook_delivery_purge(older_than=cutoff, batch=2) == 0
    assert list(WebhookDelivery.objects.values_list("status", flat=True)) == ["accepted"]
