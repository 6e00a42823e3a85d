"""Asperion OAuth over real HTTP: consent and code exchange, rotation, reuse, races, expiry."""

from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from django.db import connection as db_connection
from django.utils import timezone

from connectors.asperion import oauth
from connectors.asperion.sandbox import seed
from connectors.base import ConnectorError
from connectors.models import Connection
from connectors.services import connection_update_secrets
from connectors.tests.support import Calls, connect

from .conftest import AsperionSandbox

REDIRECT_URI = "http://127.0.0.1:8123/wizard/asperion/callback"


def token_calls(calls: Calls) -> list[int | None]:
    return [c.status for c in calls.calls if c.path == "/connect/token"]


def give_consent(url: str) -> str:
    """Sign in on the sandbox's consent page like a user; return the redirect's query."""
    with httpx.Client(timeout=10) as browser:
        page = browser.get(url)
        assert page.status_code == 200
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert csrf is not None
        form = {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}
        form |= {
            "csrfmiddlewaretoken": csrf.group(1),
            "username": seed.DEMO_USERNAME,
            "password": seed.DEMO_PASSWORD,
            "decision": "allow",
        }
        answer = browser.post(url.split("?")[0], data=form, headers={"Referer": url})
    assert answer.status_code == 302, answer.text[:300]
    location = answer.headers["Location"]
    assert location.startswith(REDIRECT_URI)
    return urlsplit(location).query


def test_the_consent_code_is_exchanged_for_tokens(asperion):
    connection_update_secrets(
        connection=asperion.connection, changes={"refresh_token": "", "access_token": ""}
    )
    url = oauth.authorize_url(asperion.connection, redirect_uri=REDIRECT_URI, state="s-123")
    query = parse_qs(give_consent(url))
    assert query["state"] == ["s-123"]
    oauth.exchange_code(asperion.connection, code=query["code"][0], redirect_uri=REDIRECT_URI)
    asperion.connection.refresh_from_db()
    secrets = asperion.connection.secrets
    assert secrets["refresh_token"]
    assert oauth.is_fresh(secrets)
    connect(asperion.connection).check_connection()
    with pytest.raises(ConnectorError) as reused:  # a code works once
        oauth.exchange_code(asperion.connection, code=query["code"][0], redirect_uri=REDIRECT_URI)
    assert reused.value.permanent
    assert "invalid_grant" in str(reused.value)


def test_a_refresh_rotates_and_saves_the_new_refresh_token(asperion):
    first = asperion.connection.secrets["refresh_token"]
    connect(asperion.connection).check_connection()
    asperion.connection.refresh_from_db()
    rotated = asperion.connection.secrets["refresh_token"]
    assert rotated != first
    # The old one is burned at the server: a connection still holding it is refused.
    connection_update_secrets(
        connection=asperion.connection, changes={"refresh_token": first, "access_token": ""}
    )
    calls = Calls()
    with pytest.raises(ConnectorError) as raised:
        connect(asperion.connection, calls).check_connection()
    assert raised.value.permanent
    assert "invalid_grant" in str(raised.value)
    assert first not in str(raised.value) + calls.text()
    assert token_calls(calls) == [400]  # never repeated


def test_an_expired_access_token_is_refreshed_before_use(asperion):
    asperion.set_token_lifetime(100)
    calls = Calls()
    made = connect(asperion.connection, calls)
    made.reference_data("vatcodes")
    # Used until a tenth of its lifetime before its end, so that it never expires in flight.
    until = datetime.fromisoformat(asperion.connection.secrets["access_token_expires_at"])
    assert timezone.now() + timedelta(seconds=80) < until <= timezone.now() + timedelta(seconds=90)
    # That moment has come (set, not waited for): the next call refreshes first.
    passed = (timezone.now() - timedelta(seconds=1)).isoformat()
    connection_update_secrets(
        connection=asperion.connection, changes={"access_token_expires_at": passed}
    )
    asperion.connection.refresh_from_db()
    made.reference_data("vatcodes")
    assert token_calls(calls) == [200, 200]
    assert calls.count(401) == 0


def test_a_401_refreshes_once_and_goes_on(asperion):
    asperion.set_token_lifetime(60)
    calls = Calls()
    made = connect(asperion.connection, calls)
    made.reference_data("vatcodes")
    # The platform believes its token is good for an hour; the server let it expire.
    later = (timezone.now() + timedelta(hours=1)).isoformat()
    connection_update_secrets(
        connection=asperion.connection, changes={"access_token_expires_at": later}
    )
    asperion.connection.refresh_from_db()
    asperion.move_clock(61)  # the server's clock is past the token's end
    assert made.reference_data("vatcodes")
    assert [c.status for c in calls.calls][-3:] == [401, 200, 200]
    assert token_calls(calls) == [200, 200]


def test_two_workers_refreshing_at_once_refresh_exactly_once(asperion):
    """Each worker has its own Connection object (as two processes would): one refreshes,
    the other waits for the lock, finds the new token, and sends no refresh at all."""
    calls = Calls()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            own = Connection.objects.get(pk=asperion.connection.pk)
            made = connect(own, calls)
            barrier.wait()
            made.reference_data("vatcodes")
            made.close()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            db_connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert token_calls(calls) == [200]
    # Nothing was burned: the saved refresh token still works.
    asperion.connection.refresh_from_db()
    connection_update_secrets(connection=asperion.connection, changes={"access_token": ""})
    connect(asperion.connection).check_connection()


def test_a_wrong_client_secret_is_permanent(asperion: AsperionSandbox):
    connection_update_secrets(
        connection=asperion.connection, changes={"client_secret": "not-the-secret"}
    )
    with pytest.raises(ConnectorError) as raised:
        connect(asperion.connection).check_connection()
    assert raised.value.permanent
    assert "not-the-secret" not in str(raised.value)


def test_the_authorize_url_carries_client_scope_and_state(asperion):
    url = oauth.authorize_url(asperion.connection, redirect_uri=REDIRECT_URI, state="abc")
    parts = urlsplit(url)
    assert parts.path.endswith("/sandbox/asperion/connect/authorize")
    query = parse_qs(parts.query)
    assert query == {
        "response_type": ["code"],
        "client_id": [seed.DEMO_CLIENT_ID],
        "redirect_uri": [REDIRECT_URI],
        "scope": ["*"],
        "state": ["abc"],
    }
