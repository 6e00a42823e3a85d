"""Key rotation over every encrypted column, and login throttling behind a proxy."""

from __future__ import annotations

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import models
from django.test import Client, RequestFactory

from apicenter.env import env_count
from conftest import PASSWORD
from connectors import crypto
from connectors.feeddex.sandbox.models import Account, WebhookSubscription
from tenants.addresses import client_address

pytestmark = pytest.mark.django_db


def encrypted_columns() -> list[tuple[type[models.Model], str]]:
    """Every column that holds a Fernet token (named *_encrypted by the house rule)."""
    return [
        (model, field.attname)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.attname.endswith("_encrypted")
    ]


def unreadable_rows() -> list[str]:
    problems = []
    for model, column in encrypted_columns():
        for pk, token in model._default_manager.values_list("pk", column):
            try:
                crypto.decrypt_json(token)
            except crypto.SecretsUnreadable:
                problems.append(f"{model._meta.db_table}.{column} #{pk}")
    return problems


def test_the_house_rule_finds_the_encrypted_columns():
    tables = {model._meta.db_table for model, _column in encrypted_columns()}
    assert "connectors_connection" in tables


def test_the_rotation_knows_every_encrypted_column():
    # The rotation finds its columns by their field type; the name says the same.
    assert sorted(crypto.encrypted_fields(), key=str) == sorted(encrypted_columns(), key=str)


def rotate_to_a_new_key(settings) -> None:
    """Prepend a new key, run the command, then drop the old key."""
    new_key = Fernet.generate_key().decode()
    settings.ENCRYPTION_KEYS = [new_key, *settings.ENCRYPTION_KEYS]
    call_command("rotate_secrets", stdout=StringIO())
    settings.ENCRYPTION_KEYS = [new_key]


def test_after_rotation_the_platforms_secrets_open_with_the_new_key_alone(estate, settings):
    before = {c.pk: c.secrets for c in (estate.mine.asperion, estate.mine.feeddex)}
    rotate_to_a_new_key(settings)
    for connection in (estate.mine.asperion, estate.mine.feeddex):
        connection.refresh_from_db()
        assert connection.secrets == before[connection.pk]


def test_after_rotation_every_encrypted_column_opens_with_the_new_key_alone(estate, settings):
    account = Account(organization="rotation-test")
    account.set_credentials(auth_code="ac-rotation-1", password="pw-rotation-1")
    account.save()
    subscription = WebhookSubscription(account=account, url="https://example.com/hook", events=[])
    subscription.secret = "whsec-rotation-1"
    subscription.save()
    rotate_to_a_new_key(settings)
    assert unreadable_rows() == []


def failed_sign_in(client: Client, email: str, *, client_address: str) -> None:
    client.post(
        "/accounts/login/",
        {"username": email, "password": "wrong password 1"},
        REMOTE_ADDR="10.0.0.2",  # the load balancer in front of every web process
        HTTP_X_FORWARDED_FOR=client_address,
    )


def test_behind_a_proxy_one_visitors_failures_do_not_lock_out_everyone(world, settings):
    settings.LOGIN_THROTTLE_ATTEMPTS = 5
    settings.TRUSTED_PROXY_HOPS = 1
    attacker = Client()
    for attempt in range(6):
        failed_sign_in(attacker, f"nobody{attempt}@example.com", client_address="203.0.113.7")
    response = Client().post(
        "/accounts/login/",
        {"username": world.owner.email, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.20",
    )
    assert response.status_code == 302


def test_without_a_trusted_proxy_a_forged_forwarded_address_changes_nothing(world, settings):
    # Hops 0: the header is the client's own word, so a new "address" per attempt does not
    # give an attacker a fresh counter.
    settings.LOGIN_THROTTLE_ATTEMPTS = 5
    for attempt in range(6):
        Client().post(
            "/accounts/login/",
            {"username": f"nobody{attempt}@example.com", "password": "wrong password 1"},
            REMOTE_ADDR="203.0.113.7",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}",
        )
    response = Client().post(
        "/accounts/login/",
        {"username": world.owner.email, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.7",
        HTTP_X_FORWARDED_FOR="198.51.100.99",
    )
    assert response.status_code == 200  # the form again, refused


@pytest.mark.parametrize(
    ("hops", "forwarded", "expected"),
    [
        (0, "198.51.100.1", "10.0.0.2"),
        (1, "198.51.100.1", "198.51.100.1"),
        # The client wrote the leftmost entry itself; the proxy appended what it saw.
        (1, "1.2.3.4, 198.51.100.1", "198.51.100.1"),
        (2, "1.2.3.4, 198.51.100.1, 10.0.0.9", "198.51.100.1"),
        (2, "198.51.100.1", "10.0.0.2"),  # fewer entries than proxies: went around them
        (1, "", "10.0.0.2"),
        (1, "not-an-address", "10.0.0.2"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_address_is_taken_hops_from_the_right(settings, hops, forwarded, expected):
    settings.TRUSTED_PROXY_HOPS = hops
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_a_negative_number_of_proxy_hops_stops_the_start(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXY_HOPS", "-1")
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXY_HOPS"):
        env_count("TRUSTED_PROXY_HOPS", 0)
