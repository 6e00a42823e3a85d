"""A subscription's life against the Mollie sandbox: checkout, webhooks (twice, or for
another company), renewals, a failed payment, paying it, switching, cancelling, the end."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from billing import services
from billing.models import BillingAccount, BillingEvent, EventKind, Invoice, SubscriptionStatus
from billing.tests.conftest import incl_vat, owner_mail, plan, subscribe
from connectors.mollie.sandbox.models import Payment
from flows.models import Flow
from tenants.models import PlanStatus, Tenant
from tenants.usage import usage_add
from tests.factories import make_bare_integration, make_flow

pytestmark = pytest.mark.django_db(transaction=True)


def refreshed(tenant: Tenant) -> Tenant:
    return Tenant.objects.get(pk=tenant.pk)


def events(tenant: Tenant, kind: str) -> int:
    return BillingEvent.objects.filter(tenant=tenant, kind=kind).count()


def test_checkout_activates_the_plan_and_its_flows_at_once(mollie, world):
    world.tenant.trial_ends_at = timezone.now() - timedelta(days=1)
    world.tenant.plan_status = PlanStatus.PAUSED
    world.tenant.save()
    flow = make_flow(make_bare_integration(world.tenant), "orders", interval=60)
    Flow.objects.filter(pk=flow.pk).update(enabled=True, next_run_at=timezone.now() + timedelta(1))
    assert not world.tenant.flows_may_run

    payment = subscribe(mollie, world.tenant, world.owner, "starter")

    tenant = refreshed(world.tenant)
    assert tenant.plan_status == PlanStatus.ACTIVE
    assert tenant.plan.slug == "starter"
    assert tenant.flows_may_run
    # Due now: the scheduler's next tick starts it, not the flow's next interval.
    assert Flow.objects.get(pk=flow.pk).next_run_at <= timezone.now()
    [subscription] = mollie.subscriptions()
    assert subscription.amount == incl_vat("29.00") == Decimal("35.09")
    assert subscription.interval == "1 month"
    assert subscription.mandate == Payment.objects.get(pk=payment.pk).mandate
    account = BillingAccount.objects.get(tenant=tenant)
    assert account.status == SubscriptionStatus.ACTIVE
    assert account.subscription_id == subscription.public_id
    assert subscription.start_date == timezone.localtime(account.period_ends_at).date()
    [invoice] = Invoice.objects.filter(tenant=tenant)
    assert (invoice.amount_excl_vat, invoice.vat, invoice.amount_incl_vat) == (
        Decimal("29.00"),
        Decimal("6.09"),
        Decimal("35.09"),
    )
    [email] = owner_mail(world)
    assert "Starter subscription is active" in email.subject


def test_the_same_payment_twice_changes_nothing(mollie, world):
    payment = subscribe(mollie, world.tenant, world.owner)
    again = mollie.webhook(world.tenant, payment.public_id)
    assert again.status_code == 200
    assert again.text == "duplicate"
    assert events(world.tenant, EventKind.ACTIVATED) == 1
    assert Invoice.objects.filter(tenant=world.tenant).count() == 1
    assert mollie.subscriptions().count() == 1
    assert len(owner_mail(world)) == 1


def test_a_webhook_naming_another_companys_payment_is_ignored(mollie, world):
    subscribe(mollie, world.tenant, world.owner, "starter")
    other = subscribe(mollie, world.other_tenant, world.outsider, "business")
    before = BillingEvent.objects.count()

    answer = mollie.webhook(world.tenant, other.public_id)

    assert answer.status_code == 200
    assert answer.text == "not this company's payment"
    assert BillingEvent.objects.count() == before
    assert refreshed(world.tenant).plan.slug == "starter"
    assert refreshed(world.other_tenant).plan.slug == "business"
    assert mollie.webhook(world.tenant, "tr_doesnotexist").text == "unknown payment"


def test_a_webhook_for_an_unknown_company_does_nothing(mollie, world):
    payment = subscribe(mollie, world.tenant, world.owner)
    import httpx

    answer = httpx.post(f"{mollie.url}/billing/webhook/nobody/", data={"id": payment.public_id})
    assert answer.text == "unknown account"
    assert httpx.post(f"{mollie.url}/billing/webhook/nobody/", data={}).status_code == 400


def test_a_failed_checkout_changes_no_plan(mollie, world):
    url = services.checkout_start(tenant=world.tenant, plan=plan("starter"), user=world.owner)
    mollie.pay(url.rstrip("/").rsplit("/", 1)[1], "failed")
    assert refreshed(world.tenant).plan_status == PlanStatus.TRIAL
    assert events(world.tenant, EventKind.CHECKOUT_FAILED) == 1
    assert not mollie.subscriptions().exists()


def test_a_month_later_the_subscription_renews(mollie, world):
    subscribe(mollie, world.tenant, world.owner)
    [renewal] = mollie.advance(32)
    assert renewal.status == "paid"
    assert events(world.tenant, EventKind.RENEWED) == 1
    assert Invoice.objects.filter(tenant=world.tenant).count() == 2
    assert refreshed(world.tenant).plan_status == PlanStatus.ACTIVE


def test_a_failed_payment_is_past_due_until_paid(mollie, world):
    subscribe(mollie, world.tenant, world.owner)
    [failed] = mollie.advance(32, outcome="failed")
    assert failed.status == "failed"

    tenant = refreshed(world.tenant)
    assert tenant.plan_status == PlanStatus.PAST_DUE
    assert tenant.flows_may_run  # the grace period
    grace = tenant.plan_ends_at - timezone.now()
    assert timedelta(days=6) < grace <= timedelta(days=7)
    assert "A payment failed" in owner_mail(world)[-1].subject

    url = services.pay_due_start(tenant=tenant, user=world.owner)
    paid = mollie.pay(url.rstrip("/").rsplit("/", 1)[1])

    tenant = refreshed(world.tenant)
    assert tenant.plan_status == PlanStatus.ACTIVE
    assert tenant.plan_ends_at is None
    account = BillingAccount.objects.get(tenant=tenant)
    assert account.status == SubscriptionStatus.ACTIVE
    # Later months are collected from the account the open amount was paid from.
    assert mollie.subscriptions().get().mandate == Payment.objects.get(pk=paid.pk).mandate
    assert "Payment received" in owner_mail(world)[-1].subject
    assert Invoice.objects.filter(tenant=tenant).count() == 2


def test_an_unpaid_grace_period_ends_the_subscription(mollie, world):
    subscribe(mollie, world.tenant, world.owner)
    mollie.advance(32, outcome="failed")
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert services.billing_lifecycle_run() == 1
        tenant = refreshed(world.tenant)
        assert tenant.plan_status == PlanStatus.PAUSED
        assert not tenant.flows_may_run
    assert mollie.subscriptions().get().status == "canceled"


def test_cancel_runs_to_the_end_of_the_period_then_pauses(mollie, world):
    subscribe(mollie, world.tenant, world.owner)
    account = BillingAccount.objects.get(tenant=world.tenant)

    ends = services.subscription_cancel(tenant=world.tenant)

    assert ends == account.period_ends_at
    assert mollie.subscriptions().get().status == "canceled"
    tenant = refreshed(world.tenant)
    assert tenant.flows_may_run
    assert "cancelled" in owner_mail(world)[-1].subject
    assert services.billing_lifecycle_run() == 0
    with time_machine.travel(ends + timedelta(minutes=1)):
        assert not refreshed(world.tenant).flows_may_run
        assert services.billing_lifecycle_run() == 1
        assert services.billing_lifecycle_run() == 0
    tenant = refreshed(world.tenant)
    assert tenant.plan_status == PlanStatus.PAUSED
    assert BillingAccount.objects.get(tenant=tenant).status == SubscriptionStatus.ENDED
    assert "has ended" in owner_mail(world)[-1].subject


def test_an_upgrade_applies_at_once_and_lets_waiting_records_through(mollie, world):
    subscribe(mollie, world.tenant, world.owner, "starter")
    usage_add(tenant_id=world.tenant.pk, records=5_000, api_calls=0)
    assert not refreshed(world.tenant).flows_may_run

    assert services.plan_switch(tenant=world.tenant, plan=plan("business")) == "upgraded"

    tenant = refreshed(world.tenant)
    assert tenant.plan.slug == "business"
    assert tenant.flows_may_run
    # Charged from the next period: the subscription's amount changes, nothing is paid now.
    assert mollie.subscriptions().get().amount == incl_vat("79.00")
    assert Payment.objects.filter(account=mollie.account).count() == 1


def test_a_downgrade_waits_for_the_next_period(mollie, world):
    subscribe(mollie, world.tenant, world.owner, "business")
    assert services.plan_switch(tenant=world.tenant, plan=plan("starter")) == "downgrade scheduled"
    assert refreshed(world.tenant).plan.slug == "business"
    assert mollie.subscriptions().get().amount == incl_vat("29.00")

    [renewal] = mollie.advance(32)

    assert renewal.amount == incl_vat("29.00")
    assert refreshed(world.tenant).plan.slug == "starter"
    assert BillingAccount.objects.get(tenant=world.tenant).next_plan is None


def test_the_owner_hears_at_80_and_at_100_percent_once(mollie, world):
    subscribe(mollie, world.tenant, world.owner, "starter")
    usage_add(tenant_id=world.tenant.pk, records=4_000, api_calls=0)
    assert services.billing_lifecycle_run() == 1
    assert services.billing_lifecycle_run() == 0
    assert "80 % of this month's records" in owner_mail(world)[-1].subject
    usage_add(tenant_id=world.tenant.pk, records=1_000, api_calls=0)
    assert services.billing_lifecycle_run() == 1
    assert "records limit is reached" in owner_mail(world)[-1].subject
    assert events(world.tenant, EventKind.USAGE_WARNING) == 1
