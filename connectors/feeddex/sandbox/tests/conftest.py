"""Fixtures of the Feeddex sandbox tests: a sandbox organization served over real HTTP
(Django's live server), a client that checks every exchange against the contract, and a
webhook receiver listening on a real socket.
"""

from __future__ import annotations

import copy
import json
import threading
import uuid
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import jsonschema  # type: ignore[import-untyped]
import pytest
import yaml
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from connectors.feeddex.sandbox import services
from connectors.feeddex.sandbox.models import Account
from connectors.sandboxkit.faults import reset_counters
from connectors.sandboxkit.knobs import Knobs

CONTRACT = Path(__file__).resolve().parents[2] / "feeddex.openapi.yaml"
CONTRACT_HOST = "https://api.feeddex.nl"
PREFIX = "/sandbox/feeddex"
AUTH_CODE = "auth-code-for-tests"
PASSWORD = "password-for-tests-0001"
NO_LIMITS = Knobs(rate_per_second=0)
# Live-server tests flush the database after each test: only these apps' tables, which
# makes the flush several times faster than flushing every app of the project.
LIVE_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "tenants",
    "connectors.feeddex.sandbox",
]
live_db = pytest.mark.django_db(transaction=True, available_apps=LIVE_APPS)


@cache
def openapi() -> OpenAPI:
    return OpenAPI.from_file_path(str(CONTRACT))


@cache
def response_openapi() -> OpenAPI:
    """The contract as responses are held to it: a writeOnly property is not required.

    OpenAPI 3.0 said so; 3.1 leaves readOnly/writeOnly to JSON Schema as annotations, so a
    3.1 validator requires the write-only `secret` of WebhookSubscription in responses too,
    although the sandbox (rightly) never shows a secret back.
    """
    spec = copy.deepcopy(contract())
    for schema in spec["components"]["schemas"].values():
        write_only = {
            name for name, prop in schema.get("properties", {}).items() if prop.get("writeOnly")
        }
        if write_only and "required" in schema:
            schema["required"] = [name for name in schema["required"] if name not in write_only]
    return OpenAPI.from_dict(spec)


@cache
def contract() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(CONTRACT.read_text())
    return loaded


def declared_statuses(method: str, template: str) -> set[str]:
    operation = contract()["paths"][template].get(method.lower(), {})
    return set(operation.get("responses", {}))


def is_declared(method: str, template: str, status: int) -> bool:
    declared = declared_statuses(method, template)
    return str(status) in declared or f"{str(status)[0]}XX" in declared


def check_error_body(content: bytes) -> dict[str, Any]:
    """Validate against the contract's Error schema (for statuses the contract leaves out)."""
    body: dict[str, Any] = json.loads(content)
    jsonschema.validate(body, contract()["components"]["schemas"]["Error"])
    return body


@dataclass
class Exchange:
    """One request and its response, as seen by a client of the contract."""

    response: httpx.Response
    template: str

    @property
    def status(self) -> int:
        return self.response.status_code

    def json(self) -> Any:
        return self.response.json()


@dataclass
class Api:
    base_url: str
    token: str | None = None
    undeclared: list[tuple[str, str, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.base_url + PREFIX, timeout=10)

    def login(self, organization: str, auth_code: str = AUTH_CODE, password: str = PASSWORD) -> str:
        body = {"authCode": auth_code, "organization": organization, "password": password}
        exchange = self.call("POST", "/authenticate", json_body=body, token=None)
        assert exchange.status == 200, exchange.response.text
        self.token = exchange.json()["token"]
        return str(self.token)

    def call(
        self,
        method: str,
        path: str,
        *,
        template: str | None = None,
        json_body: Any = None,
        params: dict[str, Any] | None = None,
        token: str | None = "default",
        valid_request: bool = True,
        timeout: float | None = None,
    ) -> Exchange:
        """Send the request; check it (unless meant to be invalid) and the answer."""
        headers = {}
        bearer = self.token if token == "default" else token
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        content = json.dumps(json_body).encode() if json_body is not None else None
        if content is not None:
            headers["Content-Type"] = "application/json"
        response = self.http.request(
            method,
            path,
            content=content,
            params=params,
            headers=headers,
            timeout=timeout if timeout is not None else 10,
        )
        exchange = Exchange(response, template or path)
        self._validate(method, path, exchange, content, params, headers, valid_request)
        return exchange

    def _validate(
        self,
        method: str,
        path: str,
        exchange: Exchange,
        content: bytes | None,
        params: dict[str, Any] | None,
        headers: dict[str, str],
        valid_request: bool,
    ) -> None:
        request = MockRequest(
            CONTRACT_HOST,
            method.lower(),
            path,
            args=params or {},
            headers=headers,
            data=content or b"",
        )
        if valid_request:
            openapi().validate_request(request)
        response = exchange.response
        if not is_declared(method, exchange.template, response.status_code):
            self.undeclared.append((method, exchange.template, response.status_code))
            check_error_body(response.content)
            return
        content_type = response.headers.get("Content-Type", "application/json")
        response_openapi().validate_response(
            request,
            MockResponse(
                response.content,
                status_code=response.status_code,
                headers=dict(response.headers),
                content_type=content_type,
            ),
        )


def make_account(knobs: Knobs = NO_LIMITS, **extra: Any) -> Account:
    return services.account_create(
        organization=f"org-{uuid.uuid4().hex[:10]}",
        auth_code=AUTH_CODE,
        password=PASSWORD,
        knobs=knobs,
        **extra,
    )


@pytest.fixture(autouse=True)
def _sandbox_settings(settings):
    settings.ROOT_URLCONF = "connectors.feeddex.sandbox.tests.urls"
    settings.FEEDDEX_SANDBOX_WEBHOOK_DELIVERY = "manual"
    settings.APICENTER_ALLOW_PRIVATE_URLS = True


@pytest.fixture
def account(transactional_db):
    made = make_account()
    yield made
    reset_counters(made.scope)


@pytest.fixture
def api(live_server, account):
    client = Api(live_server.url)
    client.login(account.organization)
    yield client
    client.http.close()


@pytest.fixture
def other_api(live_server, transactional_db):
    """A second organization: its rows must stay invisible to the first."""
    other = make_account()
    client = Api(live_server.url)
    client.login(other.organization)
    yield client
    client.http.close()


# ---- a webhook receiver on a real socket ---------------------------------------------------


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


class Receiver:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                length = int(self.headers.get("Content-Length", 0))
                receiver.received.append(Received(dict(self.headers), self.rfile.read(length)))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/feeddex"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()
