"""Dutch and Danish beyond the templates: stored English reasons and notes read in the
reader's language, dates in European order on a 24-hour clock, "just now", and the language
menu naming each language in its own words."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from dashboard.reasons import reason_text
from dashboard.templatetags.dashboard import ago, percent

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("nl", "betaalstatus is pending (geboekt bij: paid)"),
        ("da", "betalingsstatus er pending (bogføres ved: paid)"),
        ("en", "payment status is pending (booked when: paid)"),
    ],
)
def test_a_stored_reason_reads_in_the_readers_language(language, expected):
    with translation.override(language):
        assert reason_text("payment status is pending (booked when: paid)") == expected


def test_an_unknown_reason_and_our_own_check_are_said_as_such():
    with translation.override("nl"):
        # The API's own words are quoted as they are.
        said = "feeddex POST /v1/products answered 422: sku taken"
        assert reason_text(said) == said
        own = reason_text(
            "our check of the settings: choose the Feeddex unit in this flow's settings"
        )
        assert own == (
            "Onze controle van de instellingen: kies de Feeddex-unit in de instellingen "
            "van deze flow"
        )


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "07/12/2026 15:45"), ("nl", "7-12-2026 15:45"), ("da", "07.12.2026 15:45")],
)
def test_dates_in_european_order_on_a_24_hour_clock(language, expected):
    moment = datetime(2026, 12, 7, 15, 45, tzinfo=ZoneInfo("Europe/Amsterdam"))
    template = Template('{{ moment|date:"SHORT_DATETIME_FORMAT" }}')
    with translation.override(language), timezone.override("Europe/Amsterdam"):
        assert template.render(Context({"moment": moment})) == expected


def test_just_now_instead_of_zero_minutes():
    with translation.override("nl"):
        assert ago(timezone.now() - timedelta(seconds=5)) == "zojuist"
        assert ago(timezone.now() - timedelta(minutes=3)) == "3\xa0minuten geleden"
    with translation.override("da"):
        assert percent(0.125) == "12,5 %"


def test_the_language_menu_names_each_language_in_its_own_words(world):
    world.owner.language = "nl"
    world.owner.save()
    page = world.client_for(world.owner).get(reverse("dashboard:home")).content.decode()
    menu = page.split('data-testid="language"')[1].split("</select>")[0]
    assert ">English<" in menu
    assert ">Dansk<" in menu
    assert ">Nederlands<" in menu
    assert "Engels" not in menu
