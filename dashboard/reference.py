"""The applications' own lists (VAT codes, debtor kinds, units, ...) for the settings selects.

Fetched through the connector and cached briefly: a settings page must not cost a dozen API
calls each time it opens, and a list that cannot be fetched leaves a plain text field.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache

from connectors.base import ConnectorError
from connectors.models import Connection, ConnectionStatus
from connectors.registry import connector_class
from dashboard.schema_forms import REFERENCE_FIELDS, Choices
from flows.models import Integration

CACHE_SECONDS = 600
FAILURE_SECONDS = 60


def cache_key(connection: Connection, kind: str) -> str:
    # The config is part of the key: another administration has other lists.
    config = hashlib.sha256(repr(sorted(connection.config.items())).encode()).hexdigest()[:12]
    return f"dashboard:reference:{connection.pk}:{config}:{kind}"


def reference_options(connection: Connection, kind: str) -> Choices | None:
    """Return [(id, "id – label")] from the application, or None when it cannot be fetched.

    Only a connection that passed its test is asked; a failure is remembered for a minute so
    that a page does not wait for the same timeout again on every load.
    """
    if connection.status != ConnectionStatus.OK:
        return None
    key = cache_key(connection, kind)
    cached: Choices | None = cache.get(key)
    if cached is not None:
        return cached or None

    connector = connector_class(connection.system)(connection)
    try:
        options = connector.reference_data(kind)
    except ConnectorError:
        cache.set(key, [], FAILURE_SECONDS)
        return None
    finally:
        connector.close()
    choices = [(str(o.id), f"{o.id} – {o.label}" if o.label else str(o.id)) for o in options]
    cache.set(key, choices, CACHE_SECONDS)
    return choices


def options_for(
    field_names: list[str], connections: dict[str, Connection]
) -> tuple[dict[str, Choices], dict[str, Choices]]:
    """Return (select options, hint lists) for the reference fields among `field_names`.

    Plain fields become selects; map fields (value → id) get the list as a hint.
    """
    selects: dict[str, Choices] = {}
    hints: dict[str, Choices] = {}
    for name in field_names:
        if name not in REFERENCE_FIELDS:
            continue
        system, kind = REFERENCE_FIELDS[name]
        connection = connections.get(system)
        options = reference_options(connection, kind) if connection else None
        if options is None:
            continue
        (hints if name.endswith("_map") else selects)[name] = options
    return selects, hints


def integration_connections(integration: Integration) -> dict[str, Connection]:
    return integration.connections()
