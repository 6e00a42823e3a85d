"""flows/{id}/mapping/: current version, history, save a version, roll back."""

from __future__ import annotations

import pytest

from api.tests.conftest import error_of
from flows.models import Flow
from mapping.models import MappingVersion
from mapping.services import mapping_create_default

pytestmark = pytest.mark.django_db

SKU_ONLY = {"target": "sku", "source": "sku"}


@pytest.fixture
def stock(scene):
    flow = scene.integration.flows.get(kind="stock")
    flow.mapping = mapping_create_default(tenant=flow.tenant, flow_kind="stock")
    flow.save()
    return flow


def url(flow: Flow, tail: str = "") -> str:
    return f"/api/v1/flows/{flow.pk}/mapping/{tail}"


def test_current_mapping_and_history(api, stock):
    body = api.viewer.get(url(stock)).json()
    assert body["flow_kind"] == "stock"
    assert body["current"]["number"] == 1
    assert any(rule["target"] == "quantity" for rule in body["current"]["spec"]["rules"])
    assert [v["number"] for v in api.viewer.get(url(stock, "versions/")).json()] == [1]
    assert api.outsider.get(url(stock)).status_code == 404
    assert api.owner.get(url(stock), {"part": "customer"}).status_code == 404
    assert "part" in error_of(api.owner.get(url(stock), {"part": "x"}))["fields"]


def test_save_a_version_then_roll_back(api, stock, world):
    spec = api.owner.get(url(stock)).json()["current"]["spec"]
    spec["rules"] = [r for r in spec["rules"] if r["target"] != "manageStock"]
    saved = api.owner.post(url(stock, "versions/"), {"spec": spec, "note": "no manageStock"})
    assert saved.status_code == 201
    assert saved.json()["number"] == 2
    assert saved.json()["created_by"] == world.owner.email
    back = api.owner.post(url(stock, "rollback/"), {"to_number": 1})
    assert back.status_code == 201
    assert back.json()["number"] == 3
    current = api.owner.get(url(stock)).json()["current"]
    assert any(rule["target"] == "manageStock" for rule in current["spec"]["rules"])
    numbers = [v["number"] for v in api.owner.get(url(stock, "versions/")).json()]
    assert numbers == [3, 2, 1]


def test_a_bad_spec_names_each_field(api, stock):
    response = api.owner.post(
        url(stock, "versions/"), {"spec": {"rules": [{"target": "nope", "source": "x"}]}}
    )
    assert response.status_code == 400
    fields = error_of(response)["fields"]
    assert {"nope", "sku", "quantity"} <= set(fields)
    assert MappingVersion.objects.filter(mapping=stock.mapping).count() == 1
    missing = api.owner.post(url(stock, "rollback/"), {"to_number": 9})
    assert "to_number" in error_of(missing)["fields"]
    assert "spec" in error_of(api.owner.post(url(stock, "versions/"), {}))["fields"]


def test_writes_need_write_access(api, stock):
    body = {"spec": {"rules": [SKU_ONLY]}}
    assert api.viewer.post(url(stock, "versions/"), body).status_code == 403
    assert api.outsider.post(url(stock, "versions/"), body).status_code == 404
    assert api.viewer.post(url(stock, "rollback/"), {"to_number": 1}).status_code == 403
    assert api.outsider.post(url(stock, "rollback/"), {"to_number": 1}).status_code == 404
    assert MappingVersion.objects.filter(mapping=stock.mapping).count() == 1
