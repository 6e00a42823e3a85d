"""The Content-Security-Policy in a real Chromium: the pages load without one violation, htmx
and app.js run, and the selects that submit themselves still do.

The site is served from this test's own server thread (the policy middleware, django-csp, is in
settings.MIDDLEWARE).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client

from tests.e2e.conftest import chromium as chromium  # noqa: F401 - the fixture
from tests.security.estate import Estate, estate_build

# The server thread runs beside Playwright's event loop in this process.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.browser


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def site(settings: Any, transactional_db: None) -> Iterator[str]:
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    server = make_server(
        "127.0.0.1",
        0,
        StaticFilesHandler(WSGIHandler()),
        server_class=ThreadingServer,
        handler_class=QuietHandler,
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def signed_in(world, site: str, chromium: Any) -> Iterator[tuple[Any, Estate, list[str]]]:
    estate = estate_build(
        tenant=world.tenant,
        other_tenant=world.other_tenant,
        owner=world.owner,
        viewer=world.viewer,
        outsider=world.outsider,
    )
    client = Client()
    client.force_login(estate.owner)
    context = chromium.new_context(locale="en-GB")
    session = client.cookies["sessionid"].value
    context.add_cookies([{"name": "sessionid", "value": session, "url": site}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    yield page, estate, problems
    context.close()


def test_dashboard_pages_run_under_the_policy_without_a_violation(site, signed_in):
    page, estate, messages = signed_in
    flow = estate.mine.flow.pk
    paths = ["/", "/flows/", f"/flows/{flow}/", f"/flows/{flow}/settings/", "/activity/"]
    paths += [f"/flows/{flow}/mapping/", f"/runs/{estate.mine.run.pk}/", "/insights/"]
    paths += ["/settings/", "/setup/apps/", "/accounts/password-reset/"]
    for path in paths:
        response = page.goto(site + path)
        assert response is not None
        assert response.status == 200, path
        assert "default-src 'self'" in (response.headers.get("content-security-policy") or "")
        if not path.startswith(("/api/", "/accounts/")):
            assert page.evaluate("typeof window.htmx") == "object", path
    violations = [m for m in messages if "Content Security Policy" in m or "Refused to" in m]
    assert not violations, "\n".join(violations)


def test_the_language_select_still_submits_itself(site, signed_in):
    page, _estate, messages = signed_in
    page.goto(site + "/flows/")
    with page.expect_navigation():
        page.get_by_test_id("language").select_option("nl")
    assert page.evaluate("document.documentElement.lang") == "nl"
    assert not [m for m in messages if "Refused to" in m]
