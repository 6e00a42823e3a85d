"""Writes for connections: create with encrypted secrets, update, delete."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from connectors.models import Connection
from connectors.registry import SYSTEMS
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
