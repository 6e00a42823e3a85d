"""Fixtures of the API tests: a token per member, and a tenant with an integration, runs and
record logs built with the ORM (so a test needs no sandbox)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from connectors.models import Connection
from connectors.services import connection_create
from flows.models import Flow, FlowRun, Integration, RecordLog, RunStatus, Trigger
from tenants.models import Tenant, User
from tenants.services import api_token_create

KINDS = ["products", "stock", "customers", "orders", "review_invitations"]
SECRET_VALUES = ["cs-very-secret-1", "rt-very-secret-2", "ac-very-secret-3", "pw-very-secret-4"]


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


def make_connections(tenant: Tenant) -> tuple[Connection, Connection]:
    asperion = connection_create(
        tenant=tenant,
        system="asperion",
        name="Asperion",
        config={
            "api_base_url": "https://api.asperion.nl",
            "client_id": "c1",
            "administration_id": 1,
        },
        secrets={"client_secret": SECRET_VALUES[0], "refresh_token": SECRET_VALUES[1]},
    )
    feeddex = connection_create(
        tenant=tenant,
        system="feeddex",
        name="Feeddex",
        config={"api_base_url": "https://api.feeddex.nl", "organization": "demo"},
        secrets={"auth_code": SECRET_VALUES[2], "password": SECRET_VALUES[3]},
    )
    return asperion, feeddex


def make_integration(tenant: Tenant) -> Integration:
    asperion, feeddex = make_connections(tenant)
    integration = Integration.objects.create(tenant=tenant, accounting=asperion, shop=feeddex)
    for kind in KINDS:
        Flow.objects.create(tenant=tenant, integration=integration, kind=kind)
    return integration


def add_run(
    flow: Flow, *, created: int = 0, failed: int = 0, trigger: str = Trigger.MANUAL
) -> FlowRun:
    now = timezone.now()
    run = FlowRun.objects.create(
        tenant=flow.tenant,
        flow=flow,
        trigger=trigger,
        status=RunStatus.SUCCEEDED,
        read=created + failed,
        created=created,
        failed=failed,
        api_calls=created + failed + 1,
        started_at=now - timedelta(seconds=3),
        finished_at=now,
        mapping_version=1,
    )
    logs = [
        RecordLog(
            tenant=flow.tenant,
            run=run,
            flow=flow,
            entity="product",
            key=f"SKU-{i:04d}",
            action="created",
            source={"code": f"SKU-{i:04d}"},
            payload={"sku": f"SKU-{i:04d}", "price": 10.0},
            response={"id": 1000 + i},
            target_id=str(1000 + i),
            mapping_version=1,
        )
        for i in range(created)
    ] + [
        RecordLog(
            tenant=flow.tenant,
            run=run,
            flow=flow,
            entity="product",
            key=f"BAD-{i:04d}",
            action="failed",
            reason="ean: the check digit is wrong",
            source={"code": f"BAD-{i:04d}", "ean": "1234567890123"},
            payload={"sku": f"BAD-{i:04d}"},
            response={"errors": {"ean": ["check digit"]}},
            mapping_version=1,
        )
        for i in range(failed)
    ]
    RecordLog.objects.bulk_create(logs)
    return run


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
