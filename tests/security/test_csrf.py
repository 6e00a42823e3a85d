"""CSRF: every form of the site refuses a POST without the token, and takes one with it.

Only the token-authenticated API, the signed webhook receiver and the sandboxes' emulated
APIs are exempt (they have no browser session to protect); a test pins that list, so a view
that drops its protection shows up here.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from conftest import PASSWORD
from tests.security.urlmap import Endpoint, endpoints, url_for

pytestmark = pytest.mark.django_db

EXEMPT_PREFIXES = (
    "api/v1/",  # Authorization: Token; no session, no cookie to ride on
    "api/schema/",
    "api/docs/",
    "api/webhooks/",  # signed by Feeddex
    "sandbox/asperion/^",
    "sandbox/feeddex/authenticate",
    "sandbox/feeddex/v1/",
    "sandbox/feeddex/^",
    "billing/webhook/",  # Mollie's calls: no cookie, and only a payment id fetched back
    "sandbox/mollie/v2/",  # Mollie's API keys, no session
)
PUBLIC_FORMS = ["/accounts/login/", "/accounts/signup/", "/accounts/password-reset/", "/language/"]
FORM = re.compile(r"<form\b[^>]*\bmethod=[\"']?post[\"']?[^>]*>(.*?)</form>", re.I | re.S)
TOKEN_IN_FORM = ("{% csrf_token %}", "{{ csrf_token }}")


def csrf_exempt(endpoint: Endpoint) -> bool:
    return bool(getattr(endpoint.view, "csrf_exempt", False))


def csrf_refused(response) -> bool:
    return response.status_code == 403 and b"CSRF" in response.content


def test_only_the_token_api_webhooks_and_sandbox_apis_are_exempt():
    exempt = {e.route for e in endpoints() if csrf_exempt(e)}
    assert exempt, "the API views should be exempt"
    wrongly = {route for route in exempt if not route.startswith(EXEMPT_PREFIXES)}
    assert not wrongly


def test_every_protected_view_refuses_a_post_without_the_token(estate):
    client = Client(enforce_csrf_checks=True)
    client.force_login(estate.owner)
    checked, accepted = 0, []
    for endpoint in endpoints():
        if csrf_exempt(endpoint):
            continue
        url = url_for(endpoint, estate)
        response = client.post(url, {"name": "x"})
        checked += 1
        if not csrf_refused(response):
            accepted.append(f"{endpoint}: {response.status_code}")
    assert not accepted, "\n".join(accepted)
    assert checked > 100


def test_public_forms_refuse_an_anonymous_post_without_the_token(world):
    client = Client(enforce_csrf_checks=True)
    for url in PUBLIC_FORMS:
        response = client.post(url, {"username": world.owner.email, "password": "x"})
        assert csrf_refused(response), url


def token_from(page: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found, "the page has no CSRF token"
    return found.group(1)


def test_the_login_form_works_with_its_token(world):
    client = Client(enforce_csrf_checks=True)
    token = token_from(client.get("/accounts/login/").content.decode())
    data = {"username": world.owner.email, "password": PASSWORD, "csrfmiddlewaretoken": token}
    response = client.post("/accounts/login/", data)
    assert response.status_code == 302


def test_htmx_requests_carry_the_token_of_the_page(estate):
    """The base template puts the token in hx-headers; an htmx POST with it passes."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(estate.owner)
    page = client.get("/flows/").content.decode()
    headers = re.search(r"hx-headers='([^']+)'", page)
    assert headers, "no hx-headers on the page"
    token = re.search(r'"X-CSRFToken": "([^"]+)"', html.unescape(headers.group(1)))
    assert token
    url = f"/flows/{estate.mine.flow.pk}/toggle/"
    refused = client.post(url, {"enabled": "1"}, headers={"HX-Request": "true"})
    assert csrf_refused(refused)
    passed = client.post(
        url, {"enabled": "1"}, headers={"HX-Request": "true", "X-CSRFToken": token.group(1)}
    )
    assert passed.status_code in (200, 302)


def template_files() -> list[Path]:
    roots = [Path(settings.BASE_DIR) / "templates"]
    roots += [p for p in Path(settings.BASE_DIR).glob("*/**/templates") if ".venv" not in p.parts]
    return sorted({path for root in roots for path in root.rglob("*.html")})


def test_every_post_form_in_the_templates_has_the_token():
    files = template_files()
    assert len(files) > 30
    missing = [
        f"{path.relative_to(settings.BASE_DIR)}: {body.strip()[:60]!r}"
        for path in files
        for body in FORM.findall(path.read_text())
        if not any(token in body for token in TOKEN_IN_FORM)
    ]
    assert not missing, "\n".join(missing)
