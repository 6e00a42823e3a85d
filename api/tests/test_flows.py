"""flows/: list, create, detail, settings, enable/disable, run and dry run."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from api.tests.conftest import caller_for, error_of
from flows.models import Flow, FlowRun, Integration
from tenants.models import PlanStatus
from tests.factories import make_connections

pytestmark = pytest.mark.django_db

URL = "/api/v1/flows/"


def url(flow: Flow, action: str = "") -> str:
    return f"{URL}{flow.pk}/{action + '/' if action else ''}"


def test_list_shows_this_tenants_flows(api, scene):
    for caller in (api.owner, api.viewer):
        flows = caller.get(URL).json()
        assert [f["kind"] for f in flows] == [
            "products",
            "stock",
            "customers",
            "orders",
            "review_invitations",
        ]
        assert {f["integration"] for f in flows} == {scene.integration.pk}
    assert {f["integration"] for f in api.outsider.get(URL).json()} == {scene.other_integration.pk}


def test_detail(api, scene):
    body = api.viewer.get(url(scene.orders)).json()
    assert body["kind"] == "orders"
    assert body["direction"] == "feeddex → asperion"
    assert body["enabled"] is False
    assert error_of(api.outsider.get(url(scene.orders)))["code"] == "not_found"
    assert api.owner.get(f"{URL}999999/").status_code == 404


def test_create_builds_the_five_flows(api, world):
    asperion, feeddex = make_connections(world.tenant)
    response = api.owner.post(URL, {"asperion": asperion.pk, "feeddex": feeddex.pk})
    assert response.status_code == 201
    body = response.json()
    assert len(body["flows"]) == 5
    if hasattr(Flow, "mapping"):
        assert all(flow["mapping"] for flow in body["flows"])
    integration = Integration.objects.get(pk=body["id"])
    assert integration.tenant == world.tenant
    again = api.owner.post(URL, {"asperion": asperion.pk, "feeddex": feeddex.pk})
    assert again.status_code == 409


def test_create_rejects_connections_of_the_wrong_system_or_tenant(api, world):
    asperion, feeddex = make_connections(world.tenant)
    theirs, _ = make_connections(world.other_tenant)
    response = api.owner.post(URL, {"asperion": theirs.pk, "feeddex": asperion.pk})
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"asperion", "feeddex"}
    missing = api.owner.post(URL, {"asperion": "x"})
    assert set(error_of(missing)["fields"]) == {"asperion", "feeddex"}
    assert api.viewer.post(URL, {"asperion": asperion.pk, "feeddex": feeddex.pk}).status_code == 403
    assert not Integration.objects.exists()


def test_settings_show_every_value_with_its_schema(api, scene):
    body = api.viewer.get(url(scene.products, "settings")).json()
    assert body["kind"] == "products"
    assert body["settings"]["update_existing"] is True
    assert "update_existing" in body["schema"]["properties"]
    assert api.outsider.get(url(scene.products, "settings")).status_code == 404


def test_settings_are_saved_through_the_schema(api, scene):
    stock = scene.integration.flows.get(kind="stock")
    response = api.owner.put(url(stock, "settings"), {"stock_calculation": "current"})
    assert response.status_code == 200
    assert response.json()["settings"]["stock_calculation"] == "current"
    stock.refresh_from_db()
    assert stock.settings["stock_calculation"] == "current"
    assert stock.settings["batch_size"] == 100


def test_settings_errors_name_each_field(api, scene):
    stock = scene.integration.flows.get(kind="stock")
    bad = {"stock_calculation": "guess", "batch_size": 500, "colour": "red"}
    response = api.owner.put(url(stock, "settings"), bad)
    assert response.status_code == 400
    fields = error_of(response)["fields"]
    assert set(fields) == {"stock_calculation", "batch_size", "colour"}
    assert "100" in fields["batch_size"][0]
    stock.refresh_from_db()
    assert stock.settings == {}
    not_an_object = api.owner.put(url(stock, "settings"), ["x"])
    assert not_an_object.status_code == 400


def test_settings_need_write_access(api, scene):
    stock = scene.integration.flows.get(kind="stock")
    body = {"stock_calculation": "current"}
    assert api.viewer.put(url(stock, "settings"), body).status_code == 403
    assert api.outsider.put(url(stock, "settings"), body).status_code == 404
    stock.refresh_from_db()
    assert stock.settings == {}


def test_enable_and_disable(api, scene):
    response = api.owner.post(url(scene.products, "enable"))
    assert response.status_code == 200
    assert response.json()["enabled"] is True
    assert response.json()["next_run_at"] is not None
    assert Flow.objects.get(pk=scene.products.pk).enabled
    assert api.viewer.post(url(scene.products, "disable")).status_code == 403
    assert api.outsider.post(url(scene.products, "disable")).status_code == 404
    assert Flow.objects.get(pk=scene.products.pk).enabled
    assert api.owner.post(url(scene.products, "disable")).json()["enabled"] is False


@pytest.mark.parametrize(("action", "trigger"), [("run", "manual"), ("dry-run", "dry_run")])
def test_run_and_dry_run_queue_a_run(api, scene, action, trigger):
    response = api.owner.post(url(scene.integration.flows.get(kind="customers"), action))
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued"
    assert body["trigger"] == trigger
    run = FlowRun.objects.get(pk=body["id"])
    assert run.flow.kind == "customers"
    assert run.tenant_id == scene.integration.tenant_id


def test_run_needs_write_access_and_a_running_plan(api, scene, world):
    before = FlowRun.objects.count()
    assert api.viewer.post(url(scene.products, "run")).status_code == 403
    assert api.outsider.post(url(scene.products, "dry-run")).status_code == 404
    world.tenant.plan_status = PlanStatus.TRIAL
    world.tenant.trial_ends_at = timezone.now() - timedelta(days=1)
    world.tenant.save()
    paused = api.owner.post(url(scene.products, "run"))
    assert paused.status_code == 409
    assert "trial" in error_of(paused)["message"]
    assert FlowRun.objects.count() == before


def test_run_now_on_a_busy_flow_joins_its_run(api, scene):
    customers = scene.integration.flows.get(kind="customers")
    first = api.owner.post(url(customers, "run")).json()
    assert first["joined"] is False
    again = api.owner.post(url(customers, "run"))
    assert again.status_code == 202
    assert again.json()["joined"] is True
    assert again.json()["id"] == first["id"]
    # A dry run does not join a real run, nor a real run a dry one.
    dry = api.owner.post(url(customers, "dry-run")).json()
    assert (dry["joined"], dry["trigger"]) == (False, "dry_run")
    assert api.owner.post(url(customers, "dry-run")).json()["id"] == dry["id"]
    assert FlowRun.objects.filter(flow=customers).count() == 2


def test_a_flood_of_run_requests_queues_one_run_and_is_throttled(api, scene, world, settings):
    settings.FLOW_RUN_REQUESTS_PER_MINUTE = 30
    customers = scene.integration.flows.get(kind="customers")
    # The count is per clock minute: the clock stands still so that no minute ends mid-test.
    with time_machine.travel(timezone.now(), tick=False):
        answers = [api.owner.post(url(customers, "run")) for _ in range(40)]
    statuses = [answer.status_code for answer in answers]
    assert statuses[:30] == [202] * 30
    assert set(statuses[30:]) == {429}
    refused = answers[-1]
    assert 0 < int(refused["Retry-After"]) <= 60
    assert "run requests in a minute" in error_of(refused)["message"]
    assert FlowRun.objects.filter(flow=customers).count() == 1
    # Another company's requests are counted on their own.
    other = caller_for(world.outsider, world.other_tenant)
    other_flow = scene.other_integration.flows.get(kind="customers")
    assert other.post(url(other_flow, "run")).status_code == 202


def test_a_company_has_a_bounded_number_of_runs_at_once(api, scene, settings):
    settings.FLOW_MAX_ACTIVE_RUNS_PER_TENANT = 3
    flows = list(scene.integration.flows.order_by("id"))
    answers = [api.owner.post(url(flow, "run")).status_code for flow in flows]
    assert answers == [202, 202, 202, 429, 429]
    assert FlowRun.objects.filter(tenant=scene.integration.tenant, status="queued").count() == 3
