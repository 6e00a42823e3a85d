"""The OAuth2 authorization-code flow over real HTTP, as a connector and a browser meet it.

A live server, httpx as the client, the consent form posted with its CSRF token and
cookie; every token answer is checked against the contract.
"""

from __future__ import annotations

import re
import threading
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from connectors.asperion.sandbox import seed
from connectors.asperion.sandbox.models import AuthorizationCode, RefreshToken
from connectors.asperion.sandbox.tests import contract
from connectors.asperion.sandbox.tests.conftest import NO_LIMITS

pytestmark = pytest.mark.django_db(transaction=True)

CALLBACK = "http://127.0.0.1:8000/connections/asperion/callback"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def base(live_server: Any) -> str:
    user, _client = seed.ensure_demo_user()
    user.knobs = NO_LIMITS
    user.save()
    first = user.administrations.order_by("pk")[0]
    seed.seed_administration(first, articles=5, debtors=2, seed=3, shipping_article=False)
    return f"{live_server.url}/sandbox/asperion"


@pytest.fixture
def http() -> Any:
    with httpx.Client(timeout=10) as client:
        yield client


def checked(response: httpx.Response) -> httpx.Response:
    contract.validate(
        method=response.request.method,
        path=response.request.url.path,
        status=response.status_code,
        headers=dict(response.headers),
        body=response.content,
    )
    return response


def authorize_params(**extra: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": seed.DEMO_CLIENT_ID,
        "redirect_uri": CALLBACK,
        "scope": "*",
        "state": "st4te-42",
    } | extra


def consent(http: httpx.Client, base: str, *, decision: str = "allow", **login: str) -> Any:
    """Open the consent page, post the form back; return the redirect (or the page)."""
    params = authorize_params()
    page = checked(http.get(f"{base}/connect/authorize", params=params))
    assert page.status_code == 200
    assert "APIcenter (demo)" in page.text
    token = CSRF_INPUT.search(page.text)
    assert token is not None
    form = params | {
        "csrfmiddlewaretoken": token.group(1),
        "username": login.get("username", seed.DEMO_USERNAME),
        "password": login.get("password", seed.DEMO_PASSWORD),
        "decision": decision,
    }
    return http.post(f"{base}/connect/authorize", params=params, data=form)


def code_from(redirect: httpx.Response) -> str:
    assert redirect.status_code == 302
    location = redirect.headers["Location"]
    assert location.startswith(CALLBACK + "?")
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["st4te-42"]
    return query["code"][0]


def token_call(http: httpx.Client, base: str, **form: str) -> httpx.Response:
    body = {"client_id": seed.DEMO_CLIENT_ID, "client_secret": seed.DEMO_CLIENT_SECRET} | form
    return checked(http.post(f"{base}/connect/token", data=body))


def exchange(http: httpx.Client, base: str, code: str) -> dict[str, Any]:
    answer = token_call(
        http, base, grant_type="authorization_code", code=code, redirect_uri=CALLBACK
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["Cache-Control"] == "no-store"
    return answer.json()  # type: ignore[no-any-return]


def refresh(http: httpx.Client, base: str, refresh_token: str) -> httpx.Response:
    return token_call(http, base, grant_type="refresh_token", refresh_token=refresh_token)


def test_the_whole_flow_with_refresh_rotation(http: httpx.Client, base: str) -> None:
    tokens = exchange(http, base, code_from(consent(http, base)))
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 3600
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    articles = checked(http.get(f"{base}/v1/articles", headers=bearer))
    assert articles.json()["_meta"]["totalCount"] == 5

    renewed = refresh(http, base, tokens["refresh_token"])
    assert renewed.status_code == 200
    assert renewed.json()["refresh_token"] != tokens["refresh_token"]
    reused = refresh(http, base, tokens["refresh_token"])
    assert (reused.status_code, reused.json()["error"]) == (400, "invalid_grant")
    again = refresh(http, base, renewed.json()["refresh_token"])
    assert again.status_code == 200
    new_bearer = {"Authorization": f"Bearer {again.json()['access_token']}"}
    assert checked(http.get(f"{base}/v1/debtors", headers=new_bearer)).status_code == 200


def test_a_code_works_once_and_only_for_its_redirect_uri(http: httpx.Client, base: str) -> None:
    code = code_from(consent(http, base))
    wrong_uri = token_call(
        http, base, grant_type="authorization_code", code=code, redirect_uri=CALLBACK + "x"
    )
    assert wrong_uri.json()["error"] == "invalid_grant"
    exchange(http, base, code)
    reused = token_call(
        http, base, grant_type="authorization_code", code=code, redirect_uri=CALLBACK
    )
    assert (reused.status_code, reused.json()["error"]) == (400, "invalid_grant")
    assert AuthorizationCode.objects.filter(used_at__isnull=False).count() == 1


def test_the_token_endpoint_refuses_bad_clients_and_requests(http: httpx.Client, base: str) -> None:
    wrong_secret = token_call(
        http, base, grant_type="refresh_token", refresh_token="x", client_secret="guess"
    )
    assert (wrong_secret.status_code, wrong_secret.json()["error"]) == (401, "invalid_client")
    unknown = token_call(http, base, grant_type="refresh_token", client_id="nobody")
    assert unknown.json()["error"] == "invalid_client"
    password_grant = token_call(http, base, grant_type="password")
    assert password_grant.json()["error"] == "unsupported_grant_type"
    missing = checked(http.post(f"{base}/connect/token", data={"grant_type": "refresh_token"}))
    assert (missing.status_code, missing.json()["error"]) == (400, "invalid_request")


def race_refreshes(base: str, refresh_token: str) -> list[httpx.Response]:
    """Send the same refresh token from two threads released at the same moment."""
    barrier = threading.Barrier(2)
    results: list[httpx.Response] = []

    def race() -> None:
        with httpx.Client(timeout=20) as own:
            barrier.wait()
            results.append(refresh(own, base, refresh_token))

    threads = [threading.Thread(target=race) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_concurrent_refreshes_exactly_one_wins(http: httpx.Client, base: str) -> None:
    for _round in range(4):
        tokens = exchange(http, base, code_from(consent(http, base)))
        results = race_refreshes(base, tokens["refresh_token"])
        assert sorted(r.status_code for r in results) == [200, 400]
        loser = next(r for r in results if r.status_code == 400)
        assert loser.json()["error"] == "invalid_grant"
    # Each round: one code's refresh token used, plus the winner's fresh one unused.
    assert RefreshToken.objects.filter(used_at__isnull=True).count() == 4


def test_denying_or_a_wrong_password_gives_no_code(http: httpx.Client, base: str) -> None:
    denied = consent(http, base, decision="deny")
    assert denied.status_code == 302
    assert parse_qs(urlsplit(denied.headers["Location"]).query) == {
        "error": ["access_denied"],
        "state": ["st4te-42"],
    }
    wrong = consent(http, base, password="not-it")
    assert wrong.status_code == 200
    assert "Unknown user name or wrong password." in wrong.text
    assert AuthorizationCode.objects.count() == 0


def test_unregistered_redirects_and_forged_forms_are_refused(http: httpx.Client, base: str) -> None:
    evil = http.get(
        f"{base}/connect/authorize", params=authorize_params(redirect_uri="https://evil.example/")
    )
    assert evil.status_code == 400
    assert "Location" not in evil.headers
    wrong_type = checked(
        http.get(f"{base}/connect/authorize", params=authorize_params(response_type="token"))
    )
    assert wrong_type.status_code == 302
    assert "error=unsupported_response_type" in wrong_type.headers["Location"]
    form = authorize_params() | {
        "username": "demo",
        "password": "asperion-demo",
        "decision": "allow",
    }
    forged = http.post(f"{base}/connect/authorize", data=form)
    assert forged.status_code == 403
    assert AuthorizationCode.objects.count() == 0
