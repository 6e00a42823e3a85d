"""Coercion helpers the functions and the engine share: text, decimals, whole numbers, lists,
booleans."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from mapping.functions.registry import FunctionError


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        return format(value, "g")
    raise FunctionError(f"expected text, got {_shown(value)}")


# Amounts, quantities and rates never need more; the bound keeps a hostile "1e999999999"
# from turning into a billion-digit integer.
MAX_DIGITS = 20


def as_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise FunctionError(f"expected a number, got {_shown(value)}")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, str):
        number = _parse_decimal(value)
    else:
        raise FunctionError(f"expected a number, got {_shown(value)}")
    if not number.is_finite():
        raise FunctionError(f"expected a finite number, got {_shown(value)}")
    if number and not -MAX_DIGITS <= number.adjusted() <= MAX_DIGITS:
        raise FunctionError(f"the number {_shown(value)} is out of range")
    return number


def _parse_decimal(text: str) -> Decimal:
    cleaned = text.strip().replace(" ", "")
    # Dutch notation "1.234,50" or "12,50": comma is the decimal separator.
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        raise FunctionError(f"expected a number, got {_shown(text)}") from None


def as_int(value: Any, what: str = "a whole number") -> int:
    number = as_decimal(value)
    if number != number.to_integral_value():
        raise FunctionError(f"expected {what}, got {_shown(value)}")
    return int(number)


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    raise FunctionError(f"expected a list, got {_shown(value)}")


def as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, str) and value.strip().lower() in {"true", "yes", "ja", "1", "on"}:
        return True
    if isinstance(value, str) and value.strip().lower() in {"false", "no", "nee", "0", "off", ""}:
        return False
    if isinstance(value, int | Decimal | float):
        return bool(value)
    raise FunctionError(f"expected true or false, got {_shown(value)}")


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | dict):
        return not value
    return False


def _text_or_none(value: Any) -> str | None:
    return None if value is None else as_text(value)


CENT = Decimal("0.01")


def round_half_up(number: Decimal, decimals: int = 2) -> Decimal:
    return number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
