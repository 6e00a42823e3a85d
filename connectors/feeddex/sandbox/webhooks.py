"""Webhook events of the sandbox: signed, delivered, retried with backoff, sometimes twice.

Each event for each subscription is a WebhookDelivery row. An attempt is claimed with a
conditional UPDATE (so two workers never send the same attempt), POSTs the body signed as
`X-Feeddex-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`, and on a
non-2xx answer schedules the next attempt (10 s, 30 s, 90 s, ... up to MAX_ATTEMPTS).

How deliveries run is a setting, FEEDDEX_SANDBOX_WEBHOOK_DELIVERY:
- "celery" (default): a thin task per delivery, queued on commit, re-queued for retries;
- "manual": nothing is queued; `deliver_due()` sends what is due (the shop simulator and
  tests call it).

Deliveries go through the connectors' one SSRF guard (connectors/netguard.py): the host is
resolved once, every address checked, and the checked address dialled. A subscription URL
that does not parse or reaches an inside address fails at once, without retries.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from connectors.feeddex.sandbox.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from connectors.netguard import GuardedTransport, PrivateAddressBlocked, url_problem

if TYPE_CHECKING:
    from connectors.feeddex.sandbox.models import Account, Order

SIGNATURE_HEADER = "X-Feeddex-Signature"
MAX_ATTEMPTS = 6
RETRY_BASE_SECONDS = 10
RETRY_FACTOR = 3
SEND_TIMEOUT_SECONDS = 5.0
# While an attempt runs, nobody else may claim the delivery.
CLAIM_SECONDS = 60

_random = random.Random()  # noqa: S311 - chance of a duplicate, not security


def sign(*, secret: str, body: bytes, timestamp: int) -> str:
    """Return the X-Feeddex-Signature header value for a body sent at `timestamp`."""
    message = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def retry_delay(attempts: int) -> int:
    """Seconds before the next attempt, after `attempts` failed ones (10, 30, 90, ...)."""
    return int(RETRY_BASE_SECONDS * RETRY_FACTOR ** max(0, attempts - 1))


def event_body(*, event_type: str, order: Order, now: datetime) -> str:
    from connectors.feeddex.sandbox.render import timestamp

    return json.dumps(
        {
            "id": f"evt_{uuid.uuid4().hex}",
            "type": event_type,
            "createdAt": timestamp(now),
            "data": {
                "orderId": order.pk,
                "number": order.number,
                "status": order.status,
                "paymentStatus": order.payment_status,
            },
        },
        separators=(",", ":"),
    )


def event_emit(*, account: Account, event_type: str, order: Order, now: datetime) -> list[int]:
    """Create a delivery of the event for each subscription that wants it; queue them."""
    body = event_body(event_type=event_type, order=order, now=now)
    event_id = json.loads(body)["id"]
    subscriptions = WebhookSubscription.objects.filter(account=account)
    deliveries = [
        WebhookDelivery.objects.create(
            account=account,
            subscription=subscription,
            event_id=event_id,
            event_type=event_type,
            body=body,
            next_attempt_at=now,
        )
        for subscription in subscriptions
        if event_type in subscription.events
    ]
    ids = [delivery.pk for delivery in deliveries]
    if ids and delivery_mode() == "celery":
        transaction.on_commit(lambda: _queue(ids))
    return ids


def delivery_mode() -> str:
    return str(getattr(settings, "FEEDDEX_SANDBOX_WEBHOOK_DELIVERY", "celery"))


def _queue(ids: list[int], countdown: int = 0) -> None:
    from connectors.feeddex.sandbox.tasks import deliver_webhook_task

    for delivery_id in ids:
        deliver_webhook_task.apply_async((delivery_id,), countdown=countdown)


def deliver_due(*, now: datetime | None = None, limit: int = 100) -> int:
    """Attempt every pending delivery that is due; return how many were attempted."""
    moment = now or timezone.now()
    due = WebhookDelivery.objects.filter(
        status=DeliveryStatus.PENDING, next_attempt_at__lte=moment
    ).order_by("next_attempt_at", "id")
    attempted = 0
    for delivery_id in list(due.values_list("id", flat=True)[:limit]):
        if delivery_attempt(delivery_id, now=moment) != "skipped":
            attempted += 1
    return attempted


def delivery_attempt(delivery_id: int, *, now: datetime | None = None) -> str:
    """Make one attempt; return "delivered", "retry", "failed" or "skipped" (not ours)."""
    moment = now or timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=moment
    ).update(next_attempt_at=moment + timedelta(seconds=CLAIM_SECONDS))
    if claimed != 1:
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("subscription", "account").get(pk=delivery_id)
    sent = _send(delivery)
    return _record(delivery, sent, now=moment)


class Sent:
    """What one POST gave: the status code (None without an answer), the error text, and
    whether the URL itself is refused (no point in trying again)."""

    def __init__(self, status_code: int | None, error: str = "", refused: bool = False) -> None:
        self.status_code = status_code
        self.error = error
        self.refused = refused


def _record(delivery: WebhookDelivery, sent: Sent, *, now: datetime) -> str:
    status_code, error = sent.status_code, sent.error
    delivery.attempts += 1
    delivery.last_status_code = status_code
    delivery.last_error = error
    if status_code is not None and 200 <= status_code < 300:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = now
        delivery.times_delivered += 1
        # Real platforms deliver at least once: now and then the same event comes twice.
        duplicate = _random.random() < delivery.account.duplicate_webhook_rate
        if duplicate and _send(delivery).status_code is not None:
            delivery.times_delivered += 1
        outcome = "delivered"
    elif delivery.attempts >= MAX_ATTEMPTS or sent.refused:
        delivery.status = DeliveryStatus.FAILED
        outcome = "failed"
    else:
        delivery.next_attempt_at = now + timedelta(seconds=retry_delay(delivery.attempts))
        outcome = "retry"
    delivery.save()
    return outcome


def _send(delivery: WebhookDelivery) -> Sent:
    """POST the signed body to the subscription's URL through the SSRF guard."""
    url = delivery.subscription.url
    problem = url_problem(url)
    if problem:
        return Sent(None, problem, refused=True)
    body = delivery.body.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Feeddex-Sandbox-Webhooks/1",
        SIGNATURE_HEADER: sign(
            secret=delivery.subscription.secret,
            body=body,
            timestamp=int(timezone.now().timestamp()),
        ),
    }
    transport = GuardedTransport(allow_private=lambda: private_allowed(url), max_connections=1)
    try:
        with httpx.Client(transport=transport, timeout=SEND_TIMEOUT_SECONDS) as client:
            response = client.post(url, content=body, headers=headers)
    except PrivateAddressBlocked as error:
        return Sent(None, str(error), refused=True)
    except httpx.HTTPError as error:
        return Sent(None, f"{type(error).__name__}: {error}"[:500])
    return Sent(response.status_code, "" if response.is_success else response.text[:500])


def private_allowed(url: str) -> bool:
    """Private addresses are refused unless the platform allows them, or the URL is the
    platform's own SITE_URL: in the embedded mode the sandbox delivers to the platform
    running beside it."""
    if getattr(settings, "APICENTER_ALLOW_PRIVATE_URLS", False):
        return True
    site_url = str(getattr(settings, "SITE_URL", "")).rstrip("/")
    return bool(site_url) and (url == site_url or url.startswith(site_url + "/"))
