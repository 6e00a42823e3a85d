"""The identity server's two endpoints: the login and consent page, and the token endpoint.

`/connect/authorize` shows a page where a sandbox user signs in and allows the client;
the form posts back to the same URL (with CSRF protection) and the answer is a redirect to
the client's redirect_uri with `code` and `state`, or `error=access_denied` when declined.
A redirect_uri the client did not register is never redirected to (RFC 6749 §4.1.2.1).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.views.decorators.csrf import csrf_protect

from connectors.asperion.sandbox import seed
from connectors.asperion.sandbox.models import OAuthClient
from connectors.asperion.sandbox.oauth import (
    OAuthFailure,
    TokenPair,
    client_authenticate,
    client_find,
    code_issue,
    code_redeem,
    redirect_uri_allowed,
    refresh_rotate,
    user_authenticate,
)

CONSENT_TEMPLATE = "asperion_sandbox/consent.html"
ERROR_TEMPLATE = "asperion_sandbox/authorize_error.html"
AUTHORIZE_PARAMS = ("response_type", "client_id", "redirect_uri", "scope", "state")
TOKEN_REQUIRED = ("grant_type", "client_id", "client_secret")
WRONG_LOGIN = "Unknown user name or wrong password."


@dataclass(frozen=True)
class AuthorizeRequest:
    client: OAuthClient
    redirect_uri: str
    state: str | None
    scope: str
    response_type: str

    def redirect(self, **params: str) -> HttpResponseRedirect:
        if self.state is not None:
            params["state"] = self.state
        parts = urlsplit(self.redirect_uri)
        query = f"{parts.query}&{urlencode(params)}" if parts.query else urlencode(params)
        return HttpResponseRedirect(urlunsplit(parts._replace(query=query)))


def authorize_request(params: QueryDict) -> AuthorizeRequest | str:
    """Return the parsed request, or why it must not be redirected back (a page instead)."""
    client = client_find(params.get("client_id", ""))
    if client is None:
        return "Unknown client_id."
    redirect_uri = params.get("redirect_uri", "")
    if not redirect_uri_allowed(client, redirect_uri):
        return "The redirect_uri is not registered for this client."
    return AuthorizeRequest(
        client=client,
        redirect_uri=redirect_uri,
        state=params.get("state"),
        scope=params.get("scope", "*"),
        response_type=params.get("response_type", ""),
    )


@csrf_protect
def authorize(request: HttpRequest) -> HttpResponse:
    params = request.POST if request.method == "POST" else request.GET
    parsed = authorize_request(params)
    if isinstance(parsed, str):
        return render(request, ERROR_TEMPLATE, {"reason": parsed}, status=400)
    if parsed.response_type != "code":
        return parsed.redirect(error="unsupported_response_type")
    if parsed.state is None:
        return parsed.redirect(error="invalid_request", error_description="state is required")
    if request.method == "POST":
        return consent_given(request, parsed)
    return consent_page(request, parsed, error=None)


def consent_page(
    request: HttpRequest, parsed: AuthorizeRequest, *, error: str | None, status: int = 200
) -> HttpResponse:
    hidden = {name: request.GET.get(name, request.POST.get(name, "")) for name in AUTHORIZE_PARAMS}
    context = {
        "client": parsed.client,
        "scope": parsed.scope,
        "hidden": hidden,
        "error": error,
        "username": request.POST.get("username", ""),
        "demo_login": demo_login(),
    }
    return render(request, CONSENT_TEMPLATE, context, status=status)


def demo_login() -> tuple[str, str] | None:
    """Return the public demo login when it exists: a newcomer must be able to sign in."""
    return (seed.DEMO_USERNAME, seed.DEMO_PASSWORD) if seed.demo_user() else None


def consent_given(request: HttpRequest, parsed: AuthorizeRequest) -> HttpResponse:
    if request.POST.get("decision") != "allow":
        return parsed.redirect(error="access_denied")
    user = user_authenticate(
        username=request.POST.get("username", ""), password=request.POST.get("password", "")
    )
    if user is None:
        return consent_page(request, parsed, error=WRONG_LOGIN, status=200)
    code = code_issue(client=parsed.client, user=user, redirect_uri=parsed.redirect_uri)
    return parsed.redirect(code=code)


def oauth_json(body: Mapping[str, object], *, status: int = 200) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    # RFC 6749 §5.1: token answers must not be cached.
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


def token(request: HttpRequest) -> HttpResponse:
    """Exchange an authorization code or a refresh token; OAuthError bodies on failure."""
    form = request.POST
    try:
        missing = [name for name in TOKEN_REQUIRED if not form.get(name)]
        if missing:
            raise OAuthFailure("invalid_request", f"Missing {', '.join(missing)}.")
        client = client_authenticate(
            client_id=form["client_id"], client_secret=form["client_secret"]
        )
        pair = grant(form, client)
    except OAuthFailure as failure:
        body = {"error": failure.error, "error_description": failure.description}
        return oauth_json(body, status=failure.status)
    return oauth_json(pair.as_response())


def grant(form: QueryDict, client: OAuthClient) -> TokenPair:
    grant_type = form["grant_type"]
    if grant_type == "authorization_code":
        if not form.get("code"):
            raise OAuthFailure("invalid_request", "Missing code.")
        return code_redeem(
            client=client, code=form.get("code", ""), redirect_uri=form.get("redirect_uri", "")
        )
    if grant_type == "refresh_token":
        if not form.get("refresh_token"):
            raise OAuthFailure("invalid_request", "Missing refresh_token.")
        return refresh_rotate(client=client, refresh_token=form.get("refresh_token", ""))
    raise OAuthFailure("unsupported_grant_type", f"Unsupported grant_type {grant_type!r}.")
