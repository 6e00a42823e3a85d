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
