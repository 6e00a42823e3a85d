"""Subscribing a shop connection's webhook endpoint at the shop, and unsubscribing it.

`webhook_register(flow=)` when the orders flow is switched on, `webhook_unregister(flow=)`
when it is switched off; `webhook_sync(flow=)` does whichever the flow's state asks for, and
`flows.tasks.webhook_sync_task` runs it outside the request. All three are idempotent.

The signing secret is made here, stored encrypted in the connection's secrets
(`webhook_secret`) before the shop learns it, so the first delivery already verifies; the
subscription id lives on the WebhookEndpoint row.
"""

from __future__ import annotations

import logging
import secrets

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from connectors.base import ShopConnector
from connectors.models import Connection
from connectors.services import connection_update_secrets
from flows.models import Flow, WebhookEndpoint
from flows.webhook_ingest import SECRET_KEY

logger = logging.getLogger(__name__)

EVENTS = ["order.created", "order.updated", "order.paid"]
# Marks an endpoint whose subscription is being made (the claim of a conditional UPDATE).
CLAIMED = "subscribing"
NOT_ORDERS = "only the orders flow receives webhooks"


def receives_webhooks(flow: Flow) -> bool:
    return flow.definition.receives_webhooks


def webhook_url(endpoint: WebhookEndpoint) -> str:
    path = reverse("api:shop_webhook", args=[endpoint.token])
    return f"{str(settings.SITE_URL).rstrip('/')}{path}"


def endpoint_for(connection: Connection) -> WebhookEndpoint:
    endpoint, _created = WebhookEndpoint.objects.get_or_create(
        connection=connection,
        defaults={"tenant_id": connection.tenant_id, "token": secrets.token_urlsafe(32)},
    )
    return endpoint


def shop_connector(connection: Connection) -> ShopConnector:
    from connectors.registry import connector_class

    connector = connector_class(connection.system)(connection)
    if not isinstance(connector, ShopConnector):
        raise ValueError(f"{connection.system} sends no webhooks")
    return connector


def webhook_register(*, flow: Flow) -> WebhookEndpoint:
    """Subscribe the flow's shop connection to order events (once; again is a no-op)."""
    if not receives_webhooks(flow):
        raise ValueError(NOT_ORDERS)
    connection = flow.integration.shop
    endpoint = endpoint_for(connection)
    # Claim: of two registrations at once, only one subscribes.
    claimed = WebhookEndpoint.objects.filter(pk=endpoint.pk, subscription_id="").update(
        subscription_id=CLAIMED
    )
    if not claimed:
        endpoint.refresh_from_db()
        return endpoint
    try:
        subscription_id = subscribe(endpoint, connection)
    except BaseException:
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(subscription_id="")
        raise
    endpoint.subscription_id, endpoint.registered_at = subscription_id, timezone.now()
    endpoint.save(update_fields=["subscription_id", "registered_at"])
    poll_once(flow=flow)
    return endpoint


def poll_once(*, flow: Flow) -> None:
    """Read the shop's orders once now that the webhook is subscribed: an order placed
    between switching the flow on and the subscription sent no event, and would wait for
    the next scheduled run. A run still queued reads after the subscription: that one will
    do; a running one may have read past the order already."""
    from flows.models import FlowRun, RunStatus, Trigger
    from flows.services import flow_run_start

    if not flow.enabled or not flow.tenant.flows_may_run or not flow.integration.live:
        return  # not live yet (still in the wizard): going live makes the flow due anyway
    queued = FlowRun.objects.filter(flow=flow, status=RunStatus.QUEUED, params={})
    if not queued.exists():
        flow_run_start(flow=flow, trigger=Trigger.SCHEDULE)


def subscribe(endpoint: WebhookEndpoint, connection: Connection) -> str:
    secret = secrets.token_urlsafe(32)
    connection_update_secrets(connection=connection, changes={SECRET_KEY: secret})
    connector = shop_connector(connection)
    try:
        subscription = connector.webhook_subscribe(
            url=webhook_url(endpoint), events=EVENTS, secret=secret
        )
    finally:
        connector.close()
    logger.info("subscribed webhook endpoint %s of connection %s", endpoint.pk, connection.pk)
    return str(subscription)


def webhook_unregister(*, flow: Flow) -> None:
    """Unsubscribe, unless another enabled orders flow still uses the same connection."""
    connection = flow.integration.shop
    endpoint = WebhookEndpoint.objects.filter(connection=connection).first()
    if endpoint is None or endpoint.subscription_id in ("", CLAIMED):
        return
    still_used = Flow.objects.filter(
        kind=flow.kind, enabled=True, integration__shop=connection
    ).exclude(pk=flow.pk)
    if still_used.exists():
        return
    connector = shop_connector(connection)
    try:
        connector.webhook_unsubscribe(endpoint.subscription_id)
    finally:
        connector.close()
    endpoint.subscription_id, endpoint.registered_at = "", None
    endpoint.save(update_fields=["subscription_id", "registered_at"])
    # Without a subscription no delivery is genuine: forget the secret.
    connection_update_secrets(connection=connection, changes={SECRET_KEY: ""})


def webhook_sync(*, flow: Flow) -> None:
    if not receives_webhooks(flow):
        return
    if flow.enabled:
        webhook_register(flow=flow)
    else:
        webhook_unregister(flow=flow)
