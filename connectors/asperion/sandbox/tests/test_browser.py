"""The consent page in a real Chromium: sign in, allow, land on the callback with a code."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from connectors.asperion.sandbox import seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture
def chromium_page(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    # Playwright's sync API runs an event loop in this thread; the live server's ORM calls
    # happen in its own thread, the test's in this one.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        try:
            yield browser.new_page()
        finally:
            browser.close()


def test_a_user_signs_in_and_allows_access(chromium_page: Any, live_server: Any) -> None:
    page = chromium_page
    seed.ensure_demo_user()
    base = f"{live_server.url}/sandbox/asperion"
    callback = f"{live_server.url}/oauth-callback-for-the-test"
    params = {
        "response_type": "code",
        "client_id": seed.DEMO_CLIENT_ID,
        "redirect_uri": callback,
        "scope": "*",
        "state": "browser-state",
    }
    page.goto(f"{base}/connect/authorize?{urlencode(params)}")
    assert page.get_by_role("heading", name="Sign in and allow access").is_visible()
    page.get_by_label("User name").fill(seed.DEMO_USERNAME)
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in and allow").click()
    assert page.get_by_role("alert").inner_text() == "Unknown user name or wrong password."
    page.get_by_label("Password").fill(seed.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in and allow").click()
    page.wait_for_url(f"{callback}?**")
    query = parse_qs(urlsplit(page.url).query)
    assert query["state"] == ["browser-state"]
    tokens = httpx.post(
        f"{base}/connect/token",
        data={
            "grant_type": "authorization_code",
            "code": query["code"][0],
            "redirect_uri": callback,
            "client_id": seed.DEMO_CLIENT_ID,
            "client_secret": seed.DEMO_CLIENT_SECRET,
        },
    )
    assert tokens.status_code == 200
    assert tokens.json()["token_type"] == "Bearer"
