"""The Content-Security-Policy (django-csp, configured in settings), and pages that can live
with it.

Every dashboard page must carry the policy and contain nothing the policy would block: no
inline `<script>` without the nonce, no `on…=` handler, no `javascript:` link, and no script,
style or image from another origin.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from csp.middleware import CSPMiddleware
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.test import Client, RequestFactory

from tests.security.urlmap import is_api, tenant_endpoints, url_for

PUBLIC_PAGES = ["/accounts/login/", "/accounts/signup/", "/accounts/password-reset/"]

# The policy, directive by directive (django-csp writes the directives in no fixed order).
POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def directives(header: str) -> dict[str, str]:
    parts = [part.strip().partition(" ") for part in header.split(";") if part.strip()]
    return {name: value for name, _, value in parts}


def served(view: Any, request: HttpRequest | None = None) -> Any:
    """A response as the policy middleware hands it on."""
    request = request or RequestFactory().get("/")
    middleware = CSPMiddleware(view)
    return middleware(request)


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


def test_the_policy_is_on_by_default_and_without_a_nonce_when_no_page_uses_it(db):
    response = served(lambda request: HttpResponse("<p>hi</p>"))
    assert directives(response["Content-Security-Policy"]) == POLICY
    assert "nonce-" not in response["Content-Security-Policy"]


def view_using_the_nonce(request: HttpRequest) -> HttpResponse:
    template = engines["django"].from_string('<script nonce="{{ request.csp_nonce }}"></script>')
    return HttpResponse(template.render({}, request))


def test_a_page_that_uses_the_nonce_gets_it_in_script_src_only(db):
    response = served(view_using_the_nonce)
    policy = directives(response["Content-Security-Policy"])
    nonce = nonce_of(response["Content-Security-Policy"])
    assert nonce
    assert len(nonce) >= 16
    assert f'nonce="{nonce}"' in response.content.decode()
    assert policy == {**POLICY, "script-src": f"'self' 'nonce-{nonce}'"}
    again = served(view_using_the_nonce)
    assert nonce_of(again["Content-Security-Policy"]) != nonce  # one per response


def test_a_page_with_its_own_policy_keeps_it(db):
    def own(request: HttpRequest) -> HttpResponse:
        response = HttpResponse("<p>x</p>")
        response["Content-Security-Policy"] = "default-src 'none'"
        return response

    assert served(own)["Content-Security-Policy"] == "default-src 'none'"


def test_report_only_mode_uses_the_reporting_header(db, settings):
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = settings.CONTENT_SECURITY_POLICY
    settings.CONTENT_SECURITY_POLICY = None
    response = served(lambda request: HttpResponse("<p>hi</p>"))
    assert directives(response["Content-Security-Policy-Report-Only"]) == POLICY
    assert "Content-Security-Policy" not in response


def test_every_dashboard_page_carries_the_policy_and_nothing_it_blocks(estate):
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
            policy = directives(response.get("Content-Security-Policy", ""))
            if policy.get("default-src") != "'self'":
                problems.append(f"{url}: no policy")
            problems += [f"{who} {url}: {item}" for item in blocked(response)]
    assert not problems, "\n".join(problems)
    assert pages >= 30


def test_public_pages_carry_the_policy_and_nothing_it_blocks(db):
    for url in PUBLIC_PAGES:
        response = Client().get(url)
        assert directives(response["Content-Security-Policy"]) == POLICY, url
        assert blocked(response) == [], url


def test_the_api_docs_work_under_the_policy(db):
    response = Client().get("/api/docs/")
    assert response.status_code == 200
    assert blocked(response) == []
