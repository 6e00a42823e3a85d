"""Account deletion (everything of a tenant goes) and the configuration export.

Deletion has two halves. At once, in the request: the flows stop and the members lose
access (users with no other company are deleted). Then a task deletes the data in batches
of at most 1,000 rows, since a tenant may have millions of log rows that one request or one
transaction should not hold; the connections, whose secrets are encrypted, go last with
the tenant row itself. A TenantDeletion row marks the work as pending until then.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

from connectors.models import Connection
from flows.models import ApiCallLog, Flow, FlowRun, Integration, LedgerEntry, RecordLog
from monitoring.models import MonitoringSettings, TenantDeletion
from monitoring.purge import MAX_BATCH
from tenants.models import Membership, Tenant, User

logger = logging.getLogger(__name__)


@transaction.atomic
def tenant_delete_request(*, tenant: Tenant) -> None:
    """Stop the tenant's flows, remove its members, and queue the deletion of its data."""
    TenantDeletion.objects.get_or_create(tenant=tenant)
    Integration.objects.filter(tenant=tenant).update(live=False)
    Flow.objects.filter(tenant=tenant).update(enabled=False, next_run_at=None)
    member_ids = list(Membership.objects.filter(tenant=tenant).values_list("user_id", flat=True))
    Membership.objects.filter(tenant=tenant).delete()
    users_without_tenant(member_ids).delete()
    tenant_id = tenant.pk
    transaction.on_commit(lambda: queue_tenant_delete(tenant_id))
    logger.info("deletion of tenant %s requested", tenant_id)


def users_without_tenant(user_ids: list[int]) -> QuerySet[User]:
    """Users left with no company; staff accounts stay (they run the platform)."""
    return User.objects.filter(pk__in=user_ids, is_staff=False, memberships__isnull=True)


def queue_tenant_delete(tenant_id: int) -> None:
    from monitoring.tasks import tenant_delete_task

    tenant_delete_task.delay(tenant_id)


def _batches(queryset: QuerySet[Any], size: int) -> int:
    """Delete the queryset's rows in batches by id; return how many went."""
    model = queryset.model
    deleted = 0
    while ids := list(queryset.order_by("id").values_list("id", flat=True)[:size]):
        model._default_manager.filter(pk__in=ids).delete()
        deleted += len(ids)
    return deleted


def bulk_tables(tenant_id: int) -> list[Callable[[], QuerySet[Any]]]:
    """The tenant's large tables, children before parents, so no cascade gets big."""
    return [
        lambda: ApiCallLog.objects.filter(run__tenant_id=tenant_id),
        lambda: RecordLog.objects.filter(tenant_id=tenant_id),
        lambda: LedgerEntry.objects.filter(tenant_id=tenant_id),
        lambda: FlowRun.objects.filter(tenant_id=tenant_id),
    ]


def tenant_delete(*, tenant_id: int, batch_size: int = MAX_BATCH) -> bool:
    """Delete every row of the tenant. Return False if it was gone already."""
    if not Tenant.objects.filter(pk=tenant_id).exists():
        return False
    size = max(1, min(batch_size, MAX_BATCH))
    for table in bulk_tables(tenant_id):
        _batches(table(), size)
    with transaction.atomic():
        # Integrations protect their connections: they go first, then the connections
        # (and with them the encrypted secrets), then the tenant and what cascades from it.
        Flow.objects.filter(tenant_id=tenant_id).update(running_run=None)
        Integration.objects.filter(tenant_id=tenant_id).delete()
        Connection.objects.filter(tenant_id=tenant_id).delete()
        Tenant.objects.filter(pk=tenant_id).delete()
    logger.info("tenant %s deleted", tenant_id)
    return True


def pending_deletions(*, older_than_minutes: int = 10) -> list[int]:
    """Deletions whose task seems lost (the purge task finishes them)."""
    since = timezone.now() - timedelta(minutes=older_than_minutes)
    rows = TenantDeletion.objects.filter(requested_at__lt=since)
    return list(rows.values_list("tenant_id", flat=True))


# ---- export ----------------------------------------------------------------------------------


def _fields(row: Model, names: list[str]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in names}


def _mapping_of(flow: Flow) -> dict[str, Any] | None:
    """The flow's mapping, if the mapping app provides one (read generically)."""
    mapping = getattr(flow, "mapping", None)
    if mapping is None or not apps.is_installed("mapping"):
        return None
    data = {
        field.name: getattr(mapping, field.attname)
        for field in mapping._meta.concrete_fields
        if field.name not in ("id", "tenant")
    }
    return {key: value for key, value in data.items() if _is_json(value)}


def _is_json(value: Any) -> bool:
    return isinstance(value, str | int | float | bool | list | dict) or value is None


def tenant_export(*, tenant: Tenant) -> dict[str, Any]:
    """Return the tenant's configuration as JSON-ready data: no secrets, no logs."""
    settings = MonitoringSettings.objects.filter(tenant=tenant).first()
    return {
        "format": "apicenter-configuration/1",
        "exported_at": timezone.now().isoformat(),
        "company": {"name": tenant.name, "slug": tenant.slug, "plan_status": tenant.plan_status},
        "members": [
            {"email": m.user.email, "role": m.role}
            for m in Membership.objects.filter(tenant=tenant).select_related("user").order_by("id")
        ],
        "connections": [
            _fields(c, ["id", "system", "name", "config", "status"])
            for c in Connection.objects.filter(tenant=tenant).order_by("id")
        ],
        "integrations": [
            export_integration(i) for i in Integration.objects.filter(tenant=tenant).order_by("id")
        ],
        "monitoring": export_monitoring(settings),
    }


def export_integration(integration: Integration) -> dict[str, Any]:
    flows = integration.flows.order_by("id")
    return {
        **_fields(integration, ["name", "live", "customer_defaults"]),
        "asperion_connection": integration.accounting_id,
        "feeddex_connection": integration.shop_id,
        "flows": [
            {
                **_fields(f, ["kind", "enabled", "interval_minutes", "settings"]),
                "mapping": _mapping_of(f),
            }
            for f in flows
        ],
    }


def export_monitoring(settings: MonitoringSettings | None) -> dict[str, Any]:
    settings = settings or MonitoringSettings()
    names = [
        "failure_threshold_count",
        "failure_threshold_percent",
        "silence_multiple",
        "stuck_run_minutes",
        "no_orders_hours",
        "payload_retention_days",
        "metadata_retention_days",
        "mask_personal_data",
    ]
    data = _fields(settings, names)
    data["recipients"] = (
        [u.email for u in settings.recipients.order_by("email")] if settings.pk else []
    )
    return data
