"""Writes for connections: create with encrypted secrets, save from a form, verify, delete."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from connectors.base import ConnectorError
from connectors.models import Connection, ConnectionStatus
from connectors.registry import SYSTEMS, connector_class
from connectors.selectors import connection_for
from tenants.models import Tenant


def connection_create(
    *, tenant: Tenant, system: str, name: str, config: dict[str, Any], secrets: dict[str, Any]
) -> Connection:
    if system not in SYSTEMS:
        raise ValueError(f"unknown system {system!r}")
    connection = Connection(tenant=tenant, system=system, name=name, config=config)
    connection.secrets = secrets
    connection.full_clean()
    connection.save()
    return connection


@transaction.atomic
def connection_update_secrets(*, connection: Connection, changes: dict[str, Any]) -> Connection:
    """Merge changed secrets under a row lock, so concurrent writers never lose an update."""
    locked = Connection.objects.select_for_update().get(pk=connection.pk)
    locked.secrets = {**locked.secrets, **changes}
    locked.save(update_fields=["secrets_encrypted"])
    connection.secrets_encrypted = locked.secrets_encrypted
    return connection


def connection_delete(*, connection: Connection) -> None:
    connection.delete()


def connection_verify(*, connection: Connection) -> Connection:
    """Call the system once with the stored credentials and record the outcome on the row
    (status, last error, last verified), redacted."""
    connector = connector_class(connection.system)(connection)
    try:
        connector.check_connection()
    except ConnectorError as error:
        connection.mark_failed(str(error) or error.api_message or "", permanent=error.permanent)
        return connection
    finally:
        connector.close()
    connection.mark_ok()
    return connection


def connection_test(*, connection: Connection) -> str | None:
    """Verify the connection; return None when it works, else the API's own error (what the
    wizard and the Test buttons show)."""
    connection_verify(connection=connection)
    return None if connection.status == ConnectionStatus.OK else connection.last_error


def connection_save(
    *,
    tenant: Tenant,
    system: str,
    name: str,
    config: dict[str, Any],
    secrets: dict[str, Any],
    replace: Connection | None = None,
    create: bool = False,
) -> Connection:
    """Create the connection, or replace config and secrets of an existing one: `replace`,
    else the tenant's newest connection to the system. `create` makes a new one whatever
    exists (the connections of a company's next integration).

    Replacing keeps the row, so an integration that points at it keeps working with the new
    credentials (re-connect and credential rotation are the same operation).
    """
    existing = None if create else replace or connection_for(tenant=tenant, system=system)
    if existing is None:
        return connection_create(
            tenant=tenant, system=system, name=name, config=config, secrets=secrets
        )
    existing.name, existing.config = name, {**existing.config, **config}
    existing.secrets = secrets
    existing.status, existing.last_error = ConnectionStatus.NEW, ""
    existing.save(update_fields=["name", "config", "secrets_encrypted", "status", "last_error"])
    return existing


def connection_set_config(*, connection: Connection, changes: dict[str, Any]) -> Connection:
    connection.config = {**connection.config, **changes}
    connection.save(update_fields=["config"])
    return connection
