"""A few real records from a flow's source, for the mapping preview.

Read through the connector (the first page of the flow's stream, a handful of records) and
cached briefly as their canonical JSON, so that editing a mapping does not call the
application on every keystroke.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.utils.translation import gettext as _

from connectors.base import AccountingConnector, BadRecord, ConnectorError
from connectors.models import Connection, ConnectionStatus
from connectors.records import Invoice
from connectors.registry import connector_class
from flows.models import Flow
from flows.registry import FLOWS

SAMPLE_SIZE = 3
CACHE_SECONDS = 300


def cache_key(flow: Flow) -> str:
    return f"dashboard:samples:{flow.pk}"


def sample_sources(flow: Flow) -> tuple[list[dict[str, Any]], str | None]:
    """Return (up to SAMPLE_SIZE source records as JSON, None) or ([], the reason)."""
    cached: list[dict[str, Any]] | None = cache.get(cache_key(flow))
    if cached:
        return cached, None
    connection = source_connection(flow)
    if connection.status != ConnectionStatus.OK:
        return [], _("Test the %s connection first: the preview reads records from it.") % (
            connection.name
        )
    try:
        sources = read_samples(flow, connection)
    except (ConnectorError, ValueError) as error:
        return [], str(error)
    if sources:
        cache.set(cache_key(flow), sources, CACHE_SECONDS)
    return sources, None


def sample_values(flow: Flow) -> dict[str, str]:
    """The first cached sample record's top-level values as short text, to show beside each
    source field in the mapper ({} until samples were read: this never calls the source)."""
    cached: list[dict[str, Any]] | None = cache.get(cache_key(flow))
    if not cached:
        return {}
    return {
        name: str(value)[:60]
        for name, value in cached[0].items()
        if value not in (None, "") and not isinstance(value, dict | list)
    }


def samples_pending(flow: Flow) -> bool:
    """Whether a preview must read records from the source first (none cached): seconds,
    so a page shows the preview after it, not before."""
    if cache.get(cache_key(flow)):
        return False
    return source_connection(flow).status == ConnectionStatus.OK


def source_connection(flow: Flow) -> Connection:
    return flow.integration.connection(flow.definition.source)


def complete(connector: Any, record: Any) -> Any:
    """A sample as the flow writes it: an invoice with its customer (read lazily by runs)."""
    if isinstance(record, Invoice) and isinstance(connector, AccountingConnector):
        return connector.with_customer(record)
    return record


def read_samples(flow: Flow, connection: Connection) -> list[dict[str, Any]]:
    connector = connector_class(connection.system)(connection)
    try:
        for page in connector.read(FLOWS[flow.kind].stream, page_size=SAMPLE_SIZE * 3):
            good = [r for r in page.records if not isinstance(r, BadRecord)][:SAMPLE_SIZE]
            return [complete(connector, record).as_source() for record in good]
    finally:
        connector.close()
    return []
