"""Book a generated Feeddex order in-process: the real record parsing, the real default order
mapping and the orders flow's amount functions, then the Asperion sandbox's own parsing and
arithmetic, against the Feeddex sandbox's own total. Used by the property test and by
bench/order_totals.py (which prints the figures).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from connectors.asperion.sandbox import models as asperion_db
from connectors.asperion.sandbox import services as asperion_sandbox
from connectors.asperion.sandbox.schemas import INVOICE_LINE_FIELDS, ORDER_LINE_FIELDS, read_fields
from connectors.feeddex.connector import order_record
from connectors.feeddex.sandbox.services import order_totals
from flows.order_amounts import AmountsDiffer, add_rounding_line, payload_lines, settle_order
from flows.order_lookups import invoice_payload
from flows.order_vat import apply_vat_codes
from flows.orders import add_shipping_line
from flows.settings_schemas import CustomerDefaults, OrderSettings
from mapping.selectors import mapping_runnable_default

RATES = {"VH": Decimal(21), "VL": Decimal(9), "V0": Decimal(0)}


BILLING = {
    "street": "Keizersgracht",
    "houseNumber": "1",
    "postalCode": "1015 CJ",
    "city": "Amsterdam",
    "countryCode": "NL",
}


@dataclass
class Booked:
    shop_total: Decimal
    booked_total: Decimal | None  # None: the order failed
    rounding: bool
    reason: str = ""


def feeddex_order(
    lines: list[dict[str, Any]], shipping: dict[str, Any], number: int = 1
) -> dict[str, Any]:
    """A Feeddex order answer as the contract has it, with the Feeddex sandbox's totals."""
    return {
        "id": number,
        "number": f"FDX-{number}",
        "status": "processing",
        "paymentStatus": "paid",
        "paymentMethod": "ideal",
        "currency": "EUR",
        "customer": {"id": None, "email": "a@example.nl", "lastName": "Jansen"},
        "billingAddress": BILLING,
        "lines": lines,
        "shippingCost": shipping,
        "totals": order_totals(lines, shipping),
        "createdAt": "2026-03-01T10:00:00Z",
        "updatedAt": "2026-03-01T10:00:00Z",
    }


def book(raw: dict[str, Any], settings: OrderSettings) -> Booked:
    order = order_record(raw)
    assert order.totals is not None
    shop_total = order.totals.incl_vat
    context = {
        "settings": settings.model_dump(mode="json"),
        "customer_defaults": CustomerDefaults().model_dump(mode="json"),
    }
    payload, errors = mapping_runnable_default(flow_kind="orders").apply(
        order.as_source(), context=context
    )
    assert payload is not None, errors
    ctx: Any = SimpleNamespace(settings=settings)
    payload = add_shipping_line(ctx, order, {**payload, "debtorCustomerNumber": "1"})
    invoice = settings.book_as == "salesinvoice"
    try:
        payload = apply_vat_codes(settings, order, payload)
        payload, residual = settle_order(order, payload)
        if invoice:
            payload = invoice_payload(ctx, order, payload)
        payload = add_rounding_line(settings, payload, residual, invoice=invoice)
    except AmountsDiffer as error:
        return Booked(shop_total, None, False, str(error))
    total = invoice_total(payload) if invoice else sales_order_total(payload)
    return Booked(shop_total, total, bool(residual))


def sales_order_total(payload: dict[str, Any]) -> Decimal:
    """What the Asperion sandbox books for these lines: its parsing, its arithmetic."""
    priced = []
    for line in payload_lines(payload):
        errors: dict[str, Any] = {}
        values = read_fields(line, ORDER_LINE_FIELDS, errors)
        assert not errors, errors
        vat = asperion_db.VatCode(code=values["vatCode"], percentage=RATES[values["vatCode"]])
        priced.append(asperion_sandbox.priced_line(asperion_db.Article(), values, vat))
    document = asperion_db.SalesOrder()
    asperion_sandbox.set_amounts(document, [(p.amount, p.vat_amount) for p in priced])
    return document.amount_incl_vat


def invoice_total(payload: dict[str, Any]) -> Decimal:
    amounts = []
    for line in payload_lines(payload):
        errors: dict[str, Any] = {}
        values = read_fields(line, INVOICE_LINE_FIELDS, errors)
        assert not errors, errors
        amount = values["amount"]
        amounts.append((amount, asperion_sandbox.cents(amount * RATES[values["vatCode"]] / 100)))
    document = asperion_db.SalesInvoice()
    asperion_sandbox.set_amounts(document, amounts)
    return document.amount_incl_vat


def random_order(rng: random.Random, number: int = 1) -> dict[str, Any]:
    """One order as a shop might place it: 1-5 lines, mixed rates, discounts, shipping."""
    includes_vat = rng.random() < 0.7
    lines = []
    for index in range(rng.randint(1, 5)):
        price = Decimal(rng.randint(1, 50000)) / 100
        quantity = rng.randint(1, 12)
        discount = Decimal(0)
        if rng.random() < 0.3:
            discount = Decimal(rng.randint(1, int(price * quantity * 100))) / 100
        lines.append(
            {
                "sku": f"ART-{index}",
                "name": f"Artikel {index}",
                "quantity": quantity,
                "unitPrice": float(price),
                "priceIncludesVat": includes_vat,
                "vatRate": rng.choice([21, 21, 9, 0]),
                "discountAmount": float(discount),
            }
        )
    shipping = {
        "amount": float(Decimal(rng.choice([0, 0, 395, 495, 695, 1250])) / 100),
        "priceIncludesVat": includes_vat,
        "vatRate": rng.choice([21, 9]),
    }
    return feeddex_order(lines, shipping, number)


def settings_for(*, invoice: bool = False, rounding: bool = True) -> OrderSettings:
    extra: dict[str, Any] = {}
    if invoice:
        extra = {
            "book_as": "salesinvoice",
            "invoice_journal_id": "VKW",
            "revenue_ledger_account_id": 8000,
        }
    return OrderSettings(
        rounding_line=rounding,
        rounding_article_code="AFRONDING",
        rounding_ledger_account_id=8900,
        **extra,
    )
