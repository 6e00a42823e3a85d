"""The language switch: stored on the user and in a cookie, applied on every page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tenants.models import User

pytestmark = pytest.mark.django_db

MIDDLEWARE_PATH = "dashboard.middleware.UserLanguageMiddleware"


@pytest.fixture
def user_language_middleware(settings):
    if MIDDLEWARE_PATH not in settings.MIDDLEWARE:
        middleware = list(settings.MIDDLEWARE)
        at = middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1
        middleware.insert(at, MIDDLEWARE_PATH)
        settings.MIDDLEWARE = middleware


def test_switching_stores_the_choice_on_the_user_and_in_a_cookie(world):
    client = world.client_for(world.owner)
    response = client.post(reverse("dashboard:language"), {"language": "nl", "next": "/flows/"})
    assert response.status_code == 302
    assert response["Location"] == "/flows/"
    assert response.cookies["django_language"].value == "nl"
    assert User.objects.get(pk=world.owner.pk).language == "nl"
    page = client.get(reverse("dashboard:home"))
    assert page["Content-Language"] == "nl"
    assert "Afmelden" in page.content.decode()


def test_an_unknown_language_or_a_foreign_next_is_refused(world):
    client = world.client_for(world.owner)
    assert client.post(reverse("dashboard:language"), {"language": "xx"}).status_code == 400
    response = client.post(
        reverse("dashboard:language"), {"language": "da", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_anonymous_visitors_can_switch_too(client):
    response = client.post(
        reverse("dashboard:language"), {"language": "da", "next": "/accounts/login/"}
    )
    assert response.cookies["django_language"].value == "da"
    page = client.get(reverse("login"))
    assert "Log ind" in page.content.decode()


def test_the_users_choice_follows_them_to_another_browser(world, user_language_middleware):
    world.owner.language = "da"
    world.owner.save()
    fresh_browser = Client()
    fresh_browser.force_login(world.owner)
    page = fresh_browser.get(reverse("dashboard:home"), HTTP_ACCEPT_LANGUAGE="en")
    assert page["Content-Language"] == "da"
    assert "Log ud" in page.content.decode()
