"""Every page of a live company in a real browser: no serious accessibility violation (axe-core,
vendored in static/vendor/axe/, no CDN), tables that keep their column names on a phone, and
the screenshots of the user guide (docs/guide/img/), in English and Dutch.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from dashboard.services import wizard_state_for
from flows.models import FlowRun, RecordLog
from tests.e2e.conftest import ARTIFACTS
from tests.flows.conftest import Synced

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(django_settings.BASE_DIR) / "static" / "vendor" / "axe" / "axe.min.js"
GUIDE_IMAGES = Path(django_settings.BASE_DIR) / "docs" / "guide" / "img"
# The guide is written in English and Dutch; Danish pages are checked all the same.
GUIDE_LANGUAGES = ("en", "nl")
PASSWORD = "a long enough secret 99"
# Violations a person would meet: a screen reader user, a keyboard user, someone who zooms.
BLOCKING = {"serious", "critical"}
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
  }));
}"""


@pytest.fixture
def company(live_company: Synced) -> Synced:
    live_company.run("products")
    dry_runs = [
        live_company.run(kind, trigger="dry_run").pk for kind in ["customers", "review_invitations"]
    ]
    # The wizard's dry-run step shows these (review invitations without a unit: a concern).
    state = wizard_state_for(tenant=live_company.tenant)
    state.dry_run_ids = dry_runs
    state.save(update_fields=["dry_run_ids"])
    return live_company


def pages_of(company: Synced) -> list[tuple[str, str]]:
    products = company.flow("products")
    run = FlowRun.objects.filter(flow=products).order_by("id").first()
    record = RecordLog.objects.filter(run=run).order_by("id").first()
    assert run is not None
    assert record is not None
    return [
        ("overview", reverse("dashboard:home")),
        ("flows", reverse("dashboard:flows")),
        ("flow", reverse("dashboard:flow_detail", args=[products.pk])),
        ("flow-settings", reverse("dashboard:flow_settings", args=[products.pk])),
        ("mapping", reverse("dashboard:mapping", args=[products.pk])),
        ("mapping-versions", reverse("dashboard:mapping_versions", args=[products.pk])),
        ("run", reverse("dashboard:run_detail", args=[run.pk])),
        ("record", reverse("dashboard:record_detail", args=[record.pk])),
        ("activity", reverse("dashboard:activity")),
        ("insights", reverse("dashboard:insights")),
        ("settings", reverse("dashboard:settings")),
        ("connection", reverse("dashboard:connection_detail", args=[company.integration.shop.pk])),
        ("wizard-dry-run", reverse("dashboard:wizard_step", args=["dry_run"])),
        ("wizard-live", reverse("dashboard:wizard_step", args=["live"])),
        ("guide", reverse("dashboard:help")),
    ]


def open_browser(chromium: Any, base_url: str, *, language: str, width: int = 1280) -> Any:
    # The page's policy allows scripts from this site only; axe is put in by the test.
    context = chromium.new_context(
        viewport={"width": width, "height": 900}, locale=language, bypass_csp=True
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(base_url + "/accounts/login/")
    page.locator("input[name=username]").fill("eva@fietsen-jansen.nl")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return context, page, errors


def blocking_violations(page: Any) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    return [v for v in page.evaluate(RUN_AXE) if v["impact"] in BLOCKING]


@pytest.mark.parametrize("language", ["en", "nl", "da"])
def test_every_page_passes_axe_and_feeds_the_guide(chromium, live_server, company, language):
    company.owner.language = language
    company.owner.save(update_fields=["language"])
    context, page, errors = open_browser(chromium, live_server.url, language=language)
    folder = GUIDE_IMAGES / language
    if language in GUIDE_LANGUAGES:
        folder.mkdir(parents=True, exist_ok=True)
    found = {}
    try:
        for name, path in pages_of(company):
            page.goto(live_server.url + path)
            page.wait_for_load_state("networkidle")
            if name != "guide" and language in GUIDE_LANGUAGES:  # the guide shows the others
                page.screenshot(path=str(folder / f"{name}.png"), full_page=False)
            violations = blocking_violations(page)
            if violations:
                found[name] = violations
    finally:
        context.close()
    assert not found, found
    assert not errors, errors


def test_tables_keep_their_column_names_on_a_phone(chromium, live_server, company):
    context, page, errors = open_browser(chromium, live_server.url, language="en", width=390)
    try:
        page.goto(live_server.url + reverse("dashboard:activity"))
        cell = page.locator("table.stack-table tbody tr td").nth(2)
        assert cell.get_attribute("data-label") == "Outcome"
        label = cell.evaluate("td => getComputedStyle(td, '::before').content")
        assert "Outcome" in label
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "activity-390px.png"), full_page=True)
    finally:
        context.close()
    assert not errors, errors


def test_the_vendored_axe_is_there_and_no_cdn_is_named():
    assert AXE.stat().st_size > 100_000
    base = Path(django_settings.BASE_DIR) / "templates" / "base.html"
    assert "cdn" not in base.read_text().lower()
    assert os.path.basename(AXE) == "axe.min.js"


def test_a_slow_step_says_what_it_is_doing(chromium, live_server, settings):
    """'Use the sandbox' takes seconds: once the form is sent, the page says what it does."""
    from playwright.sync_api import expect

    from tenants.services import signup

    settings.SITE_URL = live_server.url
    signup(email="eva@fietsen-jansen.nl", password=PASSWORD, company_name="Fietsen Jansen")
    context, page, errors = open_browser(chromium, live_server.url, language="en")
    try:
        page.goto(live_server.url + reverse("dashboard:wizard_step", args=["apps"]))
        # Keep the page where it is after the form is sent (the page's own listener has run
        # by then), so that what it shows while it waits can be read at leisure.
        page.evaluate("() => document.addEventListener('submit', e => e.preventDefault())")
        page.get_by_test_id("use-sandbox").click()
        busy = page.get_by_test_id("busy")
        expect(busy).to_contain_text("Creating your sandbox administration")
        expect(busy.locator(".spinner")).to_be_visible()
        expect(page.get_by_test_id("use-sandbox")).to_be_disabled()
    finally:
        context.close()
    assert not errors, errors


def test_the_order_settings_map_shop_values_with_selects_in_a_browser(
    chromium, live_server, company
):
    """The mapping tables of the orders flow, used as a person would (no test ids needed:
    every select is named by its row), pass axe, and save what was chosen."""
    from connectors.asperion.sandbox import models as asperion_db
    from connectors.services import connection_test

    for connection in (company.integration.accounting, company.integration.shop):
        assert connection_test(connection=connection) is None
    orders = company.flow("orders")
    thirty = asperion_db.PaymentCondition.objects.get(
        administration=company.administration, days=30
    ).pk
    context, page, errors = open_browser(chromium, live_server.url, language="en", width=390)
    try:
        page.goto(live_server.url + reverse("dashboard:flow_settings", args=[orders.pk]))
        page.get_by_label("Asperion payment method: iDEAL").select_option("BANK")
        terms = page.locator("#id_orders-payment_term_map")
        terms.get_by_label("New row: Payment term in the shop").fill("45")
        terms.get_by_label("Asperion payment condition: new row").select_option(str(thirty))
        cell = terms.locator("tbody td").nth(1)
        assert cell.get_attribute("data-label") == "Asperion payment condition"
        violations = blocking_violations(page)
        page.get_by_role("button", name="Save").click()
        page.wait_for_load_state("networkidle")
    finally:
        context.close()
    assert not violations, violations
    assert not errors, errors
    orders.refresh_from_db()
    assert orders.settings["payment_method_map"]["ideal"] == "BANK"
    assert orders.settings["payment_term_map"] == {"45": thirty}
