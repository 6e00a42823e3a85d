"""Session and CSRF cookies under the production settings: HttpOnly, Secure, SameSite.

The production values are read from the real settings module in a subprocess (with the
environment of a production start), then applied to this test process, and a real sign-in
shows what the browser would get.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.test import Client, override_settings

from conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
COOKIE_SETTINGS = [
    "DEBUG",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_SAMESITE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "X_FRAME_OPTIONS",
]
PRODUCTION_ENV = {
    "DATABASE_URL": "postgres://apicenter:pw@127.0.0.1:5432/apicenter",
    "SECRET_KEY": "s" + "Q7m2Lr9Tz4Kc8Vb1Nd6Hs3Jf5Gw0Ye" * 2,
    "APICENTER_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "ALLOWED_HOSTS": "apicenter.example.com",
}
PRINT_SETTINGS = f"""
import json, django
django.setup()
from django.conf import settings
print(json.dumps({{name: getattr(settings, name) for name in {COOKIE_SETTINGS!r}}}))
"""


@pytest.fixture(scope="module")
def production() -> dict[str, Any]:
    kept = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SANDBOX_ENABLED"}}
    env = {**kept, **PRODUCTION_ENV, "DJANGO_SETTINGS_MODULE": "apicenter.settings"}
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    values: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return values


def test_production_settings_protect_the_cookies(production):
    assert production["DEBUG"] is False
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["SESSION_COOKIE_HTTPONLY"] is True
    assert production["CSRF_COOKIE_SECURE"] is True
    assert production["SESSION_COOKIE_SAMESITE"] in ("Lax", "Strict")
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SECURE_HSTS_SECONDS"] >= 31536000
    assert production["X_FRAME_OPTIONS"] == "DENY"


def sign_in(client: Client, email: str) -> Any:
    page = client.get("/accounts/login/", secure=True)
    assert page.status_code == 200
    data = {"username": email, "password": PASSWORD}
    return client.post("/accounts/login/", data, secure=True)


def test_a_sign_in_over_https_sets_secure_httponly_cookies(world, production):
    with override_settings(**production, ALLOWED_HOSTS=["testserver"]):
        client = Client()
        response = sign_in(client, world.owner.email)
        assert response.status_code == 302
        session = response.cookies["sessionid"]
        assert session["httponly"] is True
        assert session["secure"] is True
        assert session["samesite"] == production["SESSION_COOKIE_SAMESITE"]
        csrf = client.cookies["csrftoken"]
        assert csrf["secure"] is True
        page = client.get("/", secure=True)
        assert page["Strict-Transport-Security"].startswith("max-age=31536000")
        assert page["X-Frame-Options"] == "DENY"
        assert page["X-Content-Type-Options"] == "nosniff"


def test_plain_http_is_redirected_to_https_in_production(world, production):
    with override_settings(**production, ALLOWED_HOSTS=["testserver"]):
        response = Client().get("/accounts/login/")
        assert response.status_code == 301
        assert response["Location"].startswith("https://")


def test_the_session_id_changes_at_sign_in_and_dies_at_sign_out(world):
    client = Client()
    client.get("/accounts/login/")
    client.session.save()
    before = client.session.session_key
    assert sign_in(client, world.owner.email).status_code == 302
    after = client.cookies["sessionid"].value
    assert after != before
    client.post("/accounts/logout/")
    stale = Client()
    stale.cookies["sessionid"] = after
    assert stale.get("/").status_code == 302  # the old session no longer signs anyone in
