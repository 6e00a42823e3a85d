"""Usage per month and the records limit of a plan: flows wait at the limit, not past it."""

from __future__ import annotations

import importlib
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from tenants.models import Plan, PlanStatus, Tenant, UsageMonth
from tenants.usage import records_limit_lift, usage_add, usage_of

pytestmark = pytest.mark.django_db

MID_MAY = timezone.make_aware(datetime(2030, 5, 15, 12, 0))


def small_plan(records: int = 10) -> Plan:
    return Plan.objects.create(
        slug=f"small-{records}",
        name="Small",
        price_excl_vat=Decimal("9.00"),
        max_integrations=1,
        records_per_month=records,
        log_retention_days=7,
    )


def subscribe(tenant: Tenant, plan: Plan) -> Tenant:
    tenant.plan, tenant.plan_status = plan, PlanStatus.ACTIVE
    tenant.save(update_fields=["plan", "plan_status"])
    return tenant


def test_the_data_migration_makes_three_plans():
    # Run again here: a transactional test elsewhere may have flushed the migrated rows.
    Plan.objects.all().delete()
    importlib.import_module("tenants.migrations.0003_default_plans").create_plans(apps, None)
    plans = list(Plan.objects.filter(public=True).values_list("slug", "price_excl_vat"))
    assert plans == [
        ("starter", Decimal("29.00")),
        ("business", Decimal("79.00")),
        ("enterprise", Decimal("199.00")),
    ]


def test_usage_is_counted_per_month(world):
    usage_add(tenant_id=world.tenant.pk, records=3, api_calls=5, now=MID_MAY)
    usage_add(tenant_id=world.tenant.pk, records=2, api_calls=1, now=MID_MAY)
    usage_add(tenant_id=world.tenant.pk, records=7, api_calls=0, now=MID_MAY + timedelta(days=20))
    usage_add(tenant_id=world.other_tenant.pk, records=1, api_calls=1, now=MID_MAY)
    rows = UsageMonth.objects.filter(tenant=world.tenant).order_by("month")
    assert [(r.month.month, r.records, r.api_calls) for r in rows] == [(5, 5, 6), (6, 7, 0)]


def test_the_trial_has_no_records_limit(world):
    usage_add(tenant_id=world.tenant.pk, records=10**6, api_calls=0)
    world.tenant.refresh_from_db()
    assert world.tenant.flows_may_run
    assert usage_of(tenant=world.tenant).records_limit is None


def test_at_the_limit_flows_wait_until_next_month(world):
    tenant = subscribe(world.tenant, small_plan(10))
    with time_machine.travel(MID_MAY, tick=False) as clock:
        usage_add(tenant_id=tenant.pk, records=8, api_calls=0)
        tenant.refresh_from_db()
        assert usage_of(tenant=tenant).warned
        assert tenant.flows_may_run
        usage_add(tenant_id=tenant.pk, records=2, api_calls=0)
        tenant.refresh_from_db()
        assert not tenant.flows_may_run
        assert "records limit" in tenant.pause_reason
        assert usage_of(tenant=tenant).full
        # The other company is not held up by this one's limit.
        assert Tenant.objects.get(pk=world.other_tenant.pk).records_wait_month is None

        clock.move_to(MID_MAY + timedelta(days=20))
        tenant.refresh_from_db()
        assert tenant.flows_may_run
        assert usage_of(tenant=tenant).records == 0


def test_an_upgrade_lifts_the_wait_at_once(world):
    tenant = subscribe(world.tenant, small_plan(10))
    usage_add(tenant_id=tenant.pk, records=10, api_calls=0)
    tenant.refresh_from_db()
    assert not tenant.flows_may_run
    assert not records_limit_lift(tenant=tenant)  # the same plan allows no more

    subscribe(tenant, small_plan(100))
    assert records_limit_lift(tenant=tenant)
    tenant.refresh_from_db()
    assert tenant.flows_may_run


def test_a_cancelled_plan_runs_until_its_end(world):
    tenant = subscribe(world.tenant, small_plan())
    tenant.plan_ends_at = timezone.now() + timedelta(days=3)
    tenant.save(update_fields=["plan_ends_at"])
    assert tenant.flows_may_run
    with time_machine.travel(timezone.now() + timedelta(days=3, seconds=1)):
        assert not tenant.flows_may_run
        assert "subscription has ended" in tenant.pause_reason


def test_activate_plan_command_takes_a_plan(world):
    plan = small_plan()
    call_command("activate_plan", world.tenant.slug, "--plan", plan.slug, stdout=None)
    world.tenant.refresh_from_db()
    assert world.tenant.plan_status == PlanStatus.ACTIVE
    assert world.tenant.plan == plan
