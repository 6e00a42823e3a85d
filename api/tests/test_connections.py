"""connections/: create with write-only secrets, list, detail, delete; verify's access rules."""

from __future__ import annotations

import pytest
from django.db import connection as db

from api.tests.conftest import error_of
from connectors.models import Connection
from tests.factories import SECRET_VALUES, make_connections, make_integration

pytestmark = pytest.mark.django_db

URL = "/api/v1/connections/"
FEEDDEX = {
    "system": "feeddex",
    "name": "Shop",
    "config": {"organization": "acme"},
    "secrets": {"auth_code": "auth-code-123456", "password": "pass-word-654321"},
}


def detail(pk: int) -> str:
    return f"{URL}{pk}/"


def test_owner_creates_a_connection_whose_secrets_never_come_back(api, world):
    response = api.owner.post(URL, FEEDDEX)
    assert response.status_code == 201
    body = response.json()
    assert body["system"] == "feeddex"
    assert body["config"] == {"organization": "acme", "api_base_url": "https://api.feeddex.nl"}
    assert body["secrets_set"] == ["auth_code", "password"]
    assert body["status"] == "new"
    text = response.content.decode() + api.owner.get(detail(body["id"])).content.decode()
    assert "auth-code-123456" not in text
    assert "pass-word-654321" not in text
    with db.cursor() as cursor:
        cursor.execute("SELECT secrets_encrypted FROM connectors_connection")
        (stored,) = cursor.fetchone()
    assert "pass-word-654321" not in stored
    saved = Connection.objects.get(pk=body["id"])
    assert saved.tenant == world.tenant
    assert saved.secrets["password"] == "pass-word-654321"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"system": "sap"}, "system"),
        ({"system": None}, "system"),
        ({"name": ""}, "name"),
        ({"config": {}}, "config.organization"),
        ({"config": {"organization": "a", "api_base_url": "ftp://x"}}, "config.api_base_url"),
        ({"config": "not an object"}, "config"),
        ({"secrets": {"auth_code": "x"}}, "secrets.password"),
        ({"secrets": ["x"]}, "secrets"),
    ],
)
def test_it_rejects_bad_input_naming_the_field(api, change, field):
    response = api.owner.post(URL, {**FEEDDEX, **change})
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert field in error["fields"], error
    assert not Connection.objects.exists()


def test_asperion_needs_its_own_fields(api):
    response = api.owner.post(URL, {"system": "asperion", "name": "A", "config": {}, "secrets": {}})
    fields = error_of(response)["fields"]
    assert set(fields) == {
        "config.client_id",
        "config.administration_id",
        "secrets.client_secret",
        "secrets.refresh_token",
    }


def test_it_rejects_a_body_that_is_not_json(api):
    response = api.owner.client.post(
        URL, "{nope", content_type="application/json", headers=api.owner.headers()
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "parse_error"


def test_viewer_may_not_create(api):
    response = api.viewer.post(URL, FEEDDEX)
    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"
    assert not Connection.objects.exists()


def test_list_and_detail_show_only_this_tenant(api, world):
    mine, _ = make_connections(world.tenant)
    theirs, _ = make_connections(world.other_tenant)
    listed = api.viewer.get(URL).json()
    assert [c["system"] for c in listed] == ["asperion", "feeddex"]
    assert all(secret not in str(listed) for secret in SECRET_VALUES)
    assert api.viewer.get(detail(mine.pk)).json()["name"] == "Asperion"
    assert api.owner.get(detail(theirs.pk)).status_code == 404
    assert error_of(api.outsider.get(detail(mine.pk)))["code"] == "not_found"


def test_delete(api, world):
    mine, _ = make_connections(world.tenant)
    assert api.viewer.delete(detail(mine.pk)).status_code == 403
    assert api.outsider.delete(detail(mine.pk)).status_code == 404
    assert api.owner.delete(detail(mine.pk)).status_code == 204
    assert not Connection.objects.filter(pk=mine.pk).exists()
    assert api.owner.delete(detail(mine.pk)).status_code == 404


def test_a_connection_in_use_cannot_be_deleted(api, world):
    integration = make_integration(world.tenant)
    response = api.owner.delete(detail(integration.accounting_id))
    assert response.status_code == 409
    assert error_of(response)["code"] == "conflict"
    assert Connection.objects.filter(pk=integration.accounting_id).exists()


def test_verify_needs_write_access_and_the_tenant(api, world):
    mine, _ = make_connections(world.tenant)
    assert api.viewer.post(f"{detail(mine.pk)}verify/").status_code == 403
    assert api.outsider.post(f"{detail(mine.pk)}verify/").status_code == 404
    assert Connection.objects.get(pk=mine.pk).status == "new"
