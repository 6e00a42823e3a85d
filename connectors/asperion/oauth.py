"""Asperion's OAuth2 authorization-code flow, and access tokens that stay valid.

Refresh tokens are one-time-use: the identity server answers a refresh with a new refresh
token and invalidates the old one, so two workers refreshing with the same token would leave
one of them (and then the connection) with a burned token. Every refresh therefore runs
under a per-connection lock shared by all processes (`refresh_lock`), re-reads the secrets
inside the lock (another process may have refreshed already: then its access token is used
and nothing is sent), and saves the rotated refresh token before the lock is released and
before the new access token is used.

Secrets on the connection: client_secret, refresh_token, access_token,
access_token_expires_at (ISO 8601, aware). Config: client_id, identity_base_url.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection as db_connection
from django.db import transaction

from connectors.asperion import client
from connectors.asperion.schemas import Token
from connectors.base import still_usable, usable_until
from connectors.errors import ConnectorError
from connectors.http import HttpClient
from connectors.models import Connection
from connectors.services import connection_update_secrets

DEFAULT_IDENTITY_BASE_URL = "https://identity.asperion.nl"
SCOPE = "*"


def identity_base_url(connection: Connection) -> str:
    return str(connection.config.get("identity_base_url") or DEFAULT_IDENTITY_BASE_URL).rstrip("/")


def authorize_url(connection: Connection, *, redirect_uri: str, state: str) -> str:
    """Return the consent page URL; the caller keeps `state` and compares it on the callback."""
    query = urlencode(
        {
            "response_type": "code",
            "client_id": connection.config["client_id"],
            "redirect_uri": redirect_uri,
            "scope": SCOPE,
            "state": state,
        }
    )
    return f"{identity_base_url(connection)}/connect/authorize?{query}"


def identity_client(connection: Connection, **kwargs: Any) -> HttpClient:
    """Return a client for the identity server (not rate limited: it is a separate service)."""
    return HttpClient(
        system="asperion",
        base_url=identity_base_url(connection),
        secrets=connection.secret_values,
        **kwargs,
    )


def exchange_code(
    connection: Connection, *, code: str, redirect_uri: str, identity: HttpClient | None = None
) -> None:
    """Exchange the callback's code for tokens and save them on the connection."""
    own = identity is None
    identity = identity or identity_client(connection)
    try:
        secrets = connection.secrets
        token = _token_call(
            lambda: client.token_from_code(
                identity,
                client_id=connection.config["client_id"],
                client_secret=secrets.get("client_secret", ""),
                code=code,
                redirect_uri=redirect_uri,
            ),
            connection,
        )
    finally:
        if own:
            identity.close()
    if not token.refresh_token:
        raise ConnectorError(
            "Asperion gave no refresh token: is the client allowed offline access?", permanent=True
        )
    connection_update_secrets(connection=connection, changes=token_secrets(token))


def token_secrets(token: Token, *, now: datetime | None = None) -> dict[str, Any]:
    """Return the secrets to store; the expiry stored is when to stop using the token."""
    changes: dict[str, Any] = {
        "access_token": token.access_token,
        "access_token_expires_at": usable_until(token.expires_in, now=now).isoformat(),
    }
    if token.refresh_token:
        changes["refresh_token"] = token.refresh_token
    return changes


def is_fresh(secrets: dict[str, Any], *, now: datetime | None = None) -> bool:
    """Return True when the stored access token may still be used."""
    return bool(secrets.get("access_token")) and still_usable(
        secrets.get("access_token_expires_at"), now=now
    )


def access_token(connection: Connection, identity: HttpClient) -> str:
    """Return a valid access token: the stored one while fresh, else a refreshed one."""
    secrets = connection.secrets
    if is_fresh(secrets):
        return str(secrets["access_token"])
    return refresh(connection, identity, rejected=secrets.get("access_token"))


def refresh(connection: Connection, identity: HttpClient, *, rejected: str | None) -> str:
    """Return a new access token, refreshing at most once across all processes.

    `rejected` is the access token the caller found stale or saw refused (401): when the
    stored one is another, fresh token, another process has refreshed and that one is used.
    A refresh refused for good (the one-time refresh token lost, or consent withdrawn)
    marks the connection at once: only connecting again can help, and runs stop asking.
    """
    try:
        return _refresh(connection, identity, rejected=rejected)
    except ConnectorError as error:
        if error.permanent:
            # After the lock's transaction has ended, so that the mark stays.
            connection.mark_failed(error.message, permanent=True)
        raise


def _refresh(connection: Connection, identity: HttpClient, *, rejected: str | None) -> str:
    with refresh_lock(connection):
        secrets = Connection.objects.get(pk=connection.pk).secrets
        if secrets.get("access_token") != rejected and is_fresh(secrets):
            connection.secrets = secrets
            return str(secrets["access_token"])
        if not secrets.get("refresh_token"):
            raise ConnectorError(
                "the Asperion connection has no refresh token: connect it again", permanent=True
            )
        token = _token_call(
            lambda: client.token_from_refresh(
                identity,
                client_id=str(connection.config.get("client_id", "")),
                client_secret=str(secrets.get("client_secret", "")),
                refresh_token=str(secrets["refresh_token"]),
            ),
            connection,
        )
        # Saved before the lock is released and before the new token is used.
        connection_update_secrets(connection=connection, changes=token_secrets(token))
    return token.access_token


@contextmanager
def refresh_lock(connection: Connection) -> Iterator[None]:
    """Hold the connection's refresh lock, across processes.

    PostgreSQL: a row lock (select_for_update) in a transaction that also commits the
    rotated token. SQLite (the embedded mode) cannot hold a transaction across the token
    call: BEGIN IMMEDIATE locks the whole database, and the sandbox answering that call
    writes to the same database. There an exclusive flock on a file per connection
    serialises the refreshes of every process on the machine (the embedded mode has one).
    """
    if db_connection.vendor == "sqlite":
        path = Path(settings.VAR_DIR) / "locks" / f"asperion-refresh-{connection.pk}.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock
        return
    with transaction.atomic():
        Connection.objects.select_for_update().filter(pk=connection.pk).first()
        yield


def _token_call(call: Any, connection: Connection) -> Token:
    """Run a token request; a refused grant or client is permanent (reconnect needed)."""
    try:
        token: Token = call()
    except ConnectorError as error:
        if error.status in {400, 401}:
            reason = error.api_message or error.message
            raise ConnectorError(
                connection.redact(
                    f"Asperion refused the credentials ({reason}): connect Asperion again"
                ),
                permanent=True,
                status=error.status,
                api_message=error.api_message,
            ) from None
        raise
    return token
