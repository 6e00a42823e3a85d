"""Several integrations per company: each is added within the plan, and removed with what
is its own (flows, runs, record logs, mappings, connections) while the others stay whole."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connectors.models import Connection
from flows.models import Flow, FlowRun, Integration, RecordLog
from flows.services import IntegrationRefused, integration_add, integration_remove
from mapping.models import Mapping
from tenants.models import Plan, PlanStatus
from tests.factories import add_run, make_connections, make_integration

pytestmark = pytest.mark.django_db


def test_a_company_adds_a_second_integration_with_its_own_flows_and_mappings(world):
    first = make_integration(world.tenant)
    accounting, shop = make_connections(world.tenant)
    second = integration_add(
        tenant=world.tenant, accounting=accounting, shop=shop, name="Second shop"
    )
    assert list(world.tenant.integrations.order_by("id")) == [first, second]
    assert second.flows.count() == first.flows.count() == 5
    mine = set(second.flows.values_list("mapping_id", flat=True))
    assert mine.isdisjoint(first.flows.values_list("mapping_id", flat=True))
    with pytest.raises(IntegrationRefused, match="already have an integration"):
        integration_add(tenant=world.tenant, accounting=accounting, shop=shop)


def test_the_plan_caps_the_number_of_integrations(world):
    plan = Plan.objects.create(
        slug="one",
        name="One",
        price_excl_vat=Decimal("10.00"),
        max_integrations=1,
        records_per_month=1000,
        log_retention_days=30,
    )
    world.tenant.plan, world.tenant.plan_status = plan, PlanStatus.ACTIVE
    world.tenant.save(update_fields=["plan", "plan_status"])
    make_integration(world.tenant)
    accounting, shop = make_connections(world.tenant)
    with pytest.raises(IntegrationRefused, match="allows 1 integration"):
        integration_add(tenant=world.tenant, accounting=accounting, shop=shop)
    assert world.tenant.integrations.count() == 1


def test_removing_an_integration_removes_what_is_its_own_only(world):
    keep = make_integration(world.tenant)
    gone = make_integration(world.tenant)
    add_run(keep.flows.get(kind="products"), created=2)
    add_run(gone.flows.get(kind="products"), created=3, failed=1)
    gone_mappings = set(gone.flows.values_list("mapping_id", flat=True)) - {None}
    gone_connections = {gone.accounting_id, gone.shop_id}
    integration_remove(integration=gone)
    assert list(Integration.objects.filter(tenant=world.tenant)) == [keep]
    assert not Flow.objects.filter(integration_id=gone.pk).exists()
    assert FlowRun.objects.filter(tenant=world.tenant).count() == 1
    assert RecordLog.objects.filter(tenant=world.tenant).count() == 2
    assert not Mapping.objects.filter(pk__in=gone_mappings).exists()
    assert not Connection.objects.filter(pk__in=gone_connections).exists()
    assert keep.flows.count() == 5
    assert all(flow.mapping_id for flow in keep.flows.all())
    assert Connection.objects.filter(pk__in={keep.accounting_id, keep.shop_id}).count() == 2


def test_a_connection_another_integration_uses_stays(world):
    first = make_integration(world.tenant)
    _, other_shop = make_connections(world.tenant)
    second = integration_add(tenant=world.tenant, accounting=first.accounting, shop=other_shop)
    integration_remove(integration=second)
    assert Connection.objects.filter(pk=first.accounting_id).exists()
    assert not Connection.objects.filter(pk=other_shop.pk).exists()
