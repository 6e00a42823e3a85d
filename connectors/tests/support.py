"""Fixtures and helpers shared by every connector test (imported by each tests/conftest.py).

The sandboxes run on Django's live server (real HTTP). Every request a connector sends is
checked against its contract by a request hook on the one HTTP choke point; a test fails at
teardown if any request did not validate.
"""

from __future__ import annotations

import json
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest
from werkzeug.datastructures import ImmutableMultiDict

from connectors import http
from connectors.base import ApiCall, Connector
from connectors.models import Connection
from connectors.registry import connector_class
from tenants.models import Tenant

CONNECTORS_DIR = Path(__file__).resolve().parents[1]
CONTRACTS = {
    "asperion": (CONNECTORS_DIR / "asperion" / "asperion.openapi.yaml", "https://api.asperion.nl"),
    "feeddex": (CONNECTORS_DIR / "feeddex" / "feeddex.openapi.yaml", "https://api.feeddex.nl"),
}
FAST_LIMIT = {"rate_limit_per_second": 500, "rate_limit_burst": 100}


@cache
def contract(system: str) -> OpenAPI:
    return OpenAPI.from_file_path(str(CONTRACTS[system][0]))


def contract_request(request: httpx.Request) -> tuple[str, MockRequest] | None:
    """Return (system, the request as the contract sees it) for a sandbox request."""
    path = request.url.path
    for system, (_file, host) in CONTRACTS.items():
        prefix = f"/sandbox/{system}"
        if path.startswith(prefix + "/"):
            query = ImmutableMultiDict(
                parse_qsl(request.url.query.decode(), keep_blank_values=True)
            )
            content_type = request.headers.get("content-type", "application/json")
            return system, MockRequest(
                host,
                request.method.lower(),
                path[len(prefix) :],
                args=query,
                headers=dict(request.headers),
                data=request.content or b"",
                content_type=content_type.split(";")[0],
            )
    return None


@dataclass
class ContractCheck:
    checked: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> None:
        found = contract_request(request)
        if found is None:
            return
        system, mock = found
        what = f"{request.method} {mock.path}"
        try:
            with warnings.catch_warnings():
                # openapi-core checks no OAuth2 scheme (it says so once per request).
                warnings.filterwarnings("ignore", "Unsupported scheme type", UserWarning)
                contract(system).validate_request(mock)
        except Exception as error:  # noqa: BLE001 - every kind of mismatch is a failure
            self.failures.append(f"{what}: {error!r} {getattr(error, '__cause__', '')!r}")
        self.checked.append(what)


@pytest.fixture(autouse=True)
def contract_check() -> Iterator[ContractCheck]:
    check = ContractCheck()
    with http.request_hook(check):
        yield check
    assert not check.failures, "requests outside the contract:\n" + "\n".join(check.failures)


@pytest.fixture
def sandbox(live_server: Any, settings: Any, tmp_path: Path) -> str:
    """Serve both sandboxes; the connectors reach them only through the sandbox exemption."""
    settings.ROOT_URLCONF = "connectors.tests.urls"
    settings.SITE_URL = live_server.url
    settings.APICENTER_ALLOW_PRIVATE_URLS = False
    settings.VAR_DIR = tmp_path
    settings.FEEDDEX_SANDBOX_WEBHOOK_DELIVERY = "manual"
    settings.CONNECTOR_RETRY_BASE_DELAY = 0.02
    settings.CONNECTOR_RETRY_MAX_DELAY = 0.2
    return str(live_server.url)


@pytest.fixture
def tenant(transactional_db: None) -> Tenant:
    return Tenant.objects.create(name="Shop", slug=f"shop-{uuid.uuid4().hex[:8]}")


@dataclass
class Calls:
    """Every ApiCall a connector reported."""

    calls: list[ApiCall] = field(default_factory=list)

    def __call__(self, call: ApiCall) -> None:
        self.calls.append(call)

    def statuses(self) -> list[int | None]:
        return [c.status for c in self.calls]

    def count(self, status: int | None) -> int:
        return sum(1 for c in self.calls if c.status == status)

    def text(self) -> str:
        return json.dumps([c.__dict__ for c in self.calls])


def connect(connection: Connection, calls: Calls | None = None) -> Connector:
    connector: Connector = connector_class(connection.system)(connection, on_call=calls)
    return connector
