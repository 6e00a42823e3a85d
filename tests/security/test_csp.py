"""The Content-Security-Policy middleware (tenants/csp.py), and pages that can live with it.

The middleware is not in settings.MIDDLEWARE yet (the lead adds it); these tests add it.
Every dashboard page must then carry the policy and contain nothing the policy would block:
no inline `<script>` without the nonce, no `on…=` handler, no `javascript:` link, and no
script, style or image from another origin.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import engines
from django.test import Client, RequestFactory

from tenants.csp import DEFAULT_POLICY, ContentSecurityPolicyMiddleware, policy_with_nonce
from tests.security.urlmap import is_api, tenant_endpoints, url_for

CSP = "tenants.csp.ContentSecurityPolicyMiddleware"
PUBLIC_PAGES = ["/accounts/login/", "/accounts/signup/", "/accounts/password-reset/"]


@pytest.fixture
def with_csp(settings: Any) -> None:
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, CSP]


class BlockedByPolicy(HTMLParser):
    """Collect what `script-src 'self'` and same-origin loading would refuse."""

    def __init__(self, nonce: str | None) -> None:
        super().__init__()
        self.nonce = nonce
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name in ("href", "src", "action") and (value or "").lower().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}=javascript:…>")
        nonced = bool(self.nonce) and values.get("nonce") == self.nonce
        if tag == "script" and not values.get("src") and not nonced:
            self.found.append("inline <script> without the page's nonce")
        source = values.get("src") or (values.get("href") if tag == "link" else None) or ""
        if source.startswith(("http://", "https://", "//")):
            self.found.append(f"<{tag}> from another origin: {source}")


def nonce_of(header: str) -> str | None:
    for part in header.split():
        if part.startswith("'nonce-"):
            return part.removeprefix("'nonce-").rstrip("';")
    return None


def blocked(response: Any) -> list[str]:
    parser = BlockedByPolicy(nonce_of(response["Content-Security-Policy"]))
    parser.feed(response.content.decode())
    return parser.found


def test_policy_with_nonce_extends_script_src_only():
    assert policy_with_nonce(DEFAULT_POLICY, None) == DEFAULT_POLICY
    with_nonce = policy_with_nonce(DEFAULT_POLICY, "abc")
    assert "script-src 'self' 'nonce-abc';" in with_nonce
    assert with_nonce.count("nonce-") == 1
    assert policy_with_nonce("default-src 'none'", "n") == (
        "default-src 'none'; script-src 'self' 'nonce-n'"
    )


def view_using_the_nonce(request: HttpRequest) -> HttpResponse:
    template = engines["django"].from_string('<script nonce="{{ request.csp_nonce }}"></script>')
    return HttpResponse(template.render({}, request))


def test_a_page_that_uses_the_nonce_gets_it_in_its_policy(db):
    middleware = ContentSecurityPolicyMiddleware(view_using_the_nonce)
    response = middleware(RequestFactory().get("/"))
    nonce = nonce_of(response["Content-Security-Policy"])
    assert nonce
    assert len(nonce) >= 16
    assert f'nonce="{nonce}"' in response.content.decode()
    again = middleware(RequestFactory().get("/"))
    assert nonce_of(again["Content-Security-Policy"]) != nonce  # one per response


def test_pages_without_a_nonce_get_the_plain_policy_and_json_gets_none(db):
    page = ContentSecurityPolicyMiddleware(lambda request: HttpResponse("<p>hi</p>"))
    assert page(RequestFactory().get("/"))["Content-Security-Policy"] == DEFAULT_POLICY
    api = ContentSecurityPolicyMiddleware(lambda request: JsonResponse({"a": 1}))
    assert "Content-Security-Policy" not in api(RequestFactory().get("/"))


def test_a_page_with_its_own_policy_keeps_it(db):
    def own(request: HttpRequest) -> HttpResponse:
        response = HttpResponse("<p>x</p>")
        response["Content-Security-Policy"] = "default-src 'none'"
        return response

    response = ContentSecurityPolicyMiddleware(own)(RequestFactory().get("/"))
    assert response["Content-Security-Policy"] == "default-src 'none'"


def test_report_only_mode_uses_the_reporting_header(db, settings):
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = True
    settings.CONTENT_SECURITY_POLICY = "default-src 'self'"
    page = ContentSecurityPolicyMiddleware(lambda request: HttpResponse("<p>hi</p>"))
    response = page(RequestFactory().get("/"))
    assert response["Content-Security-Policy-Report-Only"] == "default-src 'self'"
    assert "Content-Security-Policy" not in response


def test_every_dashboard_page_carries_the_policy_and_nothing_it_blocks(with_csp, estate):
    problems, pages = [], 0
    for who in ("owner", "viewer"):
        client = Client()
        client.force_login(getattr(estate, who))
        for endpoint in tenant_endpoints():
            if is_api(endpoint):
                continue
            url = url_for(endpoint, estate)
            response = client.get(url)
            if response.status_code != 200 or "html" not in response["Content-Type"]:
                continue
            pages += 1
            if not response.get("Content-Security-Policy", "").startswith("default-src 'self'"):
                problems.append(f"{url}: no policy")
            problems += [f"{who} {url}: {item}" for item in blocked(response)]
    assert not problems, "\n".join(problems)
    assert pages >= 30


def test_public_pages_carry_the_policy_and_nothing_it_blocks(with_csp, db):
    for url in PUBLIC_PAGES:
        response = Client().get(url)
        assert response["Content-Security-Policy"] == DEFAULT_POLICY, url
        assert blocked(response) == [], url


def test_the_api_docs_work_under_the_policy(with_csp, db):
    response = Client().get("/api/docs/")
    assert response.status_code == 200
    assert blocked(response) == []
