"""Every page of a live company rendered in Dutch and Danish: any text the page looks up in the
catalogue (templates, labels, reasons, the function library, charts) must have a translation.

The test listens to the active catalogue while the pages render, so a string that is marked
for translation but missing from locale/ fails here with its page named, whatever its source.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.translation import trans_real

from flows.models import FlowRun, RecordLog
from mapping.models import MappingVersion
from tests.e2e.conftest import ARTIFACTS
from tests.flows.conftest import Synced

pytestmark = pytest.mark.django_db(transaction=True)

# Names that are the same in every language and are looked up only because a label filter
# asks for every value (the systems' own names).
SAME_EVERYWHERE = {"Asperion", "Feeddex", "Mollie", "English", "Nederlands", "Dansk", ""}


@pytest.fixture
def company(live_company: Synced) -> Synced:
    live_company.run("products")
    live_company.run("customers", trigger="dry_run")
    live_company.run("review_invitations")  # stops at our own check: no unit chosen
    return live_company


def pages_of(company: Synced) -> list[str]:
    products = company.flow("products")
    run = FlowRun.objects.filter(flow=products).order_by("id").first()
    records = RecordLog.objects.filter(tenant=company.tenant)
    assert MappingVersion.objects.filter(tenant=company.tenant).exists()
    assert run is not None
    invitations = company.flow("review_invitations")
    failed_run = FlowRun.objects.filter(flow=invitations).order_by("id").first()
    assert failed_run is not None
    pages = [
        reverse("dashboard:home"),
        reverse("dashboard:flows"),
        reverse("dashboard:flow_detail", args=[products.pk]),
        reverse("dashboard:flow_settings", args=[products.pk]),
        reverse("dashboard:flow_settings", args=[company.flow("orders").pk]),
        reverse("dashboard:mapping", args=[products.pk]),
        reverse("dashboard:mapping_versions", args=[products.pk]),
        reverse("dashboard:run_detail", args=[run.pk]),
        reverse("dashboard:run_detail", args=[failed_run.pk]),
        reverse("dashboard:activity"),
        reverse("dashboard:insights"),
        reverse("dashboard:settings"),
        reverse("dashboard:help"),
        reverse("dashboard:members"),
        reverse("dashboard:connection_detail", args=[company.integration.shop.pk]),
        reverse("dashboard:connection_detail", args=[company.integration.accounting.pk]),
    ]
    pages += [reverse("dashboard:wizard_step", args=[step]) for step in STEPS]
    skipped = records.filter(action="skipped").order_by("id").first()
    shown = [r for r in (records.first(), skipped) if r is not None]
    pages += [reverse("dashboard:record_detail", args=[r.pk]) for r in shown]
    return pages


STEPS = ["apps", "flows", "settings", "mapping", "dry_run", "live"]


@pytest.fixture
def missing_lookups() -> Iterator[list[str]]:
    """Every msgid the active language's catalogue lacks, while the pages render."""
    missing: list[str] = []
    cls: Any = trans_real.DjangoTranslation
    # A text translated already and looked up again (a label filter on a translated label).
    translated = {
        value
        for language in ("nl", "da")
        for _key, value in trans_real.translation(language)._catalog.items()  # type: ignore[attr-defined]
        if isinstance(value, str)
    }
    plain, plural = cls.gettext, cls.ngettext

    def gettext(self: Any, message: str) -> str:
        if self.language() != "en" and message not in self._catalog and message not in translated:
            missing.append(message)
        return str(plain(self, message))

    def ngettext(self: Any, singular: str, plural_text: str, n: int) -> str:
        if self.language() != "en" and (singular, 0) not in self._catalog:
            missing.append(singular)
        return str(plural(self, singular, plural_text, n))

    cls.gettext, cls.ngettext = gettext, ngettext
    try:
        yield missing
    finally:
        cls.gettext, cls.ngettext = plain, plural


@pytest.mark.parametrize("language", ["nl", "da"])
def test_every_page_is_fully_translated(company, language, missing_lookups):
    company.owner.language = language
    company.owner.save(update_fields=["language"])
    client = Client()
    client.force_login(company.owner)
    found: dict[str, list[str]] = {}
    for page in pages_of(company):
        missing_lookups.clear()
        response = client.get(page)
        assert response.status_code == 200, page
        folder = ARTIFACTS / "pages" / language
        folder.mkdir(parents=True, exist_ok=True)
        (folder / (page.strip("/").replace("/", "-") or "home")).with_suffix(".html").write_bytes(
            response.content
        )
        assert f'lang="{language}"' in response.content.decode()[:200]
        texts = sorted({m for m in missing_lookups if m.strip() not in SAME_EVERYWHERE})
        if texts:
            found[page] = texts
    if found:  # the whole list, for the one who adds the translations
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        report = ARTIFACTS / f"missing-translations-{language}.json"
        report.write_text(json.dumps(found, indent=2, ensure_ascii=False))
    assert not found, found
