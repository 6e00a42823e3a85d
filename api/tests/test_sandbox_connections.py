"""connections/sandbox/ and verify/ over real HTTP against this server's own sandboxes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from connectors.models import Connection
from tenants.services import api_token_create


@pytest.fixture
def site(live_server, settings: Any) -> str:
    settings.ROOT_URLCONF = "apicenter.urls"
    settings.SITE_URL = live_server.url
    settings.SANDBOX_ENABLED = True
    return str(live_server.url)


def api_client(site: str, user: Any, tenant: Any) -> httpx.Client:
    _token, key = api_token_create(user=user, tenant=tenant, name="script")
    return httpx.Client(
        base_url=f"{site}/api/v1", timeout=30, headers={"Authorization": f"Token {key}"}
    )


@pytest.mark.django_db(transaction=True)
def test_connect_both_sandboxes_and_verify_them(site, world):
    with api_client(site, world.owner, world.tenant) as api:
        response = api.post("/connections/sandbox/")
        assert response.status_code == 201, response.text
        made = response.json()
        assert made["asperion"]["config"]["api_base_url"] == f"{site}/sandbox/asperion"
        assert "refresh_token" in made["asperion"]["secrets_set"]
        for system in ("asperion", "feeddex"):
            verified = api.post(f"/connections/{made[system]['id']}/verify/").json()
            assert verified["ok"] is True, verified
            assert verified["connection"]["status"] == "ok"
            assert verified["connection"]["last_verified_at"] is not None
        again = api.post("/connections/sandbox/").json()
        assert again["feeddex"]["id"] == made["feeddex"]["id"]  # one connection per system


@pytest.mark.django_db(transaction=True)
def test_verify_records_the_apis_own_error_without_the_secret(site, world):
    from connectors.feeddex.sandbox import services as sandbox

    account = sandbox.account_create(organization="acme-verify")
    wrong = "wrong-password-987654"
    with api_client(site, world.owner, world.tenant) as api:
        created = api.post(
            "/connections/",
            json={
                "system": "feeddex",
                "name": "Feeddex",
                "config": {
                    "api_base_url": f"{site}/sandbox/feeddex",
                    "organization": account.organization,
                },
                "secrets": {"auth_code": account.auth_code, "password": wrong},
            },
        ).json()
        response = api.post(f"/connections/{created['id']}/verify/")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is False
    assert body["connection"]["status"] == "needs_attention"
    assert body["connection"]["last_error"]
    assert wrong not in response.text
    assert account.auth_code not in response.text
    assert Connection.objects.get(pk=created["id"]).status == "needs_attention"


@pytest.mark.django_db
def test_sandbox_connect_access_and_switch(api, settings):
    settings.SANDBOX_ENABLED = True
    assert api.viewer.post("/api/v1/connections/sandbox/").status_code == 403
    settings.SANDBOX_ENABLED = False
    response = api.owner.post("/api/v1/connections/sandbox/")
    assert response.status_code == 404
    assert not Connection.objects.exists()
