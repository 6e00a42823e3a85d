"""The whole journey of a new user in a real browser, in English, Dutch and Danish, against the
platform's own sandboxes.

Sign up (in the language picked on the sign-up page) → the mail → wizard with the sandbox
(test both applications) → choose flows → settings → mapping preview → dry run → go live →
run the products flow and watch its page follow it → the products are in the Feeddex sandbox
and in the activity log → a record's page → a mapping change changes the preview → save →
compare → roll back. Every page is read in the chosen language: a few words written out here
per page, no English phrase of the catalogue that has a translation, and no text the
catalogue lacks. Screenshots of every step go to test-artifacts/<test>/, and the steps the
page-by-page test cannot reach (sign-up and the wizard's first steps) to the user guide.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.urls import reverse
from django.utils.translation import trans_real
from playwright.sync_api import expect

from conftest import PASSWORD
from dashboard.tests.sandboxes import unthrottled_connections, unthrottled_sandboxes
from tests.e2e.conftest import Journey
from tests.e2e.test_pages import AXE, BLOCKING, RUN_AXE
from tests.test_every_page_translated import SAME_EVERYWHERE, missing_lookups  # noqa: F401
from tests.worker import purge_queues

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GUIDE_IMAGES = Path(django_settings.BASE_DIR) / "docs" / "guide" / "img"
GUIDE_LANGUAGES = ("en", "nl")

# What a reader of each language sees on each step, written out rather than looked up in the
# catalogue: a step left in English, or a catalogue entry translated into nonsense, fails.
WORDS: dict[str, dict[str, list[str]]] = {
    "signup": {
        "en": ["Company name", "Password", "Create account"],
        "nl": ["Bedrijfsnaam", "Wachtwoord", "Account aanmaken"],
        "da": ["Virksomhedens navn", "Adgangskode", "Opret konto"],
    },
    "mail-sent": {
        "en": ["Check your email"],
        "nl": ["Kijk in je e-mail"],
        "da": ["Tjek din e-mail"],
    },
    "mail": {
        "en": ["Confirm your address"],
        "nl": ["Bevestig je adres"],
        "da": ["Bekræft din adresse"],
    },
    "wizard": {
        "en": ["Set up your integration"],
        "nl": ["Richt je koppeling in"],
        "da": ["Opsæt din integration"],
    },
    "sandboxes": {
        "en": ["Both applications are connected to the sandboxes."],
        "nl": ["Beide applicaties zijn gekoppeld aan de sandboxen."],
        "da": ["Begge applikationer er tilsluttet sandkasserne."],
    },
    "flows": {
        "en": ["Which flows should run?"],
        "nl": ["Welke flows moeten draaien?"],
        "da": ["Hvilke flows skal køre?"],
    },
    "settings": {
        "en": ["Update existing products"],
        "nl": ["Bestaande producten bijwerken"],
        "da": ["Opdatér eksisterende produkter"],
    },
    "succeeded": {"en": ["succeeded"], "nl": ["gelukt"], "da": ["lykkedes"]},
    "would create": {
        "en": ["would be created"],
        "nl": ["zouden worden aangemaakt"],
        "da": ["ville blive oprettet"],
    },
    "live": {
        "en": ["You are live"],
        "nl": ["Je bent live"],
        "da": ["Du er live"],
    },
    "queued": {"en": ["queued"], "nl": ["in de wachtrij"], "da": ["i kø"]},
    "activity": {
        "en": ["Activity", "Search"],
        "nl": ["Activiteit", "Zoeken"],
        "da": ["Aktivitet", "Søg"],
    },
    "mapping": {
        "en": ["Live preview", "Save as a new version"],
        "nl": ["Live voorbeeld"],
        "da": ["Live eksempel"],
    },
    "saved": {
        "en": ["Version 2 saved."],
        "nl": ["Versie 2 opgeslagen."],
        "da": ["Version 2 er gemt."],
    },
    "versions": {
        "en": ["Compare with current", "Roll back to v1"],
        "nl": ["Vergelijken met de huidige", "Terugzetten naar v1"],
        "da": ["Sammenlign med den aktuelle", "Rul tilbage til v1"],
    },
    "rolled back": {
        "en": ["Version 1 is current again (as version 3)."],
        "nl": ["Versie 1 is weer de huidige (als versie 3)."],
        "da": ["Version 1 er aktuel igen (som version 3)."],
    },
    "home": {"en": ["records today"], "nl": ["records vandaag"], "da": ["poster i dag"]},
}


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
    # Every language signs up from this machine's address, run after run.
    settings.SIGNUP_THROTTLE_ATTEMPTS = 1000
    app.conf.task_always_eager = True
    unthrottled_sandboxes()
    yield
    app.conf.task_always_eager = previous


def english_phrases(language: str) -> set[str]:
    """The catalogue's English phrases whose translation differs: none may be left on a page.
    Short words (also names, "Run") and texts with placeholders are left to the word lists."""
    if language == "en":
        return set()
    catalog = trans_real.translation(language)._catalog  # type: ignore[attr-defined]
    return {
        key
        for key, value in catalog.items()
        if isinstance(key, str)
        and isinstance(value, str)
        and value != key
        and " " in key
        and len(key) >= 14
        and not re.search(r"[%{\x04]", key)
    }


class Reader:
    """The journey as read by someone in one language."""

    def __init__(self, journey: Journey, language: str) -> None:
        self.journey = journey
        self.page = journey.page
        self.language = language
        self.english = english_phrases(language)

    def sees(self, step: str) -> None:
        for word in WORDS[step][self.language]:
            expect(self.page.locator("main, body").first).to_contain_text(word)
        self.no_english()

    def no_english(self) -> None:
        text = self.page.locator("body").inner_text()
        left = sorted(phrase for phrase in self.english if phrase in text)
        assert not left, (self.page.url, left)

    def accessible(self) -> None:
        """No serious accessibility violation on this page (axe-core, as in test_pages.py);
        evaluated rather than added as a script tag, which the page's policy would refuse."""
        self.page.evaluate(AXE.read_text() + "\n;window.axe = axe;")
        found = [v for v in self.page.evaluate(RUN_AXE) if v["impact"] in BLOCKING]
        assert not found, (self.page.url, found)

    def shot(self, name: str, *, guide: bool = False) -> None:
        self.journey.shot(name)
        if guide and self.language in GUIDE_LANGUAGES:
            folder = GUIDE_IMAGES / self.language
            folder.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(folder / f"{name}.png"), full_page=False)


def sign_up(reader: Reader) -> None:
    page = reader.page
    reader.journey.go("/accounts/signup/")
    if reader.language != "en":
        # The browser asks for English: the visitor picks their language as anyone would.
        page.get_by_test_id("language").select_option(reader.language)
        expect(page.locator("html")).to_have_attribute("lang", reader.language)
    reader.sees("signup")
    page.locator("input[name=company_name]").fill("Fietsen Jansen BV")
    page.locator("input[name=email]").fill("eva@fietsen-jansen.nl")
    page.locator("input[name=password]").fill(PASSWORD)
    reader.accessible()
    reader.shot("signup", guide=True)
    page.locator("main form button[type=submit]").click()
    # Nothing exists until the address is confirmed: the link comes by mail, in her language.
    reader.sees("mail-sent")
    message = mail.outbox[-1]
    for word in WORDS["mail"][reader.language]:
        assert word in message.body, message.body
    link = next(word for word in message.body.split() if "/signup/confirm/" in word)
    reader.journey.go("/" + link.split("://", 1)[1].split("/", 1)[1])
    page.locator("main form button[type=submit]").click()
    # Confirming leads straight into the setup wizard, still in her language.
    expect(page.locator("html")).to_have_attribute("lang", reader.language)
    reader.sees("wizard")
    reader.shot("wizard-after-signup")


def connect_the_sandboxes(reader: Reader) -> None:
    page = reader.page
    page.get_by_test_id("use-sandbox").click()
    reader.sees("sandboxes")
    unthrottled_connections()
    for system in ("asperion", "feeddex"):
        page.get_by_test_id(f"test-{system}").click()
        expect(page.get_by_test_id(f"test-result-{system}")).to_contain_text("✓")
    reader.no_english()
    reader.accessible()
    reader.shot("wizard-applications", guide=True)
    page.get_by_test_id("next").click()


def choose_flows_and_settings(reader: Reader) -> None:
    page = reader.page
    reader.sees("flows")
    page.locator("input[name=flows][value=products]").check()
    reader.accessible()
    reader.shot("wizard-flows", guide=True)
    page.get_by_test_id("next").click()
    reader.sees("settings")
    reader.accessible()
    reader.shot("wizard-settings", guide=True)
    page.get_by_test_id("next").click()


def review_mapping_and_dry_run(reader: Reader) -> None:
    page = reader.page
    expect(page.get_by_test_id("preview-payload").first).to_contain_text("sku")
    reader.no_english()
    reader.shot("wizard-mapping", guide=True)
    page.get_by_test_id("next").click()
    page.get_by_test_id("start-dry-run").click()
    outcome = page.get_by_test_id("dry-run-products")
    expect(outcome).to_contain_text(WORDS["succeeded"][reader.language][0], timeout=60_000)
    expect(outcome.locator("tbody tr").first).to_be_visible()
    reader.sees("would create")
    reader.shot("wizard-dry-run")
    page.get_by_test_id("next").click()


def go_live_and_watch_the_first_run(reader: Reader, settings: Any) -> None:
    """The first run is queued for a worker; the run's page shows it waiting, and then, without
    being reloaded, what the run did once it was executed."""
    from apicenter.celery import app
    from flows.models import FlowRun
    from flows.services import run_execute

    page = reader.page
    page.get_by_test_id("go-live").click()
    reader.sees("live")
    reader.shot("flows-live")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    try:
        page.get_by_test_id("run-products").click()
        expect(page.locator("#run-body .badge").first).to_have_text(
            WORDS["queued"][reader.language][0]
        )
        reader.no_english()
        reader.shot("run-queued")
        run = FlowRun.objects.filter(flow__kind="products").exclude(trigger="dry_run").get()
        # The worker's part, done here: the page is not touched, it follows by itself.
        for _slice in range(20):
            run_execute(run.pk)
            run.refresh_from_db()
            if run.finished_at:
                break
        assert run.finished_at, run.status
    finally:
        app.conf.task_always_eager = True
        settings.CELERY_TASK_ALWAYS_EAGER = True
        purge_queues()  # the queued message of the run executed above
    badge = page.locator("#run-body .badge").first
    expect(badge).to_have_text(WORDS["succeeded"][reader.language][0], timeout=60_000)
    expect(page.get_by_test_id("run-counts").locator('[data-count="created"]')).not_to_have_text(
        re.compile(r"^0 ")
    )
    reader.no_english()
    reader.shot("run-done")


def read_the_activity_and_a_record(reader: Reader) -> None:
    from connectors.feeddex.sandbox.models import Product as FeeddexProduct
    from flows.models import RecordLog

    page = reader.page
    created = RecordLog.objects.filter(flow__kind="products", action="created").exclude(
        run__trigger="dry_run"
    )
    assert created.exists()
    skus = set(created.values_list("key", flat=True))
    assert skus <= set(FeeddexProduct.objects.values_list("sku", flat=True))

    page.locator(f"nav.mainnav a[href='{reverse('dashboard:activity')}']").click()
    first = sorted(skus)[0]
    search = page.locator("input[name=q]")
    search.fill(first)
    search.press("Enter")
    expect(page).to_have_url(re.compile(f"q={first}"))
    expect(page.locator("#activity-table tbody tr").first).to_contain_text(first)
    reader.sees("activity")
    reader.shot("activity")
    page.locator("#activity-table tbody tr").first.get_by_role("link").first.click()
    expect(page.get_by_test_id("payload")).to_contain_text(first)
    expect(page.get_by_test_id("record-title")).to_contain_text(first)
    reader.no_english()
    reader.shot("record")


def change_a_mapping_and_roll_back(reader: Reader) -> None:
    page = reader.page
    page.locator(f"nav.mainnav a[href='{reverse('dashboard:flows')}']").click()
    page.get_by_test_id("flow-products").locator("a[href*='/mapping/']").first.click()
    payload = page.get_by_test_id("preview-payload").first
    expect(payload).to_contain_text('"name"')
    reader.sees("mapping")
    reader.shot("mapping-editor")
    # The function chain: pick a function from the catalogue, its words in the reader's language.
    first = page.get_by_test_id("fn-name-0")
    before = first.input_value()
    expect(page.get_by_test_id("fn-name-1")).to_have_count(0)
    page.get_by_test_id("add-fn-name").select_option("upper")
    # The preview follows the form: every letter of the product name is now upper case.
    expect(payload).to_have_text(re.compile(r'"name": "[^a-z"]+"'))
    page.get_by_test_id("add-step-name").click()
    expect(page.get_by_test_id("fn-name-1")).to_have_value("upper")
    reader.accessible()  # the function chain's rows
    reader.shot("mapping-preview-changed")
    page.get_by_test_id("save-mapping").click()
    reader.sees("saved")
    page.locator("a[href*='/versions/']").first.click()
    page.locator("a[href*='compare=1']").click()
    expect(page.get_by_test_id("diff")).to_contain_text("upper")
    reader.sees("versions")
    reader.shot("mapping-versions")
    page.get_by_test_id("rollback-1").click()
    # Version 1 is current again, as a new version 3; the editor and its preview say so.
    reader.sees("rolled back")
    reader.shot("mapping-rolled-back")
    page.locator("main a[href*='/mapping/']").first.click()
    expect(page.get_by_test_id("fn-name-0")).to_have_value(before)
    expect(page.get_by_test_id("fn-name-1")).to_have_count(0)
    expect(payload).to_have_text(re.compile(r'"name": "[^"]*[a-z][^"]*"'))
    reader.no_english()


@pytest.mark.parametrize("language", ["en", "nl", "da"])
def test_a_new_user_goes_live_with_the_sandboxes(
    journey,
    eager_runs,
    settings,
    language,
    missing_lookups,  # noqa: F811 - the fixture
):
    reader = Reader(journey, language)
    sign_up(reader)
    connect_the_sandboxes(reader)
    choose_flows_and_settings(reader)
    review_mapping_and_dry_run(reader)
    go_live_and_watch_the_first_run(reader, settings)
    read_the_activity_and_a_record(reader)
    change_a_mapping_and_roll_back(reader)
    journey.page.locator(f"nav.mainnav a[href='{reverse('dashboard:home')}']").click()
    reader.sees("home")
    reader.shot("home")
    assert journey.errors == []
    lacking = sorted({m for m in missing_lookups if m.strip() not in SAME_EVERYWHERE})
    assert not lacking, lacking
