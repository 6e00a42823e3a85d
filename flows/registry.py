"""The flows there are. Adding a flow: write its FlowDefinition and add it to BUILT_IN.

Registering a flow registers its mappings' kinds with the mapping app, which knows no flow.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django_stubs_ext import StrOrPromise

from flows.definitions import (
    CustomersFlow,
    FlowDefinition,
    ProductsFlow,
    ReviewInvitationsFlow,
)
from flows.orders import OrdersFlow
from flows.stock import StockFlow
from mapping.kinds import register_mapping_kind, unregister_mapping_kind

BUILT_IN: tuple[FlowDefinition, ...] = (
    ProductsFlow(),
    StockFlow(),
    CustomersFlow(),
    OrdersFlow(),
    ReviewInvitationsFlow(),
)

FLOWS: dict[str, FlowDefinition] = {}


def register_flow(definition: FlowDefinition) -> FlowDefinition:
    FLOWS[definition.kind] = definition
    for kind in definition.mapping_kinds():
        register_mapping_kind(kind)
    return definition


def unregister_flow(kind: str) -> None:
    definition = FLOWS.pop(kind, None)
    for mapping_kind in definition.mapping_kinds() if definition else []:
        unregister_mapping_kind(mapping_kind.name)


@contextmanager
def flow_registered(definition: FlowDefinition) -> Iterator[FlowDefinition]:
    """Register a flow for the length of a block (a flow that exists only in a test)."""
    register_flow(definition)
    try:
        yield definition
    finally:
        unregister_flow(definition.kind)


def flow_definition(kind: str) -> FlowDefinition:
    return FLOWS[kind]


def flow_kind_choices() -> list[tuple[str, StrOrPromise]]:
    """(kind, label) of every flow, for the Flow.kind field and the forms."""
    return [(kind, definition.label) for kind, definition in FLOWS.items()]


for _definition in BUILT_IN:
    register_flow(_definition)

# The API schema's enum of flow kinds (api/views/schema.py).
BUILT_IN_KINDS = [(definition.kind, str(definition.label)) for definition in BUILT_IN]
