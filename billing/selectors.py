"""Reads of the billing, each for one company."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from billing.models import BillingAccount, BillingEvent, Invoice
from billing.services import price_incl_vat, vat_of
from tenants.models import Plan, PlanStatus, Tenant
from tenants.usage import Usage, usage_of


@dataclass(frozen=True)
class PlanOffer:
    plan: Plan
    vat: Decimal
    price_incl_vat: Decimal
    current: bool
    fits: bool  # this month's records so far fit in the plan's limit


def plan_offers(*, tenant: Tenant, usage: Usage) -> list[PlanOffer]:
    current = tenant.plan_id if tenant.plan_status != PlanStatus.TRIAL else None
    return [
        PlanOffer(
            plan=plan,
            vat=vat_of(plan.price_excl_vat),
            price_incl_vat=price_incl_vat(plan),
            current=plan.pk == current,
            fits=usage.records < plan.records_per_month,
        )
        for plan in Plan.objects.filter(public=True)
    ]


def billing_account_of(*, tenant: Tenant) -> BillingAccount | None:
    return BillingAccount.objects.filter(tenant=tenant).select_related("plan", "next_plan").first()


def invoice_list(*, tenant: Tenant) -> QuerySet[Invoice]:
    return Invoice.objects.filter(tenant=tenant).order_by("-issued_at", "-id")


def event_list(*, tenant: Tenant, limit: int = 20) -> list[BillingEvent]:
    events = BillingEvent.objects.filter(tenant=tenant).select_related("plan").order_by("-id")
    return list(events[:limit])


def usage_for(*, tenant: Tenant) -> Usage:
    return usage_of(tenant=tenant)


def plans_first(tenant: Tenant) -> bool:
    """Whether the dashboard opens on the plans page: the company's flows are paused for want
    of a plan (the trial is over, or the subscription has ended)."""
    return tenant.plan_status == PlanStatus.PAUSED or (
        tenant.plan_status == PlanStatus.TRIAL and not tenant.flows_may_run
    )
