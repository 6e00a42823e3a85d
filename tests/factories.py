"""Rows for tests, made with the ORM and the services (no HTTP), shared by every test package:
connections with secrets, an integration as the wizard makes it, runs with record logs, and
bare rows for the monitoring tests (an integration without flows, a flow, a run)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from connectors.models import Connection, ConnectionStatus
from connectors.services import connection_create
from flows.models import (
    FINISHED_STATUSES,
    Flow,
    FlowRun,
    Integration,
    RecordLog,
    RunStatus,
    Trigger,
)
from flows.services import integration_create
from tenants.models import Tenant

KINDS = ["products", "stock", "customers", "orders", "review_invitations"]
# The secrets of make_connections: no page, export or answer may show one of them.
SECRET_VALUES = ["cs-very-secret-1", "rt-very-secret-2", "ac-very-secret-3", "pw-very-secret-4"]


def make_connections(tenant: Tenant) -> tuple[Connection, Connection]:
    """An accounting and a shop connection, with secrets, as the wizard saves them."""
    accounting = connection_create(
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
    shop = connection_create(
        tenant=tenant,
        system="feeddex",
        name="Feeddex",
        config={"api_base_url": "https://api.feeddex.nl", "organization": "demo"},
        secrets={"auth_code": SECRET_VALUES[2], "password": SECRET_VALUES[3]},
    )
    return accounting, shop


def make_integration(tenant: Tenant, **fields: Any) -> Integration:
    """The integration as the wizard makes it: every flow with its default mappings."""
    accounting, shop = make_connections(tenant)
    integration = integration_create(tenant=tenant, accounting=accounting, shop=shop)
    if fields:
        Integration.objects.filter(pk=integration.pk).update(**fields)
        integration.refresh_from_db()
    return integration


def add_run(
    flow: Flow,
    *,
    created: int = 0,
    failed: int = 0,
    trigger: str = Trigger.MANUAL,
) -> FlowRun:
    """A finished run of the flow with `created` and `failed` record logs (products)."""
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
    logs = [product_log(run, i, action="created") for i in range(created)]
    logs += [product_log(run, i, action="failed") for i in range(failed)]
    RecordLog.objects.bulk_create(logs)
    return run


def product_log(run: FlowRun, i: int, *, action: str) -> RecordLog:
    """The log of the run's i-th product: written ("created", key SKU-…) or refused by the
    target ("failed", key BAD-…, with the API's reason)."""
    if action == "failed":
        sku = f"BAD-{i:04d}"
        fields: dict[str, Any] = {
            "reason": "ean: the check digit is wrong",
            "source": {"code": sku, "ean": "1234567890123"},
            "payload": {"sku": sku, "ean": "1234567890123"},
            "response": {"message": "invalid", "errors": {"ean": ["the check digit is wrong"]}},
        }
    else:
        sku = f"SKU-{i:04d}"
        product = {"sku": sku, "name": f"Fiets {i}", "price": 10.0}
        fields = {
            "source": {"code": sku, "description": f"Fiets {i}"},
            "payload": product,
            "response": {"id": 1000 + i, **product},
            "target_id": str(1000 + i),
        }
    return RecordLog(
        tenant=run.tenant,
        run=run,
        flow=run.flow,
        entity="product",
        key=sku,
        action=action,
        mapping_version=1,
        **fields,
    )


# ---- bare rows (monitoring: no services, no default mappings) ---------------------------------


def make_connection(tenant: Tenant, system: str, **extra: Any) -> Connection:
    connection = Connection(
        tenant=tenant,
        system=system,
        name=f"{system.title()} of {tenant.name}",
        status=ConnectionStatus.OK,
        **extra,
    )
    connection.secrets = {"password": f"secret-{system}-{tenant.slug}"}
    connection.save()
    return connection


def make_bare_integration(tenant: Tenant, *, live: bool = True) -> Integration:
    """An integration without flows (make_flow adds them one by one)."""
    return Integration.objects.create(
        tenant=tenant,
        live=live,
        accounting=make_connection(tenant, "asperion"),
        shop=make_connection(tenant, "feeddex"),
    )


def make_flow(
    integration: Integration, kind: str = "products", *, interval: int = 15, enabled: bool = True
) -> Flow:
    return Flow.objects.create(
        tenant=integration.tenant,
        integration=integration,
        kind=kind,
        interval_minutes=interval,
        enabled=enabled,
        next_run_at=timezone.now(),
    )


def make_run(
    flow: Flow,
    status: str = RunStatus.SUCCEEDED,
    *,
    read: int = 0,
    failed: int = 0,
    error: str = "",
    trigger: str = Trigger.SCHEDULE,
    at: datetime | None = None,
) -> FlowRun:
    """A run queued, started and (unless queued or running) finished at `at` or now."""
    at = at or timezone.now()
    finished = status in FINISHED_STATUSES
    return FlowRun.objects.create(
        tenant_id=flow.tenant_id,
        flow=flow,
        trigger=trigger,
        status=status,
        read=read,
        failed=failed,
        created=read - failed,
        error=error,
        queued_at=at,
        started_at=None if status == RunStatus.QUEUED else at,
        heartbeat_at=None if status == RunStatus.QUEUED else at,
        finished_at=at if finished else None,
    )


def failed_record(run: FlowRun, key: str, reason: str) -> RecordLog:
    return RecordLog.objects.create(
        tenant_id=run.tenant_id,
        run=run,
        flow=run.flow,
        entity=run.flow.kind,
        key=key,
        action="failed",
        reason=reason,
    )
