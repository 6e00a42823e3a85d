"""Payment terms and methods that default to the accounting system's own: a payment term
the setting does not map goes to the payment condition with the same number of days, and a
payment method whose mapped id the accounting system does not have goes to its method with
the same meaning (flows/bookkeeping_defaults.py). The lists are read once per run."""

from __future__ import annotations

from typing import Any

from connectors.base import ConnectorError
from connectors.records import Order
from flows.bookkeeping_defaults import match_payment_condition, propose_payment_methods
from flows.engine import RunContext


def rows(ctx: RunContext, kind: str) -> list[dict[str, Any]]:
    def read() -> list[dict[str, Any]]:
        try:
            return ctx.accounting().reference_rows(kind)
        except (ConnectorError, ValueError):
            return []  # then the mapped values go as they are

    return ctx.once(f"reference_rows:{kind}", read)


def with_payment_defaults(ctx: RunContext, order: Order, payload: dict[str, Any]) -> dict[str, Any]:
    """The sales payload with the payment condition and method filled from the accounting
    system's lists where the settings' maps leave them empty or name one it does not have."""
    result = dict(payload)
    days = order.payment_term_days
    if result.get("paymentConditionId") is None and days is not None:
        condition = match_payment_condition(rows(ctx, "paymentconditions"), days)
        if condition is not None:
            result["paymentConditionId"] = condition
    method = order.payment_method
    if method and "paymentMethodId" in result:
        methods = rows(ctx, "paymentmethods")
        known = {str(row.get("id")) for row in methods}
        if methods and str(result["paymentMethodId"]) not in known:
            result["paymentMethodId"] = propose_payment_methods(methods).get(method)
    return result
