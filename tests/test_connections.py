"""Connections: secrets encrypted at rest, key rotation, redaction, and tenant-scoped access."""

from __future__ import annotations

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection as db_connection
from django.urls import reverse

from connectors import crypto
from connectors.models import Connection
from connectors.services import connection_create, connection_update_secrets

SECRETS = {"client_secret": "s3cr3t-client-value", "refresh_token": "rt-abcdef123456"}


@pytest.fixture
def asperion(world):
    return connection_create(
        tenant=world.tenant,
        system="asperion",
        name="Main administration",
        config={"administration_id": 7},
        secrets=SECRETS,
    )


def _raw_secret_column(pk: int) -> str:
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT secrets_encrypted FROM connectors_connection WHERE id = %s", [pk])
        return str(cursor.fetchone()[0])


def test_secrets_are_encrypted_at_rest(asperion):
    raw = _raw_secret_column(asperion.pk)
    assert raw.startswith("gAAAAA")  # a Fernet token
    for value in SECRETS.values():
        assert value not in raw
    assert Connection.objects.get(pk=asperion.pk).secrets == SECRETS


def test_secrets_never_show_in_repr_or_str(asperion):
    assert "s3cr3t" not in repr(asperion)
    assert "s3cr3t" not in str(asperion)


def test_error_texts_are_redacted(asperion):
    asperion.mark_failed(
        "token refresh failed for rt-abcdef123456 at /connect/token", permanent=True
    )
    stored = Connection.objects.get(pk=asperion.pk)
    assert "rt-abcdef123456" not in stored.last_error
    assert "[redacted]" in stored.last_error
    assert stored.status == "needs_attention"


def test_secret_updates_merge(asperion):
    connection_update_secrets(connection=asperion, changes={"refresh_token": "rt-new-000000"})
    assert Connection.objects.get(pk=asperion.pk).secrets == {
        **SECRETS,
        "refresh_token": "rt-new-000000",
    }


def test_rotate_secrets_rewrites_rows_to_the_newest_key(asperion, settings):
    old_key = settings.ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [new_key, old_key]
    out = StringIO()
    call_command("rotate_secrets", stdout=out)
    assert "Rewrote 1 connection" in out.getvalue()
    # Now readable with the new key alone: the old key can be dropped.
    settings.ENCRYPTION_KEYS = [new_key]
    assert Connection.objects.get(pk=asperion.pk).secrets == SECRETS
    out = StringIO()
    call_command("rotate_secrets", stdout=out)
    assert "Rewrote 0 connection" in out.getvalue()


def test_a_removed_key_gives_a_clear_error(asperion, settings):
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(crypto.SecretsUnreadable):
        Connection.objects.get(pk=asperion.pk).secrets  # noqa: B018


def test_detail_never_renders_secrets(world, asperion):
    page = world.client_for(world.owner).get(
        reverse("dashboard:connection_detail", args=[asperion.pk])
    )
    assert page.status_code == 200
    body = page.content.decode()
    assert "Main administration" in body
    for value in SECRETS.values():
        assert value not in body


def test_viewer_can_read_but_not_delete(world, asperion):
    viewer = world.client_for(world.viewer)
    url = reverse("dashboard:connection_detail", args=[asperion.pk])
    assert viewer.get(url).status_code == 200
    response = viewer.post(reverse("dashboard:connection_delete", args=[asperion.pk]))
    assert response.status_code == 403
    assert Connection.objects.filter(pk=asperion.pk).exists()


def test_outsider_gets_404_for_another_tenants_connection(world, asperion):
    outsider = world.client_for(world.outsider)
    assert (
        outsider.get(reverse("dashboard:connection_detail", args=[asperion.pk])).status_code == 404
    )
    assert (
        outsider.post(reverse("dashboard:connection_delete", args=[asperion.pk])).status_code == 404
    )
    assert Connection.objects.filter(pk=asperion.pk).exists()


def test_owner_deletes(world, asperion):
    owner = world.client_for(world.owner)
    response = owner.post(reverse("dashboard:connection_delete", args=[asperion.pk]))
    assert response.status_code == 302
    assert not Connection.objects.filter(pk=asperion.pk).exists()


def test_anonymous_is_sent_to_login(client, asperion):
    response = client.get(reverse("dashboard:connection_detail", args=[asperion.pk]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
