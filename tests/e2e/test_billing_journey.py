"""A company's billing in a real browser, against the Mollie sandbox on the live server.

Trial over → the dashboard opens on the plans page → checkout on the sandbox's hosted page →
plan active → flows run; a month later the payment fails → past due → email → the owner pays
on the hosted page → active; cancel → flows run to the end of the paid period, then pause.
Screenshots go to test-artifacts/test_a_company_subscribes_pays_and_cancels/.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from billing.models import BillingAccount, SubscriptionStatus
from billing.services import billing_lifecycle_run
from billing.tests.conftest import default_plans
from connectors.mollie.sandbox import services as mollie_sandbox
from connectors.mollie.sandbox.seed import ensure_demo_account
from dashboard.tests.sandboxes import unthrottled_sandboxes
from flows.models import FlowRun, RunStatus
from flows.services import flow_set_enabled, integration_go_live, schedule_due_flows
from monitoring.trial import trial_lifecycle_run
from tenants.models import PlanStatus, Tenant
from tests.flows.conftest import connected_company

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a long enough secret 99"


@pytest.fixture
def site(settings, live_server):
    """Tasks run in-process (emails, runs); the site, both sandboxes and Mollie's are this
    live server; no Mollie key, so the billing talks to the sandbox."""
    from apicenter.celery import app

    previous = app.conf.task_always_eager
    settings.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.task_always_eager = True
    settings.SITE_URL = live_server.url
    settings.ROOT_URLCONF = "billing.tests.urls"
    settings.MOLLIE_API_KEY = None
    settings.MOLLIE_API_URL = None
    settings.FEEDDEX_SANDBOX_WEBHOOK_DELIVERY = "manual"
    unthrottled_sandboxes()
    default_plans()
    yield
    app.conf.task_always_eager = previous


def company_whose_trial_ended():
    company = connected_company(email="eva@fietsen-jansen.nl", name="Fietsen Jansen BV")
    flow_set_enabled(flow=company.flow("products"), enabled=True)
    integration_go_live(integration=company.integration)
    Tenant.objects.filter(pk=company.tenant.pk).update(
        trial_ends_at=timezone.now() - timedelta(minutes=1)
    )
    trial_lifecycle_run()
    return company


def sign_in(journey, email: str) -> None:
    page = journey.page
    journey.go("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def pay_on_the_hosted_page(journey, name: str) -> None:
    page = journey.page
    expect(page.get_by_text("Mollie sandbox · test mode")).to_be_visible()
    journey.shot(f"{name}-hosted-checkout")
    page.get_by_test_id("pay-paid").click()
    expect(page.get_by_role("heading", name="Subscription and invoices")).to_be_visible()


def tenant_of(company) -> Tenant:
    return Tenant.objects.get(pk=company.tenant.pk)


def test_a_company_subscribes_pays_and_cancels(site, journey):
    company = company_whose_trial_ended()
    assert tenant_of(company).plan_status == PlanStatus.PAUSED
    page = journey.page

    # The trial is over: the dashboard opens on the plans page.
    sign_in(journey, "eva@fietsen-jansen.nl")
    expect(page.get_by_role("heading", name="Choose a plan")).to_be_visible()
    expect(page.get_by_test_id("plans-paused")).to_be_visible()
    journey.shot("plans-first")

    page.get_by_test_id("choose-starter").click()
    pay_on_the_hosted_page(journey, "subscribe")
    expect(page.get_by_test_id("subscription-status")).to_contain_text("Active: Starter")
    expect(page.get_by_test_id("invoice-row")).to_have_count(1)
    journey.shot("active")
    assert tenant_of(company).flows_may_run
    assert any("Starter subscription is active" in m.subject for m in mail.outbox)

    # Subscribing made the flows due at once: the scheduler's next tick runs them.
    assert schedule_due_flows() >= 1
    run = FlowRun.objects.filter(flow=company.flow("products")).latest("id")
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.created > 0

    # A month on, the direct debit fails: past due, an email, flows still running.
    mail.outbox.clear()
    account = ensure_demo_account()
    account.recurring_outcome = "failed"
    account.save(update_fields=["recurring_outcome"])
    mollie_sandbox.clock_advance(account=account, by=timedelta(days=32))
    journey.go("/billing/")
    expect(page.get_by_test_id("subscription-status")).to_contain_text("Payment failed")
    journey.shot("past-due")
    assert tenant_of(company).plan_status == PlanStatus.PAST_DUE
    assert tenant_of(company).flows_may_run
    [failed] = [m for m in mail.outbox if "A payment failed" in m.subject]
    assert failed.to == ["eva@fietsen-jansen.nl"]

    page.get_by_test_id("pay-due").click()
    pay_on_the_hosted_page(journey, "pay-due")
    expect(page.get_by_test_id("subscription-status")).to_contain_text("Active: Starter")
    expect(page.get_by_test_id("invoice-row")).to_have_count(2)
    assert tenant_of(company).plan_status == PlanStatus.ACTIVE

    # Cancel: the flows run to the end of the paid period, then pause.
    page.get_by_test_id("cancel-subscription").click()
    expect(page.get_by_test_id("subscription-status")).to_contain_text("Cancelled")
    journey.shot("cancelled")
    ends = tenant_of(company).plan_ends_at
    assert ends == BillingAccount.objects.get(tenant=company.tenant).period_ends_at
    assert tenant_of(company).flows_may_run
    with time_machine.travel(ends + timedelta(minutes=1)):
        assert not tenant_of(company).flows_may_run
        assert billing_lifecycle_run() == 1
    assert BillingAccount.objects.get(tenant=company.tenant).status == SubscriptionStatus.ENDED
    journey.go("/")
    expect(page.get_by_role("heading", name="Choose a plan")).to_be_visible()
    journey.shot("ended-plans-first")
    assert journey.errors == []
