"""Bad input from users: every form of the dashboard and every write of the REST API, with
hostile values, answers with field errors (or a plain refusal), never a 500.

The forms are found, not listed: every page the owner can open is parsed for its POST forms,
and each form is sent back with all its fields set to one bad value at a time. Each request
runs in a savepoint that is rolled back, so one request's change never hides the next one's
problem. Connections point at a private address, so a form that would call an API is refused
by the SSRF guard at once instead of waiting on the network.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client

from connectors.models import Connection
from tests.badinput.conftest import EMOJI
from tests.security.conftest import estate as estate  # noqa: F401 - the fixture
from tests.security.estate import Estate
from tests.security.test_secrets_never_leak import stored_texts
from tests.security.urlmap import is_api, tenant_endpoints, url_for

pytestmark = pytest.mark.django_db

NUL = "\x00"
BAD_VALUES = [
    "",
    "x" * 100_000,
    NUL,
    f"a{NUL}b",
    EMOJI,
    "-1",
    "1e309",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
]
# Forms that end the session, which the sweep goes on using, and the sandbox button (no
# input; it connects to this server's own sandboxes, which no live server serves here).
SKIPPED_FORMS = ("/accounts/logout/", "/accounts/switch-tenant/", "/setup/apps/sandbox/")
PUBLIC_PAGES = ["/accounts/login/", "/accounts/signup/", "/accounts/password-reset/"]
FILLABLE = {"text", "textarea", "email", "number", "url", "password", "search", "hidden", "tel"}


@dataclass
class Form:
    action: str
    fields: dict[str, str] = field(default_factory=dict)  # name → kind (input type or tag)
    defaults: dict[str, str] = field(default_factory=dict)

    def filled_with(self, value: str) -> dict[str, str]:
        data = dict(self.defaults)
        for name, kind in self.fields.items():
            if name != "csrfmiddlewaretoken" and kind in FILLABLE | {"select"}:
                data[name] = value
        return data


class FormParser(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__()
        self.page_url = page_url
        self.forms: list[Form] = []
        self.current: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form" and values.get("method", "").lower() == "post":
            self.current = Form(action=values.get("action") or self.page_url)
            self.forms.append(self.current)
        elif (
            self.current is not None and tag in ("input", "textarea", "select") and "name" in values
        ):
            kind = values.get("type", "text").lower() if tag == "input" else tag
            self.current.fields[values["name"]] = kind
            if kind not in ("checkbox", "radio", "submit") or "checked" in values:
                self.current.defaults.setdefault(values["name"], values.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None


def owner_client(estate: Estate) -> Client:
    client = Client(raise_request_exception=True)
    client.force_login(estate.owner)
    return client


def forms_on_every_page(estate: Estate, client: Client) -> list[Form]:
    found: dict[tuple[str, tuple[str, ...]], Form] = {}
    for endpoint in tenant_endpoints():
        if is_api(endpoint):
            continue
        url = url_for(endpoint, estate)
        response = client.get(url)
        if response.status_code != 200 or "html" not in response["Content-Type"]:
            continue
        parser = FormParser(url)
        parser.feed(response.content.decode())
        for form in parser.forms:
            found.setdefault((form.action, tuple(sorted(form.fields))), form)
    return [form for form in found.values() if not form.action.startswith(SKIPPED_FORMS)]


def point_connections_at_a_private_address(estate: Estate) -> None:
    for connection in Connection.objects.all():
        connection.config = {
            **connection.config,
            "api_base_url": "http://127.0.0.1:9",
            "identity_base_url": "http://127.0.0.1:9",
        }
        connection.save(update_fields=["config"])


def stored_nul() -> list[str]:
    """Rows holding a NUL character: PostgreSQL refuses those (a 500 there)."""
    return [where for where, text in stored_texts() if NUL in text]


def send_and_undo(client: Client, method: str, url: str, **kwargs: Any) -> tuple[Any, list[str]]:
    """Send a request in a savepoint, note any NUL it stored, and roll it back."""
    cache.clear()  # the API's per-token throttle must not turn a sweep into 429s
    with transaction.atomic():
        try:
            response = getattr(client, method)(url, **kwargs)
        except Exception:
            return None, [traceback.format_exc()]
        nul = stored_nul() if NUL in json.dumps(kwargs.get("data"), default=str) else []
        transaction.set_rollback(True)
    return response, nul


@pytest.fixture(autouse=True)
def _quick_retries(settings: Any) -> None:
    settings.CONNECTOR_RETRY_BASE_DELAY = 0.01
    settings.CONNECTOR_RETRY_MAX_DELAY = 0.02
    settings.APICENTER_ALLOW_PRIVATE_URLS = False


def test_every_form_answers_bad_values_without_a_500(estate):
    point_connections_at_a_private_address(estate)
    client = owner_client(estate)
    forms = forms_on_every_page(estate, client)
    assert len(forms) >= 20
    assert not sweep_forms(client, forms)


def test_every_public_form_answers_bad_values_without_a_500(estate):
    client = Client(raise_request_exception=True)
    forms = forms_on_pages(client, PUBLIC_PAGES)
    assert {form.action for form in forms} >= set(PUBLIC_PAGES)
    assert not sweep_forms(client, forms)


def forms_on_pages(client: Client, urls: list[str]) -> list[Form]:
    forms: list[Form] = []
    for url in urls:
        parser = FormParser(url)
        parser.feed(client.get(url).content.decode())
        forms += [f for f in parser.forms if not f.action.startswith(SKIPPED_FORMS)]
    return forms


def sweep_forms(client: Client, forms: list[Form]) -> str:
    """Send every form with each bad value; return what went wrong, if anything."""
    problems = []
    for form in forms:
        sent: list[dict[str, str]] = []
        for value in BAD_VALUES:
            data = form.filled_with(value)
            if data in sent:
                continue  # a form without fields to fill: once is enough
            sent.append(data)
            response, nul = send_and_undo(client, "post", form.action, data=data)
            shown = repr(value[:20])
            if response is None:
                problems.append(f"500 POST {form.action} with {shown}:\n{nul[0]}")
            elif response.status_code >= 500:
                problems.append(f"{response.status_code} POST {form.action} with {shown}")
            elif nul:
                problems.append(f"POST {form.action} stored a NUL character in {nul}")
    return "\n".join(problems)


API_BODIES: list[tuple[str, str]] = [
    ("not JSON", "{"),
    ("a list", "[]"),
    ("null", "null"),
    ("a string", '"text"'),
    ("a number", "1e309"),
    ("deeply nested", "[" * 100_000 + "]" * 100_000),
    ("huge", json.dumps({"name": "x" * 200_000, "settings": {"a": "x" * 1000}})),
    ("NUL", json.dumps({"name": NUL, "enabled": NUL, "number": NUL, "settings": {NUL: NUL}})),
    ("wrong types", json.dumps({"name": 1, "enabled": "yes", "number": "one", "settings": []})),
]


def api_writes(estate: Estate) -> Iterator[tuple[str, str]]:
    for endpoint in tenant_endpoints():
        if is_api(endpoint):
            for method in ("post", "put", "patch"):
                yield method, url_for(endpoint, estate)


def test_every_api_write_answers_bad_bodies_without_a_500(estate):
    point_connections_at_a_private_address(estate)
    client = Client(raise_request_exception=True)
    headers = {"Authorization": f"Token {estate.keys['owner']}"}
    problems = []
    for method, url in api_writes(estate):
        for label, body in API_BODIES:
            response, nul = send_and_undo(
                client, method, url, data=body, content_type="application/json", headers=headers
            )
            if response is None:
                problems.append(f"500 {method.upper()} {url} with {label}:\n{nul[0][-1500:]}")
            elif response.status_code >= 500:
                problems.append(f"{response.status_code} {method.upper()} {url} with {label}")
            elif response.status_code == 400 and "error" not in response.json():
                problems.append(f"{method.upper()} {url} with {label}: 400 without error body")
    assert not problems, "\n".join(problems)


PUBLIC_RAW = [
    "/sandbox/feeddex/authenticate",
    "/sandbox/feeddex/v1/products",
    "/sandbox/asperion/connect/token",
    "/sandbox/asperion/v1/articles",
]


def test_public_endpoints_answer_bad_bodies_without_a_500(estate):
    """The sandboxes' emulated APIs and the webhook receiver take bodies from anyone."""
    client = Client(raise_request_exception=True)
    urls = [*PUBLIC_RAW, f"/api/webhooks/feeddex/{estate.mine.endpoint.token}/"]
    problems = []
    for url in urls:
        for label, body in API_BODIES:
            for content_type in ("application/json", "application/x-www-form-urlencoded"):
                response, _nul = send_and_undo(
                    client, "post", url, data=body, content_type=content_type
                )
                if response is None:
                    problems.append(f"500 POST {url} with {label} ({content_type}):\n{_nul[0]}")
                elif response.status_code >= 500:
                    problems.append(f"{response.status_code} POST {url} with {label}")
    assert not problems, "\n".join(problems)


def test_the_feeddex_sandbox_login_answers_a_deeply_nested_body_without_a_500(db):
    body = "[" * 100_000 + "]" * 100_000
    client = Client(raise_request_exception=False)
    response = client.post("/sandbox/feeddex/authenticate", body, "application/json")
    assert response.status_code < 500


def test_a_body_that_is_not_json_is_refused_with_415(estate):
    response = Client().post(
        f"/api/v1/flows/{estate.mine.flow.pk}/settings/",
        "currency=USD",
        content_type="application/x-www-form-urlencoded",
        headers={"Authorization": f"Token {estate.keys['owner']}"},
    )
    assert response.status_code in (405, 415)
