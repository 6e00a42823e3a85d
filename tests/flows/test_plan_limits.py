"""At a plan's records limit, new orders wait at Feeddex instead of being lost: no run books
them, and after an upgrade (or in the next month) every one is booked, once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from flows import services
from flows.models import LedgerEntry, RunStatus
from tenants.models import Plan, PlanStatus, Tenant, UsageMonth, month_start
from tenants.usage import records_limit_lift, usage_add
from tests.flows.conftest import Synced, article_codes, assert_succeeded, place, sales_orders


def on_plan(shop: Synced, records: int) -> Plan:
    plan = Plan.objects.create(
        slug=f"limit-{records}",
        name=f"Limit {records}",
        price_excl_vat=Decimal("10.00"),
        max_integrations=1,
        records_per_month=records,
        log_retention_days=30,
    )
    shop.tenant.plan, shop.tenant.plan_status = plan, PlanStatus.ACTIVE
    shop.tenant.save(update_fields=["plan", "plan_status"])
    return plan


def test_orders_wait_at_the_limit_and_are_booked_after_an_upgrade(shop):
    on_plan(shop, records=3)
    usage_add(tenant_id=shop.tenant.pk, records=3, api_calls=0)
    orders = [
        place(shop, email=f"wacht{i}@example.nl", skus=article_codes(shop, 1)) for i in range(3)
    ]
    flow = shop.configure("orders")
    flow.enabled, flow.next_run_at = True, timezone.now() - timedelta(minutes=1)
    flow.save(update_fields=["enabled", "next_run_at"])

    waiting = shop.run("orders")

    assert waiting.status == RunStatus.CANCELLED
    assert "records limit" in waiting.error
    assert not sales_orders(shop).exists()
    # The scheduler starts no runs meanwhile (so no run fails or alarms about it).
    assert services.schedule_due_flows() == 0
    for order in orders:
        order.refresh_from_db()
        assert not order.external_reference

    # An upgrade: the same month, a larger limit; the orders go through at once.
    shop.tenant.plan = on_plan(shop, records=1000)
    assert records_limit_lift(tenant=shop.tenant)
    booked = shop.run("orders")

    assert_succeeded(booked)
    assert booked.created == 3
    assert sales_orders(shop).count() == 3
    for order in orders:
        order.refresh_from_db()
        assert order.external_reference
    # Counted once each, and never booked twice.
    assert_succeeded(shop.run("orders"))
    assert sales_orders(shop).count() == 3
    assert LedgerEntry.objects.filter(flow=flow, target_id__gt="").count() >= 3
    assert UsageMonth.objects.get(tenant=shop.tenant).records >= 6


def test_orders_waiting_at_the_limit_are_booked_next_month(shop):
    on_plan(shop, records=1)
    usage_add(tenant_id=shop.tenant.pk, records=1, api_calls=0)
    place(shop, email="volgende@example.nl", skus=article_codes(shop, 1))
    shop.configure("orders")
    assert shop.run("orders").status == RunStatus.CANCELLED

    # The month is over (moved back rather than the clock forward, which would expire the
    # sandbox logins): the limit is the plan's again, and the waiting order is booked.
    last_month = (month_start(timezone.now()) - timedelta(days=1)).replace(day=1)
    UsageMonth.objects.filter(tenant=shop.tenant).update(month=last_month)
    Tenant.objects.filter(pk=shop.tenant.pk).update(records_wait_month=last_month)
    run = shop.run("orders")
    assert_succeeded(run)
    assert run.created == 1
    assert sales_orders(shop).count() == 1
