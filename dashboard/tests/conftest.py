"""Fixtures of the dashboard tests: an integration with its five flows, runs and record logs.

They are built with the ORM (no HTTP) so that a view test needs no sandbox; the wizard and
end-to-end tests use the real sandboxes over HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from connectors.models import Connection
from connectors.services import connection_create
from flows.models import Flow, FlowRun, Integration, RecordLog, RunStatus, Trigger
from tenants.models import Tenant

KINDS = ["products", "stock", "customers", "orders", "review_invitations"]


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def make_connections(tenant: Tenant) -> tuple[Connection, Connection]:
    asperion = connection_create(
        tenant=tenant,
        system="asperion",
        name="Asperion",
        config={"api_base_url": "https://api.asperion.nl", "administration_id": 1},
        secrets={"client_secret": "cs-very-secret-1", "refresh_token": "rt-very-secret-2"},
    )
    feeddex = connection_create(
        tenant=tenant,
        system="feeddex",
        name="Feeddex",
        config={"api_base_url": "https://api.feeddex.nl", "organization": "demo"},
        secrets={"auth_code": "ac-very-secret-3", "password": "pw-very-secret-4"},
    )
    return asperion, feeddex


def make_integration(tenant: Tenant) -> Integration:
    """The integration as the wizard makes it: five flows with their default mappings."""
    from flows.services import integration_create

    asperion, feeddex = make_connections(tenant)
    return integration_create(tenant=tenant, accounting=asperion, shop=feeddex)


@dataclass
class Scene:
    integration: Integration
    products: Flow
    run: FlowRun
    created: RecordLog
    failed: RecordLog
    other_integration: Integration
    other_record: RecordLog


def add_run(flow: Flow, *, records: int = 0, failed: int = 0, trigger: str = Trigger.MANUAL):
    now = timezone.now()
    run = FlowRun.objects.create(
        tenant=flow.tenant,
        flow=flow,
        trigger=trigger,
        status=RunStatus.SUCCEEDED,
        read=records + failed,
        created=records,
        failed=failed,
        api_calls=records + failed + 1,
        started_at=now - timedelta(seconds=3),
        finished_at=now,
        mapping_version=1,
    )
    logs = []
    for i in range(records):
        logs.append(
            RecordLog(
                tenant=flow.tenant,
                run=run,
                flow=flow,
                entity="product",
                key=f"SKU-{i:04d}",
                action="created",
                source={"code": f"SKU-{i:04d}", "description": f"Fiets {i}"},
                payload={"sku": f"SKU-{i:04d}", "name": f"Fiets {i}", "price": 10.0},
                response={
                    "id": 1000 + i,
                    "sku": f"SKU-{i:04d}",
                    "name": f"Fiets {i}",
                    "price": 10.0,
                },
                target_id=str(1000 + i),
                mapping_version=1,
            )
        )
    for i in range(failed):
        logs.append(
            RecordLog(
                tenant=flow.tenant,
                run=run,
                flow=flow,
                entity="product",
                key=f"BAD-{i:04d}",
                action="failed",
                reason="ean: the check digit is wrong",
                source={"code": f"BAD-{i:04d}", "ean": "1234567890123"},
                payload={"sku": f"BAD-{i:04d}", "ean": "1234567890123"},
                response={"message": "invalid", "errors": {"ean": ["the check digit is wrong"]}},
                mapping_version=1,
            )
        )
    RecordLog.objects.bulk_create(logs)
    return run


@pytest.fixture
def scene(world) -> Scene:
    integration = make_integration(world.tenant)
    products = integration.flows.get(kind="products")
    run = add_run(products, records=3, failed=2)
    other = make_integration(world.other_tenant)
    other_run = add_run(other.flows.get(kind="products"), records=1)
    return Scene(
        integration=integration,
        products=products,
        run=run,
        created=run.records.filter(action="created").order_by("id").first(),
        failed=run.records.filter(action="failed").order_by("id").first(),
        other_integration=other,
        other_record=other_run.records.get(),
    )
