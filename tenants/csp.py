"""A Content-Security-Policy header on every HTML page (the project has no django-csp).

The policy lets a page load scripts, styles, fonts and images only from this site, never
be framed, and post forms only here; so an injected `<script>` or `onclick=` does not run,
and a stolen page cannot be put in a frame or made to post elsewhere. Inline `style=`
attributes stay allowed: the templates use them for layout, and styles cannot run code.

A template that really needs an inline script gives it `nonce="{{ request.csp_nonce }}"`:
the nonce is made only when a template asks for it, and is then added to `script-src`.

Settings (read with defaults, so nothing needs to be set):
- CONTENT_SECURITY_POLICY: the policy (DEFAULT_POLICY below);
- CONTENT_SECURITY_POLICY_REPORT_ONLY: True sends it as Content-Security-Policy-Report-Only,
  which browsers only report, for trying a stricter policy on a live site first.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

DEFAULT_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'"
)
ENFORCING_HEADER = "Content-Security-Policy"
REPORTING_HEADER = "Content-Security-Policy-Report-Only"


def policy_header_name() -> str:
    report_only = getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", False)
    return REPORTING_HEADER if report_only else ENFORCING_HEADER


def policy_with_nonce(policy: str, nonce: str | None) -> str:
    """Return the policy, with the page's nonce added to script-src when one was used."""
    if not nonce:
        return policy
    directives = [part.strip() for part in policy.split(";") if part.strip()]
    for index, directive in enumerate(directives):
        if directive.split()[0] == "script-src":
            directives[index] = f"{directive} 'nonce-{nonce}'"
            return "; ".join(directives)
    return "; ".join([*directives, f"script-src 'self' 'nonce-{nonce}'"])


def is_html(response: HttpResponse) -> bool:
    return str(response.get("Content-Type", "")).startswith("text/html")


class ContentSecurityPolicyMiddleware:
    """Add the policy to HTML responses that do not set their own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        made: list[str] = []

        def make_nonce() -> str:
            made.append(secrets.token_urlsafe(16))
            return made[0]

        request.csp_nonce = SimpleLazyObject(make_nonce)  # type: ignore[attr-defined]
        response = self.get_response(request)
        if not is_html(response) or ENFORCING_HEADER in response or REPORTING_HEADER in response:
            return response
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", DEFAULT_POLICY)
        response[policy_header_name()] = policy_with_nonce(policy, made[0] if made else None)
        return response
