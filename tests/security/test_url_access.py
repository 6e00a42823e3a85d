"""Every URL pattern of `apicenter.urls` with an anonymous visitor, the owner, a read-only
member and an outsider (a member of another tenant only).

- anonymous: sent to the login page (or 401/403 from the API), except the public patterns;
- outsider: 404 for every URL naming the first tenant's rows, whatever the method, and no
  page or API list that shows one of its rows;
- viewer: 403 for every changing request (or 405 where the method does not exist), and no
  row changed afterwards;
- nobody, with any method, gets a 500.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from connectors.models import Connection
from flows.models import Flow, FlowRun, RecordLog
from mapping.models import MappingVersion
from tenants.models import ApiToken, Membership
from tests.security.estate import MARKERS, Estate
from tests.security.urlmap import (
    PUBLIC,
    Endpoint,
    endpoints,
    is_api,
    is_public,
    is_sandbox_admin,
    is_staff_only,
    tenant_endpoints,
    url_for,
)

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
# POSTs that change only the caller's own session or preferences, or compute without saving.
VIEWER_MAY_POST = {
    "logout",
    "switch_tenant",
    "dashboard:language",
    "dashboard:mapping_preview",
    "dashboard:integration_switch",  # which integration this session shows
}
API_WRITE_METHODS = ("post", "put", "patch", "delete")


@dataclass
class Sweep:
    """Requests made, and every answer that broke a rule (with the traceback of a 500)."""

    estate: Estate
    problems: list[str] = field(default_factory=list)
    answers: dict[tuple[str, str], int] = field(default_factory=dict)

    def call(self, client: Client, method: str, url: str, **headers: str) -> Any:
        cache.clear()  # the API's per-token throttle must not turn a sweep into 429s
        try:
            response = send(client, method, url, headers)
        except Exception:
            self.problems.append(f"500 {method.upper()} {url}\n{traceback.format_exc()}")
            return None
        self.answers[(method, url)] = response.status_code
        if response.status_code >= 500:
            self.problems.append(f"{response.status_code} {method.upper()} {url}")
        return response

    def expect(self, ok: bool, message: str) -> None:
        if not ok:
            self.problems.append(message)

    def assert_clean(self) -> None:
        assert not self.problems, "\n".join(self.problems)


def send(client: Client, method: str, url: str, headers: dict[str, str]) -> Any:
    """An empty request: a JSON object to the API, an empty form to the pages."""
    call = getattr(client, method)
    if method == "get":
        return call(url, headers=headers)
    if url.startswith("/api/"):
        return call(url, "{}", content_type="application/json", headers=headers)
    if method == "post":
        return call(url, {}, headers=headers)
    return call(url, headers=headers)


def session_for(estate: Estate, who: str) -> Client:
    client = Client(raise_request_exception=True)
    client.force_login(getattr(estate, who))
    return client


def token_headers(estate: Estate, who: str) -> dict[str, str]:
    return {"Authorization": f"Token {estate.keys[who]}"}


@pytest.fixture
def sweep(estate) -> Sweep:
    return Sweep(estate)


def test_every_pattern_is_classified_and_resolves(estate):
    """A new pattern whose arguments nobody filled in fails here, not silently later."""
    found = endpoints()
    assert len(found) > 100
    for endpoint in found:
        url_for(endpoint, estate)
    names = {e.name for e in found}
    assert names >= PUBLIC, PUBLIC - names
    assert {e for e in tenant_endpoints() if e.params and not e.has_tenant_row} == {
        # Arguments that name no company's data: a wizard step, a screenshot of the guide.
        e
        for e in found
        if e.name in {"dashboard:wizard_step", "dashboard:help_image"}
    }


def login_redirect(response: Any, login: str) -> bool:
    return response.status_code == 302 and str(response["Location"]).startswith(login)


def test_anonymous_is_sent_to_login_everywhere_but_the_public_pages(estate, sweep):
    client = Client(raise_request_exception=True)
    for endpoint in endpoints():
        url = url_for(endpoint, estate)
        answers = [sweep.call(client, method, url) for method in ("get", "post")]
        if is_public(endpoint) or None in answers:
            continue
        login = ADMIN_LOGIN if is_staff_only(endpoint) else LOGIN
        refused = [
            r.status_code in (401, 403) or login_redirect(r, login)
            for r in answers
            if r.status_code != 405
        ]
        sweep.expect(
            bool(refused) and all(refused),
            f"anonymous reached {endpoint}: {[r.status_code for r in answers]}",
        )
    sweep.assert_clean()


def test_api_without_a_token_answers_401(estate, sweep):
    client = Client(raise_request_exception=True)
    for endpoint in filter(is_api, endpoints()):
        url = url_for(endpoint, estate)
        for method in ("get", *API_WRITE_METHODS):
            response = sweep.call(client, method, url, Authorization="Token not-a-real-key")
            if response is not None and response.status_code != 405:
                sweep.expect(response.status_code == 401, f"{method} {url}: {response.status_code}")
    sweep.assert_clean()


def sandbox_admin_answer(route: str, method: str) -> int:
    """What a company member gets on a sandbox admin URL when the row named is not theirs
    (the estate's companies have no sandbox accounts): the lists (empty), a 404 for a row,
    403 for the demo actions that only staff may take."""
    if route.startswith("sandbox/mollie/admin/"):
        return 403  # the platform's own payment account: staff only
    if "<" in route:
        return 404
    if route.endswith(("admin/seed/",)) or (route.endswith("feeddex/admin/") and method == "post"):
        return 403
    return 302 if route.endswith("knobs/") else 200


def test_tenant_users_get_no_admin_and_only_their_own_sandbox_accounts(estate, sweep):
    for who in ("owner", "outsider"):
        client = session_for(estate, who)
        for endpoint in endpoints():
            if not (is_staff_only(endpoint) or is_sandbox_admin(endpoint)):
                continue
            url = url_for(endpoint, estate)
            for method in ("get", "post"):
                response = sweep.call(client, method, url)
                if response is None or response.status_code == 405:
                    continue
                ok = (
                    login_redirect(response, ADMIN_LOGIN)
                    if is_staff_only(endpoint)
                    else response.status_code == sandbox_admin_answer(endpoint.route, method)
                )
                sweep.expect(ok, f"{who} {method} {url}: {response.status_code}")
    sweep.assert_clean()


def row_requests(
    estate: Estate, who: str
) -> Iterator[tuple[Endpoint, str, str, Client, dict[str, str]]]:
    """Every method on every URL that names a row of the first tenant, as `who` would send it."""
    session = session_for(estate, who)
    token_client = Client(raise_request_exception=True)
    for endpoint in tenant_endpoints():
        if not endpoint.has_tenant_row:
            continue
        url = url_for(endpoint, estate)
        if is_api(endpoint):
            for method in ("get", *API_WRITE_METHODS):
                yield endpoint, method, url, token_client, token_headers(estate, who)
        else:
            for method in ("get", "post"):
                yield endpoint, method, url, session, {}


def test_outsider_gets_404_for_every_row_of_another_tenant(estate, sweep):
    not_found = 0
    for endpoint, method, url, client, headers in row_requests(estate, "outsider"):
        response = sweep.call(client, method, url, **headers)
        if response is None:
            continue
        not_found += response.status_code == 404
        sweep.expect(
            response.status_code in (404, 405),
            f"outsider {method} {url} ({endpoint}): {response.status_code}",
        )
    sweep.assert_clean()
    assert not_found >= len([e for e in tenant_endpoints() if e.has_tenant_row])


def test_outsider_pages_and_lists_show_none_of_the_other_tenants_rows(estate, sweep):
    session = session_for(estate, "outsider")
    api = Client(raise_request_exception=True)
    pages = 0
    for endpoint in tenant_endpoints():
        if endpoint.params:
            continue
        url = url_for(endpoint, estate)
        if is_api(endpoint):
            response = sweep.call(api, "get", url, **token_headers(estate, "outsider"))
        else:
            response = sweep.call(session, "get", url)
        if response is None or response.status_code != 200:
            continue
        pages += 1
        body = response.content.decode()
        leaked = [marker for marker in MARKERS if marker in body]
        sweep.expect(not leaked, f"outsider sees {leaked} at {url}")
        sweep.expect("Charlie" in body or is_api(endpoint), f"{url} is not the outsider's own")
    sweep.assert_clean()
    assert pages >= 15


def test_filters_naming_another_tenants_rows_find_nothing(estate, sweep):
    """The log search and the run lists with the first tenant's ids in their query."""
    mine = estate.mine
    session = session_for(estate, "outsider")
    api = Client(raise_request_exception=True)
    headers = token_headers(estate, "outsider")
    probes = [
        (session, f"/activity/?run={mine.run.pk}", {}),
        (session, f"/activity/?flow={mine.flow.pk}", {}),
        (session, "/activity/?q=ALICE", {}),
        (api, f"/api/v1/runs/?flow={mine.flow.pk}", headers),
        (api, f"/api/v1/records/?run={mine.run.pk}", headers),
        (api, f"/api/v1/records/?flow={mine.flow.pk}", headers),
        (api, "/api/v1/records/?key=ALICE", headers),
        (api, f"/api/v1/flows/?integration={mine.integration.pk}", headers),
    ]
    for client, url, extra in probes:
        response = sweep.call(client, "get", url, **extra)
        if response is None:
            continue
        body = response.content.decode()
        sweep.expect(response.status_code in (200, 400), f"{url}: {response.status_code}")
        sweep.expect(not [m for m in MARKERS if m in body], f"{url} shows the other tenant")
    sweep.assert_clean()


def fingerprint(estate: Estate) -> str:
    """Everything a changing request of the viewer could have changed, as one string."""
    tenant = estate.tenant
    rows = {
        "runs": FlowRun.objects.filter(tenant=tenant).count(),
        "records": RecordLog.objects.filter(tenant=tenant).count(),
        "flows": list(
            Flow.objects.filter(tenant=tenant)
            .order_by("pk")
            .values_list("enabled", "settings", "cursor", "needs_attention")
        ),
        "connections": list(
            Connection.objects.filter(tenant=tenant).order_by("pk").values_list("pk", "config")
        ),
        "members": list(
            Membership.objects.filter(tenant=tenant).order_by("pk").values_list("user", "role")
        ),
        "tokens": list(
            ApiToken.objects.filter(tenant=tenant).order_by("pk").values_list("pk", "revoked_at")
        ),
        "mapping_versions": MappingVersion.objects.count(),
        "integration": list(
            estate.mine.integration.__class__.objects.filter(tenant=tenant).values_list(
                "live", "customer_defaults"
            )
        ),
    }
    return json.dumps(rows, default=str, sort_keys=True)


def test_viewer_cannot_change_anything(estate, sweep):
    before = fingerprint(estate)
    session = session_for(estate, "viewer")
    api = Client(raise_request_exception=True)
    refused = 0
    for endpoint in tenant_endpoints():
        if endpoint.name in VIEWER_MAY_POST:
            continue
        url = url_for(endpoint, estate)
        if is_api(endpoint):
            answers = [
                sweep.call(api, method, url, **token_headers(estate, "viewer"))
                for method in API_WRITE_METHODS
            ]
        else:
            answers = [sweep.call(session, "post", url)]
        for response in filter(None, answers):
            refused += response.status_code == 403
            sweep.expect(
                response.status_code in (403, 405),
                f"viewer {response.request['REQUEST_METHOD']} {url} ({endpoint}): "
                f"{response.status_code}",
            )
    sweep.assert_clean()
    assert fingerprint(estate) == before
    assert refused >= 40


def test_owner_and_viewer_get_every_page_without_an_error(estate, sweep):
    for who in ("owner", "viewer"):
        session = session_for(estate, who)
        api = Client(raise_request_exception=True)
        for endpoint in tenant_endpoints():
            url = url_for(endpoint, estate)
            if is_api(endpoint):
                response = sweep.call(api, "get", url, **token_headers(estate, who))
            else:
                response = sweep.call(session, "get", url)
            if response is not None and who == "owner":
                sweep.expect(
                    response.status_code in (200, 302, 400, 405),
                    f"owner GET {url}: {response.status_code}",
                )
    sweep.assert_clean()


# Public pages that still fail for a signed-in user; each is pinned by its own test below.
def test_public_pages_work_for_signed_in_users_too(estate, sweep):
    for who in ("owner", "outsider"):
        session = session_for(estate, who)
        for endpoint in endpoints():
            if is_public(endpoint):
                sweep.call(session, "get", url_for(endpoint, estate))
    sweep.assert_clean()


def test_a_signed_in_user_can_open_the_api_docs(estate):
    response = session_for(estate, "owner").get("/api/docs/")
    assert response.status_code == 200
