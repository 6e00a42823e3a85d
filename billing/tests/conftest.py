"""Billing against the Mollie sandbox over real HTTP: the live server serves the site and the
sandbox, the payments client talks to it, and the sandbox calls the site's webhook."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest
from django.core import mail

from billing import services
from billing.models import BillingAccount
from conftest import TenantWorld
from connectors.mollie.sandbox import services as sandbox
from connectors.mollie.sandbox.models import Account, Payment, Subscription
from connectors.mollie.sandbox.seed import ensure_demo_account
from tenants.models import Plan, Tenant, User


@pytest.fixture
def eager_celery(settings: Any) -> Iterator[None]:
    """Tasks (the emails) run in-process; the Celery app read its configuration once."""
    from apicenter.celery import app

    before = app.conf.task_always_eager, app.conf.task_eager_propagates
    settings.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


@dataclass
class Mollie:
    """The sandbox account and the site, as a test drives them."""

    url: str
    account: Account

    def pay(self, payment_id: str, outcome: str = "paid") -> Payment:
        """The customer's choice on the hosted page (its webhook is called on commit)."""
        payment = Payment.objects.get(public_id=payment_id)
        return sandbox.checkout_complete(payment=payment, outcome=outcome)

    def advance(self, days: int, *, outcome: str = "paid") -> list[Payment]:
        from datetime import timedelta

        self.account.refresh_from_db()
        self.account.recurring_outcome = outcome
        self.account.save(update_fields=["recurring_outcome"])
        return sandbox.clock_advance(account=self.account, by=timedelta(days=days)).charged

    def webhook(self, tenant: Tenant, payment_id: str) -> httpx.Response:
        token = BillingAccount.objects.get(tenant=tenant).webhook_token
        return httpx.post(f"{self.url}/billing/webhook/{token}/", data={"id": payment_id})

    def subscriptions(self) -> Any:
        return Subscription.objects.filter(customer__account=self.account)


@pytest.fixture
def mollie(live_server: Any, settings: Any, transactional_db: None, eager_celery: None) -> Mollie:
    settings.SITE_URL = live_server.url
    settings.MOLLIE_API_KEY = None
    settings.MOLLIE_API_URL = None
    settings.ROOT_URLCONF = "billing.tests.urls"
    mail.outbox.clear()
    default_plans()
    return Mollie(url=live_server.url, account=ensure_demo_account())


def default_plans() -> None:
    """The plans the data migration makes (a transactional test before this one flushed them)."""
    from django.apps import apps

    importlib.import_module("tenants.migrations.0003_default_plans").create_plans(apps, None)


def plan(slug: str) -> Plan:
    return Plan.objects.get(slug=slug)


def subscribe(mollie: Mollie, tenant: Tenant, owner: User, slug: str = "starter") -> Payment:
    """Checkout and pay: the company's subscription is active afterwards."""
    url = services.checkout_start(tenant=tenant, plan=plan(slug), user=owner)
    payment_id = url.rstrip("/").rsplit("/", 1)[1]
    return mollie.pay(payment_id)


def owner_mail(world: TenantWorld) -> list[Any]:
    return [m for m in mail.outbox if m.to == [world.owner.email]]


def incl_vat(amount: str) -> Decimal:
    return (Decimal(amount) * Decimal("1.21")).quantize(Decimal("0.01"))
