"""Reads for flows, runs and the activity log; every one takes the tenant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from connectors.models import Connection
from flows.models import Flow, FlowRun, Integration, RecordLog
from tenants.models import Tenant


def flow_list(*, tenant: Tenant, integration: Integration | None = None) -> QuerySet[Flow]:
    """The company's flows, or one integration's."""
    flows = Flow.objects.filter(tenant=tenant).select_related("integration").order_by("id")
    return flows.filter(integration=integration) if integration is not None else flows


def run_list(*, tenant: Tenant, flow_id: int | None = None) -> QuerySet[FlowRun]:
    runs = FlowRun.objects.filter(tenant=tenant).select_related("flow").order_by("-id")
    return runs.filter(flow_id=flow_id) if flow_id else runs


@dataclass
class RecordFilters:
    integration_id: int | None = None
    flow_id: int | None = None
    run_id: int | None = None
    action: str | None = None
    run_status: str | None = None
    search: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def record_log_query(*, tenant: Tenant, filters: RecordFilters) -> QuerySet[RecordLog]:
    logs = RecordLog.objects.filter(tenant=tenant)
    exact: dict[str, Any] = {
        "flow__integration_id": filters.integration_id,
        "flow_id": filters.flow_id,
        "run_id": filters.run_id,
        "action": filters.action,
        "run__status": filters.run_status,
    }
    logs = logs.filter(**{k: v for k, v in exact.items() if v})
    if filters.search:
        # Keys are SKUs, emails and order numbers: a prefix match can use the (tenant, key) index.
        logs = logs.filter(Q(key__istartswith=filters.search) | Q(target_id=filters.search))
    if filters.since:
        logs = logs.filter(created_at__gte=filters.since)
    if filters.until:
        logs = logs.filter(created_at__lt=filters.until)
    return logs.order_by("-id")


def record_log_page(
    *, tenant: Tenant, filters: RecordFilters, before_id: int | None = None, size: int = 50
) -> tuple[list[RecordLog], int | None]:
    """Return one page of the activity log and the id to continue before.

    Keyset pagination (WHERE id < last seen) stays fast at millions of rows, where an
    OFFSET would scan every skipped row.
    """
    # The run comes along: a dry run's records say "would create" (one query, not one each).
    logs = record_log_query(tenant=tenant, filters=filters).select_related("flow", "run")
    if before_id is not None:
        logs = logs.filter(id__lt=before_id)
    heavy = ("source", "payload", "response", "diff", "run__params", "run__position")
    rows = list(logs.defer(*heavy)[: size + 1])
    next_before = rows[size - 1].pk if len(rows) > size else None
    return rows[:size], next_before


def integration_for(*, tenant: Tenant) -> Integration | None:
    return Integration.objects.filter(tenant=tenant).order_by("id").first()


def connection_in_use(*, connection: Connection) -> bool:
    used = Integration.objects.filter(tenant_id=connection.tenant_id)
    return used.filter(Q(accounting=connection) | Q(shop=connection)).exists()


def flow_settings_problem(*, flow: Flow) -> str | None:
    """What keeps the flow's stored settings from working (our own check, run before every
    run and before going live), in English; None when they can run."""
    from flows.registry import flow_definition
    from flows.settings_schemas import SettingsInvalid, parse_settings

    try:
        parsed = parse_settings(flow.kind, flow.settings)
    except SettingsInvalid as invalid:
        return str(invalid)
    return flow_definition(flow.kind).settings_problem(parsed)
