"""The whole journey of a new user in a real browser, against the platform's own sandboxes.

Sign up → wizard with the sandbox (test both applications) → choose flows → settings →
mapping preview → dry run → go live → run the products flow → the products are in the
Feeddex sandbox and in the activity log → a record's page → a mapping change changes the
preview → Dutch. Screenshots of every step go to test-artifacts/test_journey/.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from conftest import PASSWORD
from dashboard.tests.sandboxes import unthrottled_connections, unthrottled_sandboxes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def eager_runs(settings, live_server):
    """Runs execute inside the request that starts them (the worker tests cover a real worker);
    the sandboxes are this live server."""
    from apicenter.celery import app

    # Read before touching the settings, or a not-yet-read configuration comes from them.
    previous = app.conf.task_always_eager
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.SITE_URL = live_server.url
    settings.SANDBOX_ENABLED = True
    app.conf.task_always_eager = True
    unthrottled_sandboxes()
    yield
    app.conf.task_always_eager = previous


def sign_up(journey) -> None:
    page = journey.page
    journey.go("/accounts/signup/")
    page.get_by_label("Company name").fill("Fietsen Jansen BV")
    page.get_by_label("Email").fill("eva@fietsen-jansen.nl")
    page.get_by_label("Password").fill(PASSWORD)
    journey.shot("signup")
    page.get_by_role("button", name="Create account").click()
    # Nothing exists until the address is confirmed: the link comes by mail.
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    link = next(word for word in mail.outbox[-1].body.split() if "/signup/confirm/" in word)
    journey.go("/" + link.split("://", 1)[1].split("/", 1)[1])
    page.get_by_role("button", name="Create account").click()
    # Confirming leads straight into the setup wizard.
    expect(page.get_by_role("heading", name="Set up your integration")).to_be_visible()
    journey.shot("wizard-after-signup")


def connect_the_sandboxes(journey) -> None:
    page = journey.page
    journey.shot("wizard-applications")
    page.get_by_test_id("use-sandbox").click()
    expect(page.get_by_text("Both applications are connected to the sandboxes.")).to_be_visible()
    unthrottled_connections()
    for system in ("asperion", "feeddex"):
        page.get_by_test_id(f"test-{system}").click()
        expect(page.get_by_test_id(f"test-result-{system}")).to_contain_text("works")
    journey.shot("wizard-applications-tested")
    page.get_by_test_id("next").click()


def choose_flows_and_settings(journey) -> None:
    page = journey.page
    expect(page.get_by_role("heading", name="Which flows should run?")).to_be_visible()
    page.get_by_label(re.compile("Products")).check()
    journey.shot("wizard-flows")
    page.get_by_test_id("next").click()
    expect(page.get_by_label("Update existing products")).to_be_visible()
    journey.shot("wizard-settings")
    page.get_by_test_id("next").click()


def review_mapping_and_dry_run(journey) -> None:
    page = journey.page
    expect(page.get_by_test_id("preview-payload").first).to_contain_text("sku")
    journey.shot("wizard-mapping-preview")
    page.get_by_test_id("next").click()
    page.get_by_test_id("start-dry-run").click()
    outcome = page.get_by_test_id("dry-run-products")
    expect(outcome).to_contain_text("succeeded", timeout=60_000)
    expect(outcome.locator("tbody tr").first).to_be_visible()
    journey.shot("wizard-dry-run")
    page.get_by_test_id("next").click()


def go_live_and_run(journey) -> None:
    page = journey.page
    page.get_by_test_id("go-live").click()
    expect(page.get_by_text("You are live")).to_be_visible()
    journey.shot("flows-live")
    page.get_by_test_id("run-products").click()
    expect(page.get_by_role("heading", name=re.compile("Run #"))).to_be_visible()
    expect(page.locator("#run-body .badge").first).to_have_text("succeeded", timeout=60_000)
    journey.shot("run-done")


def test_a_new_user_goes_live_with_the_sandboxes(journey, eager_runs):
    sign_up(journey)
    connect_the_sandboxes(journey)
    choose_flows_and_settings(journey)
    review_mapping_and_dry_run(journey)
    go_live_and_run(journey)
    page = journey.page

    from connectors.feeddex.sandbox.models import Product as FeeddexProduct
    from flows.models import RecordLog

    created = RecordLog.objects.filter(flow__kind="products", action="created").exclude(
        run__trigger="dry_run"
    )
    assert created.exists()
    skus = set(created.values_list("key", flat=True))
    assert skus <= set(FeeddexProduct.objects.values_list("sku", flat=True))

    page.get_by_role("link", name="Activity").click()
    first = sorted(skus)[0]
    page.get_by_label("Search").fill(first)
    page.get_by_label("Search").press("Enter")
    expect(page).to_have_url(re.compile(f"q={first}"))
    expect(page.locator("#activity-table tbody tr").first).to_contain_text(first)
    journey.shot("activity")
    page.locator("#activity-table tbody tr").first.get_by_role("link").first.click()
    expect(page.get_by_test_id("payload")).to_contain_text(first)
    journey.shot("record")

    change_a_mapping(journey)
    switch_to_dutch(journey)
    assert journey.errors == []


def change_a_mapping(journey) -> None:
    page = journey.page
    page.get_by_role("link", name="Flows").click()
    page.get_by_test_id("flow-products").get_by_role("link", name="Mapping").click()
    payload = page.get_by_test_id("preview-payload").first
    expect(payload).to_contain_text('"name"')
    journey.shot("mapping-editor")
    page.get_by_test_id("steps-name").fill("upper")
    # The preview follows the form: every letter of the product name is now upper case.
    expect(payload).to_have_text(re.compile(r'"name": "[^a-z"]+"'))
    journey.shot("mapping-preview-changed")
    page.get_by_test_id("save-mapping").click()
    expect(page.get_by_text("Version 2 saved.")).to_be_visible()
    page.get_by_role("link", name="Versions and rollback").click()
    page.get_by_role("link", name="Compare with current").click()
    expect(page.get_by_test_id("diff")).to_contain_text("upper")
    journey.shot("mapping-versions")


def switch_to_dutch(journey) -> None:
    page = journey.page
    page.get_by_test_id("language").select_option("nl")
    expect(page.get_by_role("link", name="Activiteit")).to_be_visible()
    page.get_by_role("link", name="Activiteit").click()
    expect(page.get_by_role("heading", name="Activiteit")).to_be_visible()
    journey.shot("activity-in-dutch")
    page.get_by_role("link", name="Overzicht").click()
    expect(page.get_by_text("records vandaag")).to_be_visible()
    journey.shot("home-in-dutch")
