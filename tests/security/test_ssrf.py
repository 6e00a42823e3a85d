"""SSRF: an API address a user types in never makes the platform call a private address.

A small HTTP server on 127.0.0.1 counts what reaches it. Users point a connection at it (and
at other local and private addresses) through every place that takes an address: the
wizard's Feeddex and Asperion forms, the connection page's new-credentials form, and the
REST API. Each attempt is refused (a form error, or a connection error naming the private
address) and the server hears nothing.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client

from connectors.models import Connection
from tests.security.estate import Estate

PRIVATE_HOSTS = [
    "127.0.0.1",
    "localhost",
    "127.1",
    "0.0.0.0",
    "[::1]",
    "[::ffff:127.0.0.1]",
    "2130706433",
    "0x7f000001",
]
NO_PORT_TARGETS = ["http://169.254.169.254/latest/meta-data", "http://10.0.0.1", "http://[fd00::1]"]


class Listener:
    def __init__(self) -> None:
        self.hits: list[str] = []
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
                listener.hits.append(self.path)
                self.send_response(200)
                self.end_headers()

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def _quick_retries(settings: Any) -> None:
    settings.CONNECTOR_RETRY_BASE_DELAY = 0.01
    settings.CONNECTOR_RETRY_MAX_DELAY = 0.02
    settings.APICENTER_ALLOW_PRIVATE_URLS = False


def targets(port: int) -> list[str]:
    return [f"http://{host}:{port}/api" for host in PRIVATE_HOSTS] + NO_PORT_TARGETS


def refused(connection: Connection | None) -> bool:
    """No connection was saved with that address, or it was and its test failed on it."""
    if connection is None:
        return True
    connection.refresh_from_db()
    return connection.status != "ok" and "private or local address" in connection.last_error


def feeddex_of(estate: Estate) -> Connection | None:
    return Connection.objects.filter(tenant=estate.tenant, system="feeddex").first()


def owner_client(estate: Estate) -> Client:
    client = Client()
    client.force_login(estate.owner)
    return client


def test_the_wizard_forms_never_reach_a_private_address(estate, listener):
    client = owner_client(estate)
    problems = []
    for url in targets(listener.port):
        feeddex = {
            "feeddex-organization": "org",
            "feeddex-auth_code": "ac-123456",
            "feeddex-password": "pw-123456",
            "feeddex-api_base_url": url,
        }
        response = client.post("/setup/apps/feeddex/", feeddex)
        if response.status_code != 400 and not refused(feeddex_of(estate)):
            problems.append(f"feeddex {url}: {feeddex_of(estate).last_error!r}")
        asperion = {
            "token-client_id": "client",
            "token-client_secret": "cs-123456",
            "token-refresh_token": "rt-123456",
            "token-api_base_url": url,
            "token-identity_base_url": url,
            "token-administration_id": "1",
        }
        response = client.post("/setup/apps/asperion/", asperion)
        saved = Connection.objects.filter(tenant=estate.tenant, system="asperion").first()
        if response.status_code != 400 and not refused(saved):
            problems.append(f"asperion {url}: {saved.last_error!r}")
    assert not problems, "\n".join(problems)
    assert listener.hits == []


def test_new_credentials_on_a_connection_page_never_reach_a_private_address(estate, listener):
    client = owner_client(estate)
    connection = estate.mine.feeddex
    for url in targets(listener.port):
        data = {
            "cred-organization": "org",
            "cred-auth_code": "ac-123456",
            "cred-password": "pw-123456",
            "cred-api_base_url": url,
        }
        response = client.post(f"/connections/{connection.pk}/credentials/", data)
        assert response.status_code in (302, 400), url
        if response.status_code == 302:
            assert refused(connection), (url, connection.last_error)
    assert listener.hits == []


def test_the_api_never_reaches_a_private_address(estate, listener):
    client = Client()
    headers = {"Authorization": f"Token {estate.keys['owner']}"}
    for url in targets(listener.port):
        body = {
            "system": "feeddex",
            "name": "Feeddex via API",
            "config": {"organization": "org", "api_base_url": url},
            "secrets": {"auth_code": "ac-123456", "password": "pw-123456"},
        }
        created = client.post(
            "/api/v1/connections/", json.dumps(body), "application/json", headers=headers
        )
        if created.status_code == 400:
            continue
        assert created.status_code == 201, created.content
        pk = created.json()["id"]
        verified = client.post(f"/api/v1/connections/{pk}/verify/", headers=headers)
        assert verified.status_code == 200
        assert verified.json()["ok"] is False
        assert "private or local address" in verified.json()["connection"]["last_error"], url
        client.delete(f"/api/v1/connections/{pk}/", headers=headers)
    assert listener.hits == []


# ---- issue 19: one guard for connectors and the sandbox's webhook sender ----------------

INSIDE = [
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b:1::a00:1",  # local-use NAT64
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    "100.64.0.1",  # shared address space (carrier NAT)
    "169.254.169.254",
    "fe80::1",
    "ff02::1",
    "224.0.0.1",
    "240.0.0.1",
    "::127.0.0.1",
    "::ffff:10.0.0.1",
    "0.0.0.0",
]


def as_host(address: str) -> str:
    return f"[{address}]" if ":" in address else address


def deliver_to(url: str) -> Any:
    from django.utils import timezone

    from connectors.feeddex.sandbox import services, webhooks
    from connectors.feeddex.sandbox.models import WebhookDelivery, WebhookSubscription

    account = services.account_create(organization=f"ssrf-{abs(hash(url))}")
    subscription = WebhookSubscription(account=account, url=url, events=["order.paid"])
    subscription.secret = "whsec-ssrf-test-1"
    subscription.save()
    delivery = WebhookDelivery.objects.create(
        account=account,
        subscription=subscription,
        event_id="evt_ssrf",
        event_type="order.paid",
        body="{}",
        next_attempt_at=timezone.now(),
    )
    webhooks.delivery_attempt(delivery.pk)
    delivery.refresh_from_db()
    return delivery


@pytest.mark.parametrize("address", INSIDE)
def test_the_webhook_sender_refuses_addresses_that_reach_inside(db, address):
    delivery = deliver_to(f"http://{as_host(address)}:8199/hook")
    assert delivery.status == "failed", (address, delivery.last_error)
    assert "private or local address" in delivery.last_error


@pytest.mark.parametrize("address", ["64:ff9b::7f00:1", "2002:7f00:1::1", "100.64.0.1"])
def test_a_connection_refuses_addresses_that_reach_inside(estate, address):
    client = owner_client(estate)
    connection = estate.mine.feeddex
    data = {
        "cred-organization": "org",
        "cred-auth_code": "ac-123456",
        "cred-password": "pw-123456",
        "cred-api_base_url": f"http://{as_host(address)}:8199/api",
    }
    response = client.post(f"/connections/{connection.pk}/credentials/", data)
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert refused(connection), (address, connection.last_error)


def test_the_webhook_sender_dials_the_address_it_checked(db, listener, monkeypatch):
    """DNS rebinding: the name is public when checked and local when dialled."""
    import socket

    real = socket.getaddrinfo
    answers = iter(["93.184.216.34"] + ["127.0.0.1"] * 10)

    def rebinding(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != "rebind.example":
            return real(host, port, *args, **kwargs)
        address = next(answers)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port or 80))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    deliver_to(f"http://rebind.example:{listener.port}/hook")
    assert listener.hits == []


UNPARSABLE = [
    "http://0177.0.0.1:8199/x",
    "http://[::1:8199/x",
    "http://example.com:99999/x",
    "http://exa mple.com/x",
    "http:///x",
]


@pytest.mark.parametrize("url", UNPARSABLE)
def test_an_address_that_cannot_be_parsed_is_a_field_error_in_the_api(estate, url):
    headers = {"Authorization": f"Token {estate.keys['owner']}"}
    body = {
        "system": "feeddex",
        "name": "Feeddex via API",
        "config": {"organization": "org", "api_base_url": url},
        "secrets": {"auth_code": "ac-123456", "password": "pw-123456"},
    }
    answer = Client().post(
        "/api/v1/connections/", json.dumps(body), "application/json", headers=headers
    )
    assert answer.status_code == 400, answer.content
    assert "config.api_base_url" in answer.content.decode()


@pytest.mark.parametrize("url", UNPARSABLE)
def test_an_address_that_cannot_be_parsed_is_a_field_error_in_the_wizard(estate, url):
    feeddex = {
        "feeddex-organization": "org",
        "feeddex-auth_code": "ac-123456",
        "feeddex-password": "pw-123456",
        "feeddex-api_base_url": url,
    }
    assert owner_client(estate).post("/setup/apps/feeddex/", feeddex).status_code == 400


def test_a_stored_address_that_cannot_be_parsed_fails_the_check_without_a_500(estate):
    connection = estate.mine.feeddex
    connection.config = {**connection.config, "api_base_url": "http://0177.0.0.1:8199/x"}
    connection.save(update_fields=["config"])
    headers = {"Authorization": f"Token {estate.keys['owner']}"}
    answer = Client().post(f"/api/v1/connections/{connection.pk}/verify/", headers=headers)
    assert answer.status_code == 200
    assert answer.json()["ok"] is False
    assert "address" in answer.json()["connection"]["last_error"]
