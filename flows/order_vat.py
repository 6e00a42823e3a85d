"""VAT codes by destination and customer type (see mapping/vat.py for the kinds of sale).

After the order mapping (and the shipping line) each line gets the VAT code of its kind of
sale from the settings: Dutch per rate, OSS per country and rate, the intra-community code
for an EU business with a valid-looking VAT number at 0 %, the export code outside the EU at
0 %. A code that the settings lack fails the order naming the setting; an EU business whose
VAT number does not look valid is booked as a consumer sale, or fails, by setting.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from connectors.records import Order
from flows.order_amounts import payload_lines, with_lines
from flows.settings_schemas import OrderSettings
from mapping.vat import EU_COUNTRIES, HOME, oss_key, rate_key, sale_kind, vat_number_looks_valid


class VatCodeMissing(ValueError):
    """No VAT code for a line's kind of sale; the message names the setting to fill."""


def destination(order: Order) -> str:
    """Where the goods go (the place of supply of a distance sale): the shipping address's
    country, else the billing address's."""
    shipping = order.shipping.country if order.shipping else None
    return (shipping or order.billing.country or HOME).upper()


def business_vat_valid(settings: OrderSettings, order: Order) -> bool:
    """Whether the order is a business purchase with a valid-looking VAT number (for EU
    countries other than the Netherlands; elsewhere it does not change the VAT)."""
    customer = order.customer
    country = destination(order)
    if not customer.company_name or not customer.vat_number:
        return False
    if country == HOME or country not in EU_COUNTRIES:
        return False
    billing_country = (order.billing.country or country).upper()
    if vat_number_looks_valid(customer.vat_number, billing_country):
        return True
    if settings.vat_invalid_number == "fail":
        raise VatCodeMissing(
            f"the VAT number {customer.vat_number} does not look valid for {billing_country}: "
            "correct it, or let the setting 'invalid VAT number' book it as a consumer sale"
        )
    return False


def line_vat_code(settings: OrderSettings, *, country: str, rate: Decimal, business: bool) -> str:
    kind = sale_kind(
        country=country,
        rate=rate,
        business_vat_valid=business,
        oss_registered=settings.oss_registered,
    )
    if kind == "intra_eu":
        return required(settings.vat_code_intra_eu, "VAT code for intra-community supplies")
    if kind == "export":
        return required(settings.vat_code_export, "VAT code for exports")
    if kind == "oss":
        key = oss_key(country, rate)
        return required(settings.vat_oss_map.get(key), f"OSS VAT codes ({key})")
    code = settings.vat_code_map.get(rate_key(rate)) or settings.vat_code_map.get(str(int(rate)))
    return required(code, f"VAT codes ({rate_key(rate)} %)")


def required(code: str | None, setting: str) -> str:
    if not code:
        raise VatCodeMissing(f"no VAT code for this sale: fill the setting '{setting}'")
    return code


def apply_vat_codes(
    settings: OrderSettings, order: Order, payload: dict[str, Any]
) -> dict[str, Any]:
    """The payload with each line's VAT code chosen by destination and customer type (the
    lines are the order's lines, then the shipping line, as the flow makes them)."""
    rates = [line.vat_rate for line in order.lines]
    if order.shipping_cost is not None:
        rates.append(order.shipping_cost.vat_rate)
    country = destination(order)
    business = business_vat_valid(settings, order)
    lines = []
    for index, line in enumerate(payload_lines(payload)):
        if index < len(rates):
            code = line_vat_code(settings, country=country, rate=rates[index], business=business)
            line = {**line, "vatCode": code}
        lines.append(line)
    return with_lines(payload, lines)
