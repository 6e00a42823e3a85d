"""Usage per company and calendar month: metering (written by every page a run saves) and
the records limit of the company's plan.

A run counts the records it created or updated in a target system and the API calls it made
in the same transaction as its page, so the figures never drift from the runs. When the
records reach the plan's limit, the tenant is marked for the month (Tenant.records_wait_month)
and its flows stop starting: new records stay where they are (in the source system, past
the flow's cursor) and are synced as soon as the plan allows, in the next month or at once
after an upgrade. A run under way finishes its current slice first (at most
FLOW_SLICE_SECONDS of writes), so the count can end a little above the limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from tenants.models import Plan, PlanStatus, Tenant, UsageMonth, month_start

# The share of a limit at which the owner is warned.
WARN_AT = 0.8


def usage_add(*, tenant_id: int, records: int, api_calls: int, now: datetime | None = None) -> None:
    """Count what one page of a run did; mark the month when the records limit is reached."""
    if not records and not api_calls:
        return
    month = month_start(now or timezone.now())
    counted = UsageMonth.objects.filter(tenant_id=tenant_id, month=month).update(
        records=F("records") + records, api_calls=F("api_calls") + api_calls
    )
    if not counted:
        _usage_create(tenant_id, month=month, records=records, api_calls=api_calls)
    if records:
        records_limit_check(tenant_id=tenant_id, month=month)


def _usage_create(tenant_id: int, *, month: date, records: int, api_calls: int) -> None:
    try:
        with transaction.atomic():
            UsageMonth.objects.create(
                tenant_id=tenant_id, month=month, records=records, api_calls=api_calls
            )
    except IntegrityError:
        # Another run of the company created the month's row first: add to it.
        UsageMonth.objects.filter(tenant_id=tenant_id, month=month).update(
            records=F("records") + records, api_calls=F("api_calls") + api_calls
        )


def records_limit_check(*, tenant_id: int, month: date) -> bool:
    """Mark the tenant's month as full when its records reach the plan's limit; return
    whether it is full."""
    row = (
        UsageMonth.objects.filter(tenant_id=tenant_id, month=month)
        .values_list("records", "tenant__plan__records_per_month", "tenant__plan_status")
        .first()
    )
    if row is None:
        return False
    records, limit, status = row
    if limit is None or status == PlanStatus.TRIAL or records < limit:
        return False
    Tenant.objects.filter(pk=tenant_id).exclude(records_wait_month=month).update(
        records_wait_month=month
    )
    return True


def records_limit_lift(*, tenant: Tenant, now: datetime | None = None) -> bool:
    """Let records flow again when the plan now allows more than the month used (after an
    upgrade); return whether the company's flows may run again for that reason."""
    month = month_start(now or timezone.now())
    waiting = Tenant.objects.filter(pk=tenant.pk, records_wait_month=month)
    if not waiting.exists() or records_limit_check(tenant_id=tenant.pk, month=month):
        return False
    waiting.update(records_wait_month=None)
    tenant.records_wait_month = None
    return True


@dataclass(frozen=True)
class Usage:
    """One month's usage against the plan's limits (None: no limit)."""

    month: date
    records: int
    api_calls: int
    records_limit: int | None

    @property
    def share(self) -> float | None:
        if not self.records_limit:
            return None
        return self.records / self.records_limit

    @property
    def percent(self) -> int | None:
        share = self.share
        return None if share is None else round(share * 100)

    @property
    def warned(self) -> bool:
        return self.share is not None and self.share >= WARN_AT

    @property
    def full(self) -> bool:
        return self.share is not None and self.share >= 1


def limits_of(tenant: Tenant) -> Plan | None:
    """The plan whose limits apply: none during the trial (the trial is unlimited) or for a
    plan staff activated by hand."""
    return None if tenant.plan_status == PlanStatus.TRIAL else tenant.plan


def usage_of(*, tenant: Tenant, now: datetime | None = None) -> Usage:
    month = month_start(now or timezone.now())
    row = UsageMonth.objects.filter(tenant=tenant, month=month).first()
    plan = limits_of(tenant)
    return Usage(
        month=month,
        records=row.records if row else 0,
        api_calls=row.api_calls if row else 0,
        records_limit=plan.records_per_month if plan else None,
    )


def integrations_allowed(tenant: Tenant) -> int | None:
    """How many integrations the company's plan allows (None: no limit)."""
    plan = limits_of(tenant)
    return plan.max_integrations if plan else None
