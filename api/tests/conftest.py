"""Fixtures of the API tests: a token per member, and a tenant with an integration, runs and
record logs built with the ORM (so a test needs no sandbox)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from flows.models import Flow, FlowRun, Integration, RecordLog
from tenants.models import Tenant, User
from tenants.services import api_token_create
from tests.factories import add_run, make_integration


@pytest.fixture(autouse=True)
def _api_only_urls(settings: Any) -> None:
    # The API's own URLs: a test of the API must not fail for another app's URL module.
    settings.ROOT_URLCONF = "api.tests.urls"


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


class Caller:
    """An API client that sends one member's token and JSON bodies."""

    def __init__(self, key: str | None) -> None:
        self.client = Client()
        self.key = key

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Token {self.key}"} if self.key else {}

    def get(self, url: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(url, params or {}, headers=self.headers())

    def send(self, method: str, url: str, body: Any = None) -> Any:
        data = json.dumps(body) if body is not None else ""
        call = getattr(self.client, method)
        return call(url, data, content_type="application/json", headers=self.headers())

    def post(self, url: str, body: Any = None) -> Any:
        return self.send("post", url, body)

    def put(self, url: str, body: Any = None) -> Any:
        return self.send("put", url, body)

    def delete(self, url: str) -> Any:
        return self.send("delete", url)


@dataclass
class Callers:
    owner: Caller
    viewer: Caller
    outsider: Caller


def caller_for(user: User, tenant: Tenant) -> Caller:
    _token, key = api_token_create(user=user, tenant=tenant, name="tests")
    return Caller(key)


@pytest.fixture
def api(world) -> Callers:
    return Callers(
        owner=caller_for(world.owner, world.tenant),
        viewer=caller_for(world.viewer, world.tenant),
        outsider=caller_for(world.outsider, world.other_tenant),
    )


@dataclass
class Scene:
    integration: Integration
    products: Flow
    orders: Flow
    run: FlowRun
    created: RecordLog
    failed: RecordLog
    other_integration: Integration
    other_run: FlowRun


@pytest.fixture
def scene(world) -> Scene:
    integration = make_integration(world.tenant)
    products = integration.flows.get(kind="products")
    run = add_run(products, created=3, failed=2)
    other = make_integration(world.other_tenant)
    other_run = add_run(other.flows.get(kind="products"), created=1)
    return Scene(
        integration=integration,
        products=products,
        orders=integration.flows.get(kind="orders"),
        run=run,
        created=run.records.filter(action="created").order_by("id")[0],
        failed=run.records.filter(action="failed").order_by("id")[0],
        other_integration=other,
        other_run=other_run,
    )


def error_of(response: Any) -> Any:
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    return body["error"]
