"""API tokens from the settings page: the key is shown once, stored hashed, revocable."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_owner_creates_a_token_and_sees_the_key_once(world):
    from tenants.models import ApiToken

    client = world.client_for(world.owner)
    response = client.post(reverse("dashboard:api_token_create"), {"name": "reporting"})
    assert response.status_code == 200
    key = response.context["new_key"]
    token = ApiToken.objects.get(tenant=world.tenant)
    assert key.startswith(token.prefix)
    assert key in response.content.decode()
    assert token.key_hash != key
    again = client.get(reverse("dashboard:settings")).content.decode()
    assert key not in again
    assert "reporting" in again


def test_a_token_needs_a_name(world):
    from tenants.models import ApiToken

    world.client_for(world.owner).post(reverse("dashboard:api_token_create"), {"name": " "})
    assert not ApiToken.objects.exists()


def test_revoke_and_access(world):
    from tenants.models import ApiToken
    from tenants.services import api_token_create

    token, _key = api_token_create(user=world.owner, tenant=world.tenant, name="ci")
    url = reverse("dashboard:api_token_revoke", args=[token.pk])
    assert world.client_for(world.viewer).post(url).status_code == 403
    assert world.client_for(world.outsider).post(url).status_code == 404
    viewer_create = world.client_for(world.viewer).post(
        reverse("dashboard:api_token_create"), {"name": "x"}
    )
    assert viewer_create.status_code == 403
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    world.client_for(world.owner).post(url)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
