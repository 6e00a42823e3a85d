"""Rows for monitoring tests, made directly (the flows' own services need live connectors)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from connectors.models import Connection, ConnectionStatus
from flows.models import (
    FINISHED_STATUSES,
    Flow,
    FlowRun,
    Integration,
    RecordLog,
    RunStatus,
    Trigger,
)
from tenants.models import Tenant


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


def make_integration(tenant: Tenant, *, live: bool = True) -> Integration:
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
