from __future__ import annotations

from flows.definitions import (
    CustomersFlow,
    FlowDefinition,
    ProductsFlow,
    ReviewInvitationsFlow,
)
from flows.orders import OrdersFlow
from flows.stock import StockFlow

FLOWS: dict[str, FlowDefinition] = {
    flow.kind: flow
    for flow in (
        ProductsFlow(),
        StockFlow(),
        CustomersFlow(),
        OrdersFlow(),
        ReviewInvitationsFlow(),
    )
}
