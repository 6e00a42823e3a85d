"""The reference an order gets in the accounting system, by the setting "reference format"
(e.g. "{shop}-{number}"); also how a booked sales order is found again."""

from __future__ import annotations

from connectors.records import Order
from flows.engine import RunContext

MAX_REFERENCE = 50  # the contract's maxLength of a sales order's reference


def format_reference(template: str, *, shop: str, order: Order) -> str:
    text = template.format(shop=shop, number=order.number, id=order.source_id)
    return text.strip()[:MAX_REFERENCE]


def order_reference(ctx: RunContext, order: Order) -> str:
    shop = ctx.connections["shop"].name if "shop" in ctx.connections else ""
    return format_reference(ctx.settings.reference_format, shop=shop, order=order)


def booked_key(ctx: RunContext, order: Order, document: str) -> str:
    """What a booked document is found by: a sales order by its reference, an invoice by the
    order number as a word of its description."""
    return order_reference(ctx, order) if document == "salesorders" else order.number
