"""integrations/: list, detail, customer defaults, go live."""

from __future__ import annotations

import pytest

from api.tests.conftest import error_of
from flows.models import Integration

pytestmark = pytest.mark.django_db

URL = "/api/v1/integrations/"


def test_list_and_detail(api, scene):
    listed = api.viewer.get(URL).json()
    assert [i["id"] for i in listed] == [scene.integration.pk]
    assert len(listed[0]["flows"]) == 5
    assert listed[0]["live"] is False
    detail = api.viewer.get(f"{URL}{scene.integration.pk}/").json()
    assert detail["asperion"] == scene.integration.accounting_id
    assert api.outsider.get(f"{URL}{scene.integration.pk}/").status_code == 404


def test_customer_defaults(api, scene):
    url = f"{URL}{scene.integration.pk}/customer-defaults/"
    shown = api.viewer.get(url).json()
    assert shown["customer_defaults"]["customer_number_start"] == 10000
    assert "debtor_kind_company" in shown["schema"]["properties"]
    saved = api.owner.put(url, {"customer_number_start": 500, "customer_number_end": 900})
    assert saved.status_code == 200
    scene.integration.refresh_from_db()
    assert scene.integration.customer_defaults["customer_number_end"] == 900


def test_customer_defaults_errors_and_access(api, scene):
    url = f"{URL}{scene.integration.pk}/customer-defaults/"
    bad = api.owner.put(url, {"customer_number_start": 0, "payment_condition_id": "soon"})
    assert bad.status_code == 400
    assert set(error_of(bad)["fields"]) == {"customer_number_start", "payment_condition_id"}
    unordered = api.owner.put(url, {"customer_number_start": 9, "customer_number_end": 1})
    assert "customer_number_end" in str(error_of(unordered))
    assert api.viewer.put(url, {}).status_code == 403
    assert api.outsider.put(url, {}).status_code == 404
    assert api.outsider.get(url).status_code == 404
    scene.integration.refresh_from_db()
    assert scene.integration.customer_defaults == {}


def test_go_live(api, scene):
    url = f"{URL}{scene.integration.pk}/go-live/"
    assert api.viewer.post(url).status_code == 403
    assert api.outsider.post(url).status_code == 404
    assert not Integration.objects.get(pk=scene.integration.pk).live
    response = api.owner.post(url)
    assert response.status_code == 200
    assert response.json()["live"] is True
    assert Integration.objects.get(pk=scene.integration.pk).live


def test_add_a_second_integration_and_remove_it(api, scene):
    from tests.factories import make_connections

    accounting, shop = make_connections(scene.integration.tenant)
    body = {"asperion": accounting.pk, "feeddex": shop.pk, "name": "Tweede winkel"}
    assert api.viewer.post(URL, body).status_code == 403
    added = api.owner.post(URL, body)
    assert added.status_code == 201
    second = added.json()
    assert second["name"] == "Tweede winkel"
    assert len(second["flows"]) == 5
    assert [i["id"] for i in api.viewer.get(URL).json()] == [scene.integration.pk, second["id"]]
    assert api.owner.post(URL, body).status_code == 409  # that pair has one already
    url = f"{URL}{second['id']}/"
    assert api.viewer.delete(url).status_code == 403
    assert api.outsider.delete(url).status_code == 404
    assert api.owner.delete(url).status_code == 204
    assert [i["id"] for i in api.viewer.get(URL).json()] == [scene.integration.pk]
    assert api.owner.get(url).status_code == 404


def test_the_plan_caps_what_the_api_adds(api, scene):
    from decimal import Decimal

    from tenants.models import Plan, PlanStatus
    from tests.factories import make_connections

    tenant = scene.integration.tenant
    tenant.plan = Plan.objects.create(
        slug="one",
        name="One",
        price_excl_vat=Decimal("10.00"),
        max_integrations=1,
        records_per_month=1000,
        log_retention_days=30,
    )
    tenant.plan_status = PlanStatus.ACTIVE
    tenant.save(update_fields=["plan", "plan_status"])
    accounting, shop = make_connections(tenant)
    refused = api.owner.post(URL, {"asperion": accounting.pk, "feeddex": shop.pk})
    assert refused.status_code == 409
    assert "allows 1 integration" in str(error_of(refused))
