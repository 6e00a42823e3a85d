"""Numbers and money: parsing, rounding, sums, VAT and discounts."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from mapping.amounts import Charged, line_amount, unit_price_for
from mapping.functions.coercion import (
    _shown,
    as_bool,
    as_decimal,
    as_int,
    as_list,
    as_text,
    is_empty,
    round_half_up,
)
from mapping.functions.registry import FunctionError, register


@register(
    "number",
    signature="number(value)",
    category="number",
    returns="number",
    help="Read a number from text ('12,50' and '1.234,50' are read the Dutch way).",
    examples=[(("12,50",), Decimal("12.50")), (("1.234,50",), Decimal("1234.50"))],
)
def number(value: Any) -> Decimal | None:
    return None if is_empty(value) else as_decimal(value)


@register(
    "integer",
    signature="integer(value, rounding='down')",
    category="number",
    returns="integer",
    help="A whole number: rounding 'down' (towards zero, for stock), 'half_up' or 'exact' "
    "(an error when there is a fraction).",
    examples=[(("5.000",), 5), (("2.7",), 2), (("2.5", "half_up"), 3)],
)
def integer(value: Any, rounding: Any = "down") -> int | None:
    if is_empty(value):
        return None
    modes = {"down": ROUND_DOWN, "half_up": ROUND_HALF_UP}
    if rounding == "exact":
        return as_int(value)
    if rounding not in modes:
        raise FunctionError(f"rounding must be down, half_up or exact, got {_shown(rounding)}")
    return int(as_decimal(value).to_integral_value(rounding=modes[rounding]))


@register(
    "round",
    signature="round(value, decimals=2)",
    category="number",
    returns="number",
    help="Round half up (2.345 → 2.35) to a number of decimals.",
    examples=[(("2.345",), Decimal("2.35")), ((Decimal("7.5"), 0), Decimal("8"))],
)
def round_number(value: Any, decimals: Any = 2) -> Decimal | None:
    places = _decimals(decimals)
    return None if is_empty(value) else round_half_up(as_decimal(value), places)


def _decimals(value: Any) -> int:
    places = as_int(value)
    if not 0 <= places <= 10:
        raise FunctionError(f"decimals must be between 0 and 10, got {places}")
    return places


@register(
    "format_number",
    signature="format_number(value, decimals=2, decimal_separator=',', thousands_separator='.')",
    category="number",
    returns="string",
    help="Write a number as text, rounded half up, with the separators you choose "
    "(Dutch style by default).",
    examples=[(("1234.5",), "1.234,50"), ((1234.5, 1, ".", ","), "1,234.5")],
)
def format_number(
    value: Any, decimals: Any = 2, decimal_separator: Any = ",", thousands_separator: Any = "."
) -> str | None:
    places = _decimals(decimals)
    if is_empty(value):
        return None
    text = f"{round_half_up(as_decimal(value), places):,.{places}f}"
    swap = {",": as_text(thousands_separator), ".": as_text(decimal_separator)}
    return "".join(swap.get(ch, ch) for ch in text)


@register(
    "add",
    signature="add(value, ...)",
    category="number",
    returns="number",
    help="The sum of the values; empty values count as 0.",
    examples=[(("10.00", 2), Decimal("12.00"))],
)
def add(*values: Any) -> Decimal:
    return sum((as_decimal(v) for v in values if not is_empty(v)), Decimal(0))


@register(
    "subtract",
    signature="subtract(value, other)",
    category="number",
    returns="number",
    help="value − other; an empty other counts as 0 (e.g. current stock − reservations).",
    examples=[(("12", "3"), Decimal("9")), (("12", None), Decimal("12"))],
)
def subtract(value: Any, other: Any) -> Decimal | None:
    if is_empty(value):
        return None
    return as_decimal(value) - (Decimal(0) if is_empty(other) else as_decimal(other))


@register(
    "multiply",
    signature="multiply(value, factor)",
    category="number",
    returns="number",
    help="value × factor.",
    examples=[(("2.50", 3), Decimal("7.50"))],
)
def multiply(value: Any, factor: Any) -> Decimal | None:
    return None if is_empty(value) else as_decimal(value) * as_decimal(factor)


@register(
    "clamp",
    signature="clamp(value, minimum=None, maximum=None)",
    category="number",
    returns="number",
    help="Keep a number within bounds (e.g. stock never below 0).",
    examples=[((-3, 0), Decimal("0")), ((7, 0, 5), Decimal("5"))],
)
def clamp(value: Any, minimum: Any = None, maximum: Any = None) -> Decimal | None:
    if is_empty(value):
        return None
    result = as_decimal(value)
    if minimum is not None:
        result = max(result, as_decimal(minimum))
    if maximum is not None:
        result = min(result, as_decimal(maximum))
    return result


@register(
    "sum",
    signature="sum(list)",
    category="list",
    returns="number",
    help="The sum of a list of numbers (e.g. all line quantities).",
    examples=[((["1.50", 2, "0.25"],), Decimal("3.75")), (([],), Decimal("0"))],
)
def sum_list(values: Any) -> Decimal:
    return add(*as_list(values))


@register(
    "count",
    signature="count(list)",
    category="list",
    returns="integer",
    help="How many items a list has.",
    examples=[((["a", "b"],), 2)],
)
def count(values: Any) -> int:
    return len(as_list(values))


@register(
    "first",
    signature="first(list)",
    category="list",
    returns="any",
    help="The first item of a list, or nothing when it is empty.",
    examples=[((["a", "b"],), "a"), (([],), None)],
)
def first(values: Any) -> Any:
    items = as_list(values)
    return items[0] if items else None


@register(
    "name_value_list",
    signature="name_value_list(names, value, ...)",
    category="list",
    returns="list",
    help="Pairs of names (a list) and values into [{name, value}], leaving out pairs with an "
    "empty name or value: Asperion's characteristics → Feeddex attributes.",
    examples=[((["Kleur", "Maat"], "rood", None), [{"name": "Kleur", "value": "rood"}])],
)
def name_value_list(names: Any, *values: Any) -> list[dict[str, str]]:
    labels = as_list(names)
    pairs = []
    for label, value in zip(labels, values, strict=False):
        if not is_empty(label) and not is_empty(value):
            pairs.append({"name": as_text(label), "value": as_text(value)})
    return pairs


def _rate(rate: Any) -> Decimal:
    value = as_decimal(rate)
    if not 0 <= value <= 100:
        raise FunctionError(f"a VAT rate is a percentage from 0 to 100, got {_shown(rate)}")
    return value


@register(
    "price_incl_vat",
    signature="price_incl_vat(price, rate, includes_vat=False)",
    category="money",
    returns="number",
    help="The price including VAT at a rate in percent, rounded half up to cents. When the "
    "price includes VAT already (third argument true) it is only rounded.",
    examples=[
        (("10.00", 21), Decimal("12.10")),
        (("8.26", "21"), Decimal("9.99")),
        (("12.10", 21, True), Decimal("12.10")),
    ],
)
def price_incl_vat(price: Any, rate: Any, includes_vat: Any = False) -> Decimal | None:
    factor = 1 + _rate(rate) / 100
    if is_empty(price):
        return None
    amount = as_decimal(price)
    return round_half_up(amount if as_bool(includes_vat) else amount * factor)


@register(
    "price_excl_vat",
    signature="price_excl_vat(price, rate, includes_vat=True)",
    category="money",
    returns="number",
    help="The price excluding VAT at a rate in percent, rounded half up to cents. When the "
    "price excludes VAT already (third argument false) it is only rounded.",
    examples=[
        (("12.10", 21), Decimal("10.00")),
        (("9.99", 21), Decimal("8.26")),
        (("10.00", 21, False), Decimal("10.00")),
    ],
)
def price_excl_vat(price: Any, rate: Any, includes_vat: Any = True) -> Decimal | None:
    factor = 1 + _rate(rate) / 100
    if is_empty(price):
        return None
    amount = as_decimal(price)
    return round_half_up(amount / factor if as_bool(includes_vat) else amount)


@register(
    "line_price_excl_vat",
    signature="line_price_excl_vat(unit_price, quantity, discount, rate, includes_vat=True)",
    category="money",
    returns="number",
    help="A line's unit price excl. VAT with four decimals, its discount amount folded in, "
    "chosen so that the accounting system's line (amount rounded to cents, VAT rounded per "
    "line) adds up to the line as the shop charged it, to the cent.",
    examples=[
        (("11.64", 3, "0", 21, True), Decimal("9.6200")),
        (("10.00", 2, "1.00", 21, False), Decimal("9.5000")),
    ],
)
def line_price_excl_vat(
    unit_price: Any, quantity: Any, discount: Any, rate: Any, includes_vat: Any = True
) -> Decimal | None:
    if is_empty(unit_price):
        return None
    line = Charged.of(
        unit_price=as_decimal(unit_price),
        quantity=as_decimal(quantity),
        rate=_rate(rate),
        includes_vat=as_bool(includes_vat),
        discount=Decimal(0) if is_empty(discount) else as_decimal(discount),
    )
    if line.quantity <= 0:
        raise FunctionError(f"a quantity must be more than 0, got {_shown(quantity)}")
    return unit_price_for(line_amount(line), line.quantity)


@register(
    "discount_percentage",
    signature="discount_percentage(discount, unit_price, quantity=1)",
    category="money",
    returns="number",
    help="A line's discount amount as a percentage of unit price × quantity, rounded to two "
    "decimals (Asperion lines take a percentage, shops give an amount).",
    examples=[(("5.00", "25.00", 2), Decimal("10.00")), ((0, "25.00", 1), Decimal("0.00"))],
)
def discount_percentage(discount: Any, unit_price: Any, quantity: Any = 1) -> Decimal:
    amount = Decimal(0) if is_empty(discount) else as_decimal(discount)
    gross = as_decimal(unit_price) * as_decimal(quantity)
    if amount == 0:
        return Decimal("0.00")
    if gross <= 0 or not 0 <= amount <= gross:
        raise FunctionError(f"a discount of {amount} does not fit a line worth {gross}")
    return round_half_up(amount * 100 / gross)
