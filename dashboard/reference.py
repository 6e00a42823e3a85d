"""The applications' own lists (VAT codes, debtor kinds, units, ...) for the settings selects.

Fetched through the connector and cached briefly: a settings page must not cost a dozen API
calls each time it opens, and a list that cannot be fetched leaves a plain text field.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.core.cache import cache

from connectors.base import ConnectorError, Option
from connectors.models import Connection, ConnectionStatus
from connectors.registry import connector_class
from dashboard.map_tables import MAP_TABLES, keys_from_lists
from dashboard.schema_forms import REFERENCE_FIELDS, Choices
from flows.models import Integration

CACHE_SECONDS = 600
FAILURE_SECONDS = 60


def cache_key(connection: Connection, kind: str) -> str:
    # The config is part of the key: another administration has other lists.
    config = hashlib.sha256(repr(sorted(connection.config.items())).encode()).hexdigest()[:12]
    return f"dashboard:reference:v2:{connection.pk}:{config}:{kind}"


def reference_list(connection: Connection, kind: str) -> list[Option] | None:
    """Return the application's list (with each item's facts), or None when it cannot be
    fetched.

    Only a connection that passed its test is asked; a failure is remembered for a minute so
    that a page does not wait for the same timeout again on every load.
    """
    if connection.status != ConnectionStatus.OK:
        return None
    key = cache_key(connection, kind)
    cached: list[tuple[str, str, dict[str, object]]] | None = cache.get(key)
    if cached is not None:
        return [Option(id_, label, facts) for id_, label, facts in cached] or None

    connector = connector_class(connection.system)(connection)
    try:
        options: list[Option] = connector.reference_data(kind)
    except ConnectorError:
        cache.set(key, [], FAILURE_SECONDS)
        return None
    finally:
        connector.close()
    cache.set(key, [(o.id, o.label, o.facts) for o in options], CACHE_SECONDS)
    return options


def reference_forget(connection: Connection, kind: str) -> None:
    """Read the list afresh next time (after the platform added an item to it)."""
    cache.delete(cache_key(connection, kind))


def reference_options(connection: Connection, kind: str) -> Choices | None:
    """Return [(id, "id – label")] from the application, or None when it cannot be fetched."""
    options = reference_list(connection, kind)
    return None if options is None else choices_of(options)


def choices_of(options: list[Option]) -> Choices:
    return [(str(o.id), f"{o.id} – {o.label}" if o.label else str(o.id)) for o in options]


@dataclass
class FormLists:
    """What the applications' lists give a settings form."""

    # Field name → the options of its select (a map's: of each row's select).
    selects: dict[str, Choices] = field(default_factory=dict)
    # Map field name → rows the lists propose (a payment condition's days, an OSS code's
    # country and rate), beside the keys already set and the known defaults.
    map_keys: dict[str, list[str]] = field(default_factory=dict)


def options_for(field_names: list[str], connections: dict[str, Connection]) -> FormLists:
    """The select options (and a map's proposed rows) for the reference fields among
    `field_names`; a field whose list cannot be read now gets none (a plain text input)."""
    found = FormLists()
    for name in field_names:
        if name not in REFERENCE_FIELDS:
            continue
        system, kind = REFERENCE_FIELDS[name]
        connection = connections.get(system)
        items = reference_list(connection, kind) if connection else None
        if items is None:
            continue
        if kind == "vatcodes":  # every VAT code setting is one for sales
            items = [o for o in items if o.facts.get("salesCode") is not False]
        found.selects[name] = choices_of(items)
        if name in MAP_TABLES:
            found.map_keys[name] = keys_from_lists(name, items)
    return found


def integration_connections(integration: Integration) -> dict[str, Connection]:
    return integration.connections()
