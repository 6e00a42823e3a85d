"""The user guide: written in English and Dutch, shown in the reader's language from the help
menu, with the screenshots the browser suite makes (tests/e2e/test_pages.py)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from dashboard.guide import GUIDE_DIR, render

pytestmark = pytest.mark.django_db

CHAPTERS = {
    "en": [
        "Getting started",
        "The setup wizard",
        "The flows and their settings",
        "The field mapper",
        "Reading the activity log",
        "Troubleshooting",
    ],
    "nl": [
        "Aan de slag",
        "De installatiewizard",
        "De flows en hun instellingen",
        "De veldmapper",
        "Het activiteitenlogboek lezen",
        "Problemen oplossen",
    ],
}


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_guide_has_every_chapter_and_its_pictures(language):
    text = (GUIDE_DIR / f"{language}.md").read_text()
    _html, chapters = render(text)
    titles = [title for _anchor, title in chapters]
    for chapter in CHAPTERS[language]:
        assert chapter in titles
    for flow in (
        ("Products", "Stock", "Customers", "Orders", "Review invitations")
        if (language == "en")
        else ("Producten", "Voorraad", "Klanten", "Orders", "Reviewuitnodigingen")
    ):
        assert f"### {flow}" in text
    pictures = re.findall(r"\]\(img/(\w+)/([\w-]+)\.png\)", text)
    assert len(pictures) >= 10
    for picture_language, name in pictures:
        assert picture_language == language
        assert (GUIDE_DIR / "img" / picture_language / f"{name}.png").is_file(), name


@pytest.mark.parametrize(
    ("language", "heading"),
    [("en", "The field mapper"), ("nl", "De veldmapper"), ("da", "The field mapper")],
)
def test_the_help_menu_opens_the_guide_in_the_readers_language(world, language, heading):
    world.owner.language = language
    world.owner.save()
    client = world.client_for(world.owner)
    home = client.get(reverse("dashboard:home")).content.decode()
    menu = home.split('data-testid="help-menu"')[1].split("</details>")[0]
    assert f'href="{reverse("dashboard:help")}"' in menu
    assert f'href="{reverse("api:docs")}"' in menu
    guide = client.get(reverse("dashboard:help")).content.decode()
    assert f">{heading}</h2>" in guide
    picture = re.search(r'<img class="guide-shot" src="([^"]+)"', guide)
    assert picture is not None
    answer = client.get(picture.group(1))
    assert answer.status_code == 200
    assert answer["Content-Type"] == "image/png"


def test_the_guide_escapes_what_it_shows():
    html, _chapters = render("A <script>alert(1)</script> **bold** [x](javascript:alert(1))")
    assert "<script>" not in html
    assert "<strong>bold</strong>" in html
    assert 'href="javascript' not in html


def test_only_the_guides_pictures_are_served(world):
    client = world.client_for(world.owner)
    assert client.get("/help/img/en/..%2Fen.png").status_code == 404
    assert client.get(reverse("dashboard:help_image", args=["xx", "overview"])).status_code == 404


def test_the_guide_is_for_signed_in_people(client):
    assert client.get(reverse("dashboard:help")).status_code == 302
    picture = reverse("dashboard:help_image", args=["en", "overview"])
    assert client.get(picture).status_code == 302
