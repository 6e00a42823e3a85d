"""Registration at Feeddex (the sandbox, over real HTTP), then a real order's events reach the
receiver and queue one orders run; unregistering removes the subscription and the secret."""

from __future__ import annotations

import random
from typing import Any

import pytest

from api.tests.test_webhooks import memory_broker, queued_run_ids  # noqa: F401 - a fixture
from connectors.models import Connection
from connectors.services import connection_create
from flows.models import (
    DeliveryStatus,
    Flow,
    FlowRun,
    Integration,
    WebhookDelivery,
    WebhookEndpoint,
)
from flows.tasks import webhook_sync_task
from flows.webhook_registration import webhook_register, webhook_unregister, webhook_url

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sandbox_site(live_server, settings: Any) -> str:
    settings.ROOT_URLCONF = "apicenter.urls"  # the sandbox's URLs too
    settings.SITE_URL = live_server.url
    settings.FEEDDEX_SANDBOX_WEBHOOK_DELIVERY = "manual"  # deliveries go out when we say
    return str(live_server.url)


@pytest.fixture
def orders_flow(world, sandbox_site) -> tuple[Flow, Any]:
    from connectors.feeddex.sandbox import services as sandbox

    account = sandbox.account_create(organization="acme-webhooks")
    feeddex = connection_create(
        tenant=world.tenant,
        system="feeddex",
        name="Feeddex sandbox",
        config={
            "api_base_url": f"{sandbox_site}/sandbox/feeddex",
            "organization": account.organization,
        },
        secrets={"auth_code": account.auth_code, "password": account.password},
    )
    asperion = connection_create(
        tenant=world.tenant,
        system="asperion",
        name="Asperion",
        config={},
        secrets={"client_secret": "x" * 16},
    )
    integration = Integration.objects.create(
        tenant=world.tenant, accounting=asperion, shop=feeddex, live=True
    )
    flow = Flow.objects.create(
        tenant=world.tenant, integration=integration, kind="orders", enabled=True
    )
    return flow, account


def subscriptions(account: Any) -> list[Any]:
    from connectors.feeddex.sandbox.models import WebhookSubscription

    return list(WebhookSubscription.objects.filter(account=account))


def test_register_receive_and_unregister(orders_flow, memory_broker):  # noqa: F811
    from connectors.feeddex.sandbox import services as sandbox
    from connectors.feeddex.sandbox import shop
    from connectors.feeddex.sandbox import webhooks as sandbox_webhooks
    from connectors.feeddex.sandbox.models import WebhookDelivery as SandboxDelivery

    flow, account = orders_flow
    endpoint = webhook_register(flow=flow)
    (subscription,) = subscriptions(account)
    assert subscription.url == webhook_url(endpoint)
    # The URL names a random token, not the connection's id.
    assert subscription.url.endswith(f"/api/webhooks/feeddex/{endpoint.token}/")
    assert len(endpoint.token) >= 40
    assert sorted(subscription.events) == ["order.created", "order.paid", "order.updated"]
    secret = Connection.objects.get(pk=flow.integration.shop_id).secrets["webhook_secret"]
    assert secret == subscription.secret
    assert len(secret) >= 32
    assert endpoint.subscription_id == str(subscription.pk)
    webhook_register(flow=flow)  # again: nothing new
    assert len(subscriptions(account)) == 1

    order = shop.place_random_order(account=account, rng=random.Random(7), now=sandbox.now())
    sandbox_webhooks.deliver_due()
    sent = SandboxDelivery.objects.filter(account=account)
    assert sent.exists()
    assert set(sent.values_list("status", flat=True)) == {"delivered"}
    received = WebhookDelivery.objects.filter(endpoint=endpoint)
    assert set(received.values_list("status", flat=True)) == {DeliveryStatus.ACCEPTED}
    assert set(received.values_list("order_id", flat=True)) == {str(order.pk)}
    (run,) = FlowRun.objects.filter(flow=flow, trigger="webhook")
    assert run.params.order_id == order.pk
    # The subscription started one poll (orders placed before it sent no event), then the event.
    (poll,) = FlowRun.objects.filter(flow=flow, trigger="schedule")
    assert queued_run_ids(memory_broker) == [poll.pk, run.pk]

    flow.enabled = False
    flow.save()
    webhook_unregister(flow=flow)
    assert subscriptions(account) == []
    endpoint.refresh_from_db()
    assert endpoint.subscription_id == ""
    assert Connection.objects.get(pk=flow.integration.shop_id).secrets["webhook_secret"] == ""
    webhook_unregister(flow=flow)  # again: nothing to do


def test_the_sync_task_follows_the_flow_switch(orders_flow):
    flow, account = orders_flow
    webhook_sync_task.apply(args=(flow.pk,))
    assert len(subscriptions(account)) == 1
    Flow.objects.filter(pk=flow.pk).update(enabled=False)
    webhook_sync_task.apply(args=(flow.pk,))
    assert subscriptions(account) == []
    assert WebhookEndpoint.objects.get().subscription_id == ""


def test_only_the_orders_flow_registers(orders_flow, world):
    flow, _account = orders_flow
    products = Flow.objects.create(
        tenant=world.tenant, integration=flow.integration, kind="products", enabled=True
    )
    with pytest.raises(ValueError, match="orders"):
        webhook_register(flow=products)
    webhook_sync_task.apply(args=(products.pk,))  # not an orders flow: nothing happens
    assert not WebhookEndpoint.objects.exists()
