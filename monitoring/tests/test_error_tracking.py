"""Error reports through Sentry's SDK: what reaches the DSN carries no secret and no
personal data. The DSN is a real HTTP server in the test that keeps what it receives."""

from __future__ import annotations

import gzip
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import sentry_sdk

from monitoring.error_tracking import scrub_event, sentry_init

ROOT = Path(__file__).resolve().parents[2]
CUSTOMER = "jan.jansen@example.nl"
TOKEN = "abcdefgh12345678"


class Envelopes(BaseHTTPRequestHandler):
    received: list[bytes] = []  # noqa: RUF012 - shared by the server's handler instances

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        type(self).received.append(body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def dsn() -> Iterator[str]:
    Envelopes.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Envelopes)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://publickey@127.0.0.1:{server.server_address[1]}/1"
    finally:
        sentry_sdk.init()  # off again: a client without a DSN sends nothing
        server.shutdown()


def test_an_error_report_arrives_without_secrets_or_personal_data(dsn):
    sentry_init(dsn=dsn, environment="test")
    assert sentry_sdk.get_client().is_active()
    assert not sentry_sdk.get_client().should_send_default_pii()
    logging.getLogger("flows.services").warning("calling for %s with Bearer %s", CUSTOMER, TOKEN)
    try:
        raise ValueError(f"debtor {CUSTOMER} refused, token {TOKEN}")
    except ValueError:
        sentry_sdk.capture_exception()
    sentry_sdk.flush(timeout=10)
    sent = b"".join(Envelopes.received)
    assert b"ValueError" in sent  # the report arrived, with its exception
    assert b"debtor j***@example.nl refused" in sent
    assert CUSTOMER.encode() not in sent
    assert TOKEN.encode() not in sent


def test_a_request_leaves_only_its_method_and_url():
    event = {
        "request": {
            "method": "POST",
            "url": "https://apicenter.example.com/api/v1/flows/1/settings/?token=tok-999999999",
            "data": {"email": CUSTOMER},
            "cookies": {"sessionid": "s3ss10n"},
            "headers": {"Authorization": f"Token {TOKEN}"},
            "env": {"REMOTE_ADDR": "192.0.2.7"},
        },
        "user": {"id": 7, "email": CUSTOMER, "ip_address": "192.0.2.7"},
        "extra": {"customer": {"email": CUSTOMER, "firstName": "Jan"}, "password": "hunter22"},
    }
    scrubbed = scrub_event(event, {})
    assert scrubbed["request"] == {
        "method": "POST",
        "url": "https://apicenter.example.com/api/v1/flows/1/settings/?token=[redacted]",
    }
    assert scrubbed["user"] == {"id": 7}
    assert scrubbed["extra"] == {
        "customer": {"email": "j***@example.nl", "firstName": "J***"},
        "password": "[redacted]",
    }


def sentry_active_with(env: dict[str, str]) -> bool:
    """Whether settings turn Sentry on, in a new process (settings are read once)."""
    script = "import django, sentry_sdk; django.setup(); print(sentry_sdk.get_client().is_active())"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY_")}
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "apicenter.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1] == "True"


def test_sentry_is_off_unless_a_dsn_is_set():
    assert not sentry_active_with({})
    assert sentry_active_with({"SENTRY_DSN": "http://publickey@127.0.0.1:9/1"})
