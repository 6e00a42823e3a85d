"""Token authentication, roles, revocation, throttling and the create_api_token command."""

from __future__ import annotations

import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from api.tests.conftest import Caller, error_of
from tenants.models import ApiToken, Membership, Role
from tenants.services import api_token_create, api_token_revoke, membership_add

pytestmark = pytest.mark.django_db

CONNECTIONS = "/api/v1/connections/"


def test_the_key_is_stored_only_as_its_hash(world):
    token, key = api_token_create(user=world.owner, tenant=world.tenant, name="ci")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM api_apitoken WHERE id = %s", [token.pk])
        row = [str(value) for value in cursor.fetchone()]
    assert key not in " ".join(row)
    assert hashlib.sha256(key.encode()).hexdigest() in row
    assert key.startswith(token.prefix)
    assert len(token.prefix) < len(key) // 3


def test_a_valid_token_reads_its_tenant(api, world):
    response = api.owner.get(CONNECTIONS)
    assert response.status_code == 200
    assert response.json() == []
    token = ApiToken.objects.get(user=world.owner)
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "not_authenticated"),
        ("Token apc_thisisnotavalidkeyatallreally", "authentication_failed"),
        ("Token", "authentication_failed"),
        ("Token a b", "authentication_failed"),
        ("Token short", "authentication_failed"),
    ],
)
def test_it_rejects_a_missing_or_bad_token(world, header, code):
    caller = Caller(None)
    headers = {"Authorization": header} if header else {}
    response = caller.client.get(CONNECTIONS, headers=headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert error_of(response)["code"] == code


def test_a_signed_in_browser_session_is_not_enough(world):
    # Token only: a session would make every write a CSRF question.
    client = world.client_for(world.owner)
    assert client.get(CONNECTIONS).status_code == 401


def test_a_revoked_token_stops_working_at_once(api, world):
    assert api.owner.get(CONNECTIONS).status_code == 200
    api_token_revoke(token=ApiToken.objects.get(user=world.owner))
    response = api.owner.get(CONNECTIONS)
    assert response.status_code == 401
    assert error_of(response)["code"] == "authentication_failed"


def test_a_member_who_left_loses_access(api, world):
    Membership.objects.filter(user=world.viewer, tenant=world.tenant).delete()
    assert api.viewer.get(CONNECTIONS).status_code == 401


def test_the_role_is_read_on_every_request(api, world):
    body = {
        "system": "feeddex",
        "name": "F",
        "config": {"organization": "o"},
        "secrets": {"auth_code": "abcdefgh", "password": "abcdefgh"},
    }
    assert api.viewer.post(CONNECTIONS, body).status_code == 403
    membership_add(tenant=world.tenant, user=world.viewer, role=Role.ADMIN)
    assert api.viewer.post(CONNECTIONS, body).status_code == 201


def test_a_token_sees_only_its_own_tenant(api, world):
    _token, key = api_token_create(user=world.owner, tenant=world.tenant, name="a")
    membership_add(tenant=world.other_tenant, user=world.owner, role=Role.OWNER)
    _token, other_key = api_token_create(user=world.owner, tenant=world.other_tenant, name="b")
    Caller(key).post(
        CONNECTIONS,
        {
            "system": "feeddex",
            "name": "Mine",
            "config": {"organization": "o"},
            "secrets": {"auth_code": "abcdefgh", "password": "abcdefgh"},
        },
    )
    assert [c["name"] for c in Caller(key).get(CONNECTIONS).json()] == ["Mine"]
    assert Caller(other_key).get(CONNECTIONS).json() == []


def test_throttling_is_per_token(api, world, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_token": "3/min"},
    }
    for _ in range(3):
        assert api.owner.get(CONNECTIONS).status_code == 200
    refused = api.owner.get(CONNECTIONS)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert error_of(refused)["code"] == "throttled"
    # Another token, even of the same user, has its own budget.
    _token, key = api_token_create(user=world.owner, tenant=world.tenant, name="second")
    assert Caller(key).get(CONNECTIONS).status_code == 200


def test_token_services_check_name_and_membership(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as missing_name:
        api_token_create(user=world.owner, tenant=world.tenant, name="  ")
    assert "name" in missing_name.value.message_dict
    with pytest.raises(ValidationError) as not_member:
        api_token_create(user=world.outsider, tenant=world.tenant, name="x")
    assert "user" in not_member.value.message_dict


def test_revoking_twice_keeps_the_first_moment(world):
    token, _key = api_token_create(user=world.owner, tenant=world.tenant, name="x")
    first = api_token_revoke(token=token).revoked_at
    assert api_token_revoke(token=token).revoked_at == first


def test_create_api_token_command_prints_a_working_key(world):
    out, err = StringIO(), StringIO()
    call_command("create_api_token", "ALICE@example.com", "--name", "cli", stdout=out, stderr=err)
    key = out.getvalue().strip()
    assert key.startswith("apc_")
    assert key not in err.getvalue()
    assert Caller(key).get(reverse("api:connections")).status_code == 200
    assert ApiToken.objects.get(name="cli").tenant == world.tenant


def test_create_api_token_command_needs_the_tenant_when_there_are_several(world):
    membership_add(tenant=world.other_tenant, user=world.owner, role=Role.VIEWER)
    with pytest.raises(CommandError, match="--tenant"):
        call_command("create_api_token", "alice@example.com", stdout=StringIO())
    out = StringIO()
    call_command(
        "create_api_token",
        "alice@example.com",
        "--tenant",
        world.other_tenant.slug,
        stdout=out,
        stderr=StringIO(),
    )
    assert ApiToken.objects.get(tenant=world.other_tenant).user == world.owner
    with pytest.raises(CommandError, match="No user"):
        call_command("create_api_token", "nobody@example.com", stdout=StringIO())
    with pytest.raises(CommandError, match="not a member"):
        call_command("create_api_token", "alice@example.com", "--tenant", "nope", stdout=StringIO())
