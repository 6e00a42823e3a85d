"""Receiving a shop's order webhooks: verify, dedupe, queue a run, answer at once.

The receiver does no call to the shop and no booking: the shop connection's connector class
(through the registry) checks the signature and timestamp and parses the event; the receiver
stores the event id (a unique constraint turns repeated deliveries into one), and queues an
orders-flow run, which then reads the changed orders itself. So it answers in milliseconds,
and a delivery that arrives twice, late or out of order changes nothing.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction

from connectors.base import ShopConnector
from connectors.crypto import SecretsUnreadable
from connectors.errors import WebhookInvalid
from connectors.records import OrderEvent
from connectors.registry import connector_class
from flows.models import (
    DeliveryStatus,
    Flow,
    FlowRun,
    RunStatus,
    Trigger,
    WebhookDelivery,
    WebhookEndpoint,
)
from flows.registry import FLOWS
from flows.run_params import RunParams

logger = logging.getLogger(__name__)

SECRET_KEY = "webhook_secret"
EXCERPT_CHARS = 2000
MAX_EVENT_ID = 100  # WebhookDelivery.event_id
NOT_REGISTERED = "no webhook secret is stored for this connection"


class DeliveryRejected(Exception):
    """A delivery that does not prove it comes from the shop, or that makes no sense."""


@dataclass
class Received:
    status: str  # accepted, ignored, duplicate, rejected
    http_status: int
    delivery: WebhookDelivery | None = None
    reason: str = ""

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"status": self.status}
        if self.reason:
            body["reason"] = self.reason
        if self.delivery is not None and self.delivery.run_id:
            body["run"] = self.delivery.run_id
        return body


def shop_class(endpoint: WebhookEndpoint) -> type[ShopConnector]:
    """The connector class of the endpoint's shop connection (no instance: no call is made)."""
    cls: type = connector_class(endpoint.connection.system)
    if not issubclass(cls, ShopConnector):
        raise DeliveryRejected(f"{endpoint.connection.system} sends no webhooks")
    return cls


def verify_signature(
    shop: type[ShopConnector], *, secret: str, body: bytes, headers: Mapping[str, str]
) -> None:
    """Raise DeliveryRejected unless the headers sign this body recently with the secret."""
    try:
        shop.verify_webhook(secret=secret, body=body, headers=headers)
    except WebhookInvalid as error:
        raise DeliveryRejected(str(error)) from None


def endpoint_secret(endpoint: WebhookEndpoint) -> str:
    try:
        secret = endpoint.connection.secrets.get(SECRET_KEY)
    except SecretsUnreadable:
        secret = None
    if not isinstance(secret, str) or not secret:
        raise DeliveryRejected(NOT_REGISTERED)
    return secret


def parse_event(shop: type[ShopConnector], body: bytes) -> OrderEvent:
    """The event as the shop's contract describes it (parsed strictly by its connector)."""
    try:
        event = shop.parse_webhook_event(body)
    except WebhookInvalid as error:
        raise DeliveryRejected(str(error)[:300]) from None
    if len(event.id) > MAX_EVENT_ID:
        raise DeliveryRejected("the event id is too long")
    return event


def webhook_receive(
    *,
    endpoint: WebhookEndpoint,
    body: bytes,
    headers: Mapping[str, str],
    remote_addr: str | None = None,
) -> Received:
    """Handle one delivery to an endpoint and say how to answer it."""
    try:
        shop = shop_class(endpoint)
        verify_signature(shop, secret=endpoint_secret(endpoint), body=body, headers=headers)
        event = parse_event(shop, body)
    except DeliveryRejected as error:
        delivery = record_rejected(endpoint, body=body, reason=str(error), remote_addr=remote_addr)
        return Received("rejected", 400, delivery, reason=delivery.reason)
    return accept(endpoint, event, remote_addr=remote_addr)


def record_rejected(
    endpoint: WebhookEndpoint, *, body: bytes, reason: str, remote_addr: str | None
) -> WebhookDelivery:
    # The body is kept (cut short) to see what was sent; the secret never was in it.
    logger.warning("webhook delivery to endpoint %s rejected: %s", endpoint.pk, reason)
    return WebhookDelivery.objects.create(
        tenant_id=endpoint.tenant_id,
        endpoint=endpoint,
        status=DeliveryStatus.REJECTED,
        reason=reason[:300],
        body_excerpt=body[:EXCERPT_CHARS].decode(errors="replace"),
        remote_addr=remote_addr,
    )


def orders_flows(endpoint: WebhookEndpoint) -> list[Flow]:
    flows = Flow.objects.filter(
        tenant_id=endpoint.tenant_id,
        kind__in=[kind for kind, d in FLOWS.items() if d.receives_webhooks],
        integration__shop_id=endpoint.connection_id,
    )
    return list(flows.select_related("integration", "tenant").order_by("id"))


def why_ignored(flows: list[Flow]) -> str:
    """Return why no run should start, or "" when one should."""
    if not any(flow.enabled and flow.integration.live for flow in flows):
        return "the orders flow is off or its integration is not live"
    if not flows[0].tenant.flows_may_run:
        return "the company's plan does not allow runs now"
    return ""


def accept(endpoint: WebhookEndpoint, event: OrderEvent, *, remote_addr: str | None) -> Received:
    flows = orders_flows(endpoint)
    reason = why_ignored(flows) if flows else "no orders flow uses this connection"
    status = DeliveryStatus.IGNORED if reason else DeliveryStatus.ACCEPTED
    waiting = waiting_run(flows) if not reason else None
    if reason or waiting is not None:
        # Nothing to start (a burst joins the run that waits already): one INSERT, no
        # transaction; the unique event id still turns a repeat into a duplicate.
        delivery = record_delivery(
            endpoint,
            event=event,
            status=status,
            reason=reason,
            remote_addr=remote_addr,
            run=waiting,
        )
    else:
        with transaction.atomic():
            delivery = record_delivery(
                endpoint, event=event, status=status, reason=reason, remote_addr=remote_addr
            )
            if delivery is not None:
                delivery.run = start_runs(flows, event)
                delivery.save(update_fields=["run"])
    if delivery is None:
        return Received("duplicate", 200, reason="this event was received before")
    return Received(str(status), 202 if not reason else 200, delivery, reason=reason)


def record_delivery(
    endpoint: WebhookEndpoint,
    *,
    event: OrderEvent,
    status: str,
    reason: str,
    remote_addr: str | None,
    run: FlowRun | None = None,
) -> WebhookDelivery | None:
    """Store the delivery; None when its event id was received before."""
    # Inside a transaction the INSERT needs a savepoint to fail alone; in autocommit it is
    # one statement (BEGIN and COMMIT would double the round trips of the common case).
    guard = transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()
    try:
        with guard:
            return WebhookDelivery.objects.create(
                tenant_id=endpoint.tenant_id,
                endpoint=endpoint,
                status=status,
                event_id=event.id,
                event_type=event.type,
                order_id=str(event.order_id),
                reason=reason,
                remote_addr=remote_addr,
                run=run,
            )
    except IntegrityError:
        return None


def waiting_run(flows: list[Flow]) -> FlowRun | None:
    """The run of the first enabled flow when every enabled flow has one waiting to start,
    else None (one is to be started)."""
    runnable = [flow for flow in flows if flow.enabled and flow.integration.live]
    waiting = {
        run.flow_id: run
        for run in FlowRun.objects.filter(
            flow__in=runnable, trigger=Trigger.WEBHOOK, status=RunStatus.QUEUED
        ).order_by("-id")
    }
    if not runnable or any(flow.pk not in waiting for flow in runnable):
        return None
    return waiting[runnable[0].pk]


def start_runs(flows: list[Flow], event: OrderEvent) -> FlowRun | None:
    """Queue an orders run per enabled flow, unless one is already waiting to start.

    The orders flow reads every order changed since its cursor, whatever the event named;
    so a run still queued will see this order too, and a burst of events costs one run.
    """
    from flows.services import flow_run_start

    first = None
    for flow in flows:
        if not (flow.enabled and flow.integration.live):
            continue
        waiting = FlowRun.objects.filter(
            flow=flow, trigger=Trigger.WEBHOOK, status=RunStatus.QUEUED
        ).first()
        run = waiting or flow_run_start(
            flow=flow,
            trigger=Trigger.WEBHOOK,
            params=RunParams(order_id=event.order_id, event_id=event.id),
        )
        first = first or run
    return first


def webhook_delivery_purge(*, older_than: datetime, batch: int = 1000) -> int:
    """Delete up to `batch` webhook deliveries received before `older_than`; return how many.

    For the log retention purge: call it again while it returns `batch`. An event id is
    deduplicated only while its delivery is kept, which is far longer than a shop retries.
    """
    ids = list(
        WebhookDelivery.objects.filter(received_at__lt=older_than)
        .order_by("id")
        .values_list("id", flat=True)[:batch]
    )
    deleted, _ = WebhookDelivery.objects.filter(id__in=ids).delete()
    return deleted
