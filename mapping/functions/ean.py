"""EAN / GTIN codes: check digits and validation."""

from __future__ import annotations

from typing import Any

from mapping.functions.coercion import _shown
from mapping.functions.registry import FunctionError, register
from mapping.functions.text import trim


def gtin_check_digit(body: str) -> int:
    """Return the GS1 check digit for the digits before it (weights 3, 1, 3, … from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def gtin_problem(code: str) -> str:
    """Return what is wrong with a GTIN-8/12/13/14, or '' when it is valid."""
    if not code.isdigit() or len(code) not in {8, 12, 13, 14}:
        return f"{_shown(code)} is not an EAN: 8, 12, 13 or 14 digits expected"
    expected = gtin_check_digit(code[:-1])
    if int(code[-1]) != expected:
        return f"EAN {code} has check digit {code[-1]}, expected {expected}"
    return ""


@register(
    "ean",
    signature="ean(code, on_invalid='error')",
    category="product",
    returns="string",
    help="Check an EAN/GTIN (8, 12, 13 or 14 digits) and its check digit. An invalid code is "
    "an error, or with on_invalid 'empty' it is left out.",
    examples=[
        (("8712345678906",), "8712345678906"),
        ((" 4006381333931 ",), "4006381333931"),
        (("8712345678901", "empty"), None),
    ],
)
def ean(code: Any, on_invalid: Any = "error") -> str | None:
    if on_invalid not in {"error", "empty"}:
        raise FunctionError(f"on_invalid must be error or empty, got {_shown(on_invalid)}")
    text = trim(code)
    if not text:
        return None
    text = text.replace(" ", "")
    problem = gtin_problem(text)
    if problem and on_invalid == "error":
        raise FunctionError(problem)
    return None if problem else text


@register(
    "is_valid_ean",
    signature="is_valid_ean(code)",
    category="product",
    returns="boolean",
    help="True when the code is an EAN/GTIN with a correct check digit.",
    examples=[(("8712345678906",), True), (("8712345678901",), False)],
)
def is_valid_ean(code: Any) -> bool:
    text = trim(code)
    return text is not None and bool(text) and not gtin_problem(text.replace(" ", ""))
