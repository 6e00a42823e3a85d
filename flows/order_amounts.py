"""An order booked to the cent: the mapped lines get amounts that add up to the shop's total.

After the order mapping (and the shipping line) the lines' unit prices are replaced by the
cent-exact ones of `mapping.amounts.settle` (discounts folded in as amounts, four decimals);
a residual that the accounting system's rounding leaves is booked on a rounding line (the
article, or for invoices the ledger account, named in the settings) at the 0 % VAT code, or
the order fails naming the difference. Never a silent cent.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from connectors.records import Order
from flows.settings_schemas import OrderSettings
from mapping.amounts import Charged, Settlement, settle

ROUNDING_DESCRIPTION = "Afronding"


class AmountsDiffer(ValueError):
    """The booked total would differ from the shop's; the message names the difference."""


def payload_lines(payload: dict[str, Any]) -> list[dict[str, Any]]:
    lines = payload.get("lines") or []
    if isinstance(lines, dict):  # the accounting system's {"_data": [...]} envelope
        lines = lines.get("_data") or []
    return list(lines)


def with_lines(payload: dict[str, Any], lines: list[dict[str, Any]]) -> dict[str, Any]:
    if isinstance(payload.get("lines"), dict):
        return {**payload, "lines": {**payload["lines"], "_data": lines}}
    return {**payload, "lines": lines}


def charged_lines(order: Order, lines: list[dict[str, Any]]) -> list[Charged]:
    """What each mapped line stands for in the shop's order: its order line, or the shipping
    cost. A mapping that made other lines cannot be checked, so it is an error, not a guess."""
    charged = [
        Charged.of(
            unit_price=line.unit_price,
            quantity=line.quantity,
            rate=line.vat_rate,
            includes_vat=line.price_includes_vat,
            discount=line.discount_amount,
        )
        for line in order.lines
    ]
    cost = order.shipping_cost
    if len(lines) == len(charged) + 1 and cost is not None and cost.amount > 0:
        charged.append(
            Charged.of(
                unit_price=cost.amount,
                quantity=Decimal(1),
                rate=cost.vat_rate,
                includes_vat=cost.price_includes_vat,
            )
        )
    if len(lines) != len(charged):
        raise AmountsDiffer(
            f"the mapping made {len(lines)} lines of an order with {len(order.lines)} lines "
            "(and shipping): its total cannot be checked to the cent"
        )
    return charged


def shop_total_of(order: Order) -> Decimal | None:
    """The shop's own total incl. VAT (None: the shop sent none; the lines' sum is used)."""
    if order.totals is not None:
        return order.totals.incl_vat
    return None


def settle_order(order: Order, payload: dict[str, Any]) -> tuple[dict[str, Any], Decimal]:
    """The sales-order payload with cent-exact unit prices, and the residual that the
    accounting system's rounding leaves (shop total − booked total)."""
    lines = payload_lines(payload)
    charged = charged_lines(order, lines)
    settlement = settle(charged, shop_total_of(order))
    exact = [
        exact_line(line, settlement, index, item.quantity)
        for index, (line, item) in enumerate(zip(lines, charged, strict=True))
    ]
    return with_lines(payload, exact), settlement.residual


def exact_line(
    line: dict[str, Any], settlement: Settlement, index: int, quantity: Decimal
) -> dict[str, Any]:
    exact = {k: v for k, v in line.items() if k != "discountPercentage"}
    exact["unitPrice"] = float(settlement.unit_price(index, quantity))
    return exact


def zero_vat_code(settings: OrderSettings) -> str:
    code = settings.rounding_vat_code or settings.vat_code_map.get("0")
    if not code:
        raise AmountsDiffer(
            "a rounding line needs a VAT code of 0 %: set 'VAT code of the rounding line'"
        )
    return str(code)


def add_rounding_line(
    settings: OrderSettings, payload: dict[str, Any], residual: Decimal, *, invoice: bool
) -> dict[str, Any]:
    """Book the residual on the rounding line of the settings, or fail naming it."""
    if not residual:
        return payload
    target = settings.rounding_ledger_account_id if invoice else settings.rounding_article_code
    if not settings.rounding_line or not target:
        where = "ledger account" if invoice else "article"
        raise AmountsDiffer(
            f"Asperion's total would differ from the shop's by EUR {residual:+.2f} (Asperion "
            f"rounds VAT per line): turn on 'book rounding differences' and choose its {where}"
        )
    line: dict[str, Any]
    if invoice:
        line = {
            "description": ROUNDING_DESCRIPTION,
            "amount": float(residual),
            "vatCode": zero_vat_code(settings),
            "ledgerAccountId": int(target),
        }
    else:
        line = {
            "articleCode": str(target),
            "description": ROUNDING_DESCRIPTION,
            "quantity": 1,
            "unitPrice": float(residual),
            "vatCode": zero_vat_code(settings),
        }
    return with_lines(payload, [*payload_lines(payload), line])
