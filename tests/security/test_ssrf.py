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
