"""Order events are delivered signed, retried with backoff, and sometimes twice."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from connectors.feeddex.sandbox import seed, services, webhooks
from connectors.feeddex.sandbox.models import DeliveryStatus, Order, WebhookDelivery
from connectors.feeddex.sandbox.tasks import deliver_webhook_task

from .conftest import live_db

pytestmark = live_db

SECRET = "whsec-0123456789abcdef"


def subscribe(api, url, events=("order.created", "order.paid", "order.updated")):
    body = {"url": url, "events": list(events), "secret": SECRET}
    assert api.call("POST", "/v1/webhooks", json_body=body).status == 201


def place(account, *, paid=True):
    seed.seed_account(account, customers=0, orders=0, seed=1)  # a catalogue
    import random

    draft = seed.new_order(
        random.Random(3),
        catalogue=seed.catalogue_of(account, None, random.Random(3)),
        customers=[],
        index=1,
    )
    draft.payment_status = "paid" if paid else "pending"
    return services.order_place(account=account, new_order=draft, now=services.now())


def verify(headers, body):
    signature = headers["X-Feeddex-Signature"]
    parts = dict(item.split("=", 1) for item in signature.split(","))
    expected = hmac.new(SECRET.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256)
    assert hmac.compare_digest(parts["v1"], expected.hexdigest())
    assert abs(int(parts["t"]) - time.time()) < 300


def test_a_paid_order_fires_signed_created_and_paid_events(api, account, receiver):
    subscribe(api, receiver.url)
    order = place(account)
    assert webhooks.deliver_due() == 2
    events = [json.loads(r.body) for r in receiver.received]
    assert [e["type"] for e in events] == ["order.created", "order.paid"]
    assert events[0]["data"] == {"orderId": order.pk, "number": order.number,
                                 "status": "new", "paymentStatus": "paid"}  # fmt: skip
    assert events[0]["id"] != events[1]["id"]
    for received in receiver.received:
        verify(received.headers, received.body)
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}


def test_only_subscribed_events_are_sent(api, account, receiver):
    subscribe(api, receiver.url, events=["order.paid"])
    order = place(account, paid=False)
    assert webhooks.deliver_due() == 0
    services.order_mark_paid(order=order, now=services.now())
    webhooks.deliver_due()
    assert [json.loads(r.body)["type"] for r in receiver.received] == ["order.paid"]


def test_patching_an_order_fires_order_updated(api, account, receiver):
    order = place(account, paid=False)
    subscribe(api, receiver.url, events=["order.updated"])
    path = f"/v1/orders/{order.pk}"
    api.call("PATCH", path, template="/v1/orders/{id}", json_body={"status": "shipped"})
    webhooks.deliver_due()
    (received,) = receiver.received
    assert json.loads(received.body)["data"]["status"] == "shipped"


def test_a_failed_delivery_is_retried_with_backoff_then_given_up(api, account, receiver):
    subscribe(api, receiver.url, events=["order.created"])
    receiver.status = 500
    place(account)
    start = timezone.now()
    assert webhooks.deliver_due(now=start) == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert delivery.next_attempt_at == start + timedelta(seconds=10)
    assert webhooks.deliver_due(now=start + timedelta(seconds=5)) == 0  # not due yet
    moment = start
    for attempt in range(2, webhooks.MAX_ATTEMPTS + 1):
        moment += timedelta(seconds=webhooks.retry_delay(attempt - 1))
        assert webhooks.deliver_due(now=moment) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, webhooks.MAX_ATTEMPTS)
    assert len(receiver.received) == webhooks.MAX_ATTEMPTS
    assert [webhooks.retry_delay(n) for n in (1, 2, 3)] == [10, 30, 90]


def test_a_retry_succeeds_once_the_receiver_recovers(api, account, receiver):
    subscribe(api, receiver.url, events=["order.created"])
    receiver.status = 503
    place(account)
    start = timezone.now()
    webhooks.deliver_due(now=start)
    receiver.status = 200
    webhooks.deliver_due(now=start + timedelta(seconds=10))
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    first, second = receiver.received
    assert first.body == second.body  # the same event, re-signed


def test_duplicate_rate_one_delivers_every_event_twice(api, account, receiver):
    account.duplicate_webhook_rate = 1.0
    account.save()
    subscribe(api, receiver.url, events=["order.created"])
    place(account)
    webhooks.deliver_due()
    first, second = receiver.received
    assert json.loads(first.body)["id"] == json.loads(second.body)["id"]
    assert WebhookDelivery.objects.get().times_delivered == 2


def test_the_celery_task_makes_one_attempt(api, account, receiver):
    subscribe(api, receiver.url, events=["order.created"])
    place(account)
    delivery = WebhookDelivery.objects.get()
    assert deliver_webhook_task.apply(args=(delivery.pk,)).get() == "delivered"
    assert deliver_webhook_task.apply(args=(delivery.pk,)).get() == "skipped"
    assert len(receiver.received) == 1


def test_private_addresses_are_refused_unless_allowed(api, account, receiver, settings):
    settings.APICENTER_ALLOW_PRIVATE_URLS = False
    settings.SITE_URL = "http://platform.example.nl"
    subscribe(api, receiver.url, events=["order.created"])
    place(account)
    webhooks.deliver_due()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed"
    assert "private or local address" in delivery.last_error
    assert receiver.received == []
    assert webhooks.private_allowed("http://platform.example.nl/hooks/feeddex/1")


@pytest.mark.parametrize("mode", ["celery", "manual"])
def test_the_delivery_mode_setting(mode, settings):
    settings.FEEDDEX_SANDBOX_WEBHOOK_DELIVERY = mode
    assert webhooks.delivery_mode() == mode


def test_order_numbers_are_sequential_per_account(account):
    first, second = place(account), place(account)
    assert int(second.number.split("-")[1]) == int(first.number.split("-")[1]) + 1
    assert Order.objects.filter(account=account).count() == 2
