"""Several integrations per company in the dashboard: the list, the switcher, one more set
up through the wizard (new connections, the others' untouched), removal, and the plan's cap;
owner, viewer and outsider."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from connectors.models import Connection
from dashboard.models import WizardState
from dashboard.tests.test_wizard import sandboxes as sandboxes  # noqa: F401 - the fixture
from flows.models import Integration
from tenants.models import Plan, PlanStatus
from tests.factories import make_integration

pytestmark = pytest.mark.django_db(transaction=True)

LIST = reverse("dashboard:integrations")
SWITCH = reverse("dashboard:integration_switch")
NEW = reverse("dashboard:integration_new")


def remove_url(integration: Integration) -> str:
    return reverse("dashboard:integration_remove", args=[integration.pk])


@pytest.fixture
def two(world) -> tuple[Integration, Integration]:
    first = make_integration(world.tenant, name="Webshop NL")
    second = make_integration(world.tenant, name="Webshop DK")
    return first, second


def test_the_list_and_the_switcher_show_one_integration_at_a_time(world, two):
    first, second = two
    client = world.client_for(world.viewer)
    listed = client.get(LIST).content.decode()
    assert "Webshop NL" in listed
    assert "Webshop DK" in listed
    flows = client.get("/flows/")
    assert flows.context["integration"] == first
    assert {item.flow.integration_id for item in flows.context["health"]} == {first.pk}
    switched = client.post(SWITCH, {"integration": second.pk, "next": "/flows/"})
    assert switched.status_code == 302
    assert switched["Location"] == "/flows/"
    flows = client.get("/flows/")
    assert flows.context["integration"] == second
    assert {item.flow.integration_id for item in flows.context["health"]} == {second.pk}
    assert 'data-testid="integration-switcher"' in flows.content.decode()


def test_outsiders_cannot_switch_to_or_remove_anothers_integration(world, two):
    first, _second = two
    outsider = world.client_for(world.outsider)
    assert outsider.post(SWITCH, {"integration": first.pk}).status_code == 404
    assert outsider.post(remove_url(first)).status_code == 404
    assert outsider.post(SWITCH, {"integration": "x"}).status_code == 404
    assert Integration.objects.filter(pk=first.pk).exists()


def test_viewers_see_but_do_not_add_or_remove(world, two):
    first, _second = two
    viewer = world.client_for(world.viewer)
    assert "Set up another integration" not in viewer.get(LIST).content.decode()
    assert viewer.post(remove_url(first)).status_code == 403
    assert viewer.post(NEW).status_code == 403
    assert Integration.objects.filter(tenant=world.tenant).count() == 2


def test_the_owner_removes_one_and_the_other_stays(world, two):
    first, second = two
    owner = world.client_for(world.owner)
    owner.post(SWITCH, {"integration": second.pk})
    response = owner.post(remove_url(second))
    assert response.status_code == 302
    assert list(Integration.objects.filter(tenant=world.tenant)) == [first]
    assert owner.get("/flows/").context["integration"] == first  # the session's is gone


def test_the_plan_caps_the_number(world, two):
    world.tenant.plan = Plan.objects.create(
        slug="two",
        name="Two",
        price_excl_vat=Decimal("10.00"),
        max_integrations=2,
        records_per_month=1000,
        log_retention_days=30,
    )
    world.tenant.plan_status = PlanStatus.ACTIVE
    world.tenant.save(update_fields=["plan", "plan_status"])
    owner = world.client_for(world.owner)
    page = owner.get(LIST).content.decode()
    assert "Set up another integration" not in page
    assert "The plan allows 2 integrations." in page
    owner.post(NEW)
    assert not WizardState.objects.filter(tenant=world.tenant, adding=True).exists()


def test_the_wizard_sets_up_another_integration_with_new_connections(world, sandboxes):
    owner = world.client_for(world.owner)
    owner.post(reverse("dashboard:wizard_sandbox"))
    owner.post(reverse("dashboard:wizard_apps_done"))
    first = Integration.objects.get(tenant=world.tenant)
    first_connections = {first.accounting_id, first.shop_id}

    assert owner.post(NEW)["Location"] == reverse("dashboard:wizard_step", args=["apps"])
    page = owner.get(reverse("dashboard:wizard_step", args=["apps"]))
    assert page.context["asperion"] is None  # the first integration's are not offered
    owner.post(reverse("dashboard:wizard_sandbox"))
    assert Connection.objects.filter(tenant=world.tenant).count() == 4
    owner.post(reverse("dashboard:wizard_apps_done"))
    second = Integration.objects.filter(tenant=world.tenant).exclude(pk=first.pk).get()
    assert {second.accounting_id, second.shop_id}.isdisjoint(first_connections)
    first.refresh_from_db()
    assert {first.accounting_id, first.shop_id} == first_connections

    owner.post(reverse("dashboard:wizard_flows"), {"flows": ["products"]})
    assert list(second.flows.filter(enabled=True).values_list("kind", flat=True)) == ["products"]
    assert not first.flows.filter(enabled=True).exists()
    assert owner.get("/flows/").context["integration"] == second


def test_the_overview_shows_the_shown_integrations_flows(world, two):
    first, second = two
    client = world.client_for(world.owner)
    assert {item.flow.integration_id for item in client.get("/").context["flows"]} == {first.pk}
    client.post(SWITCH, {"integration": second.pk})
    assert {item.flow.integration_id for item in client.get("/").context["flows"]} == {second.pk}
