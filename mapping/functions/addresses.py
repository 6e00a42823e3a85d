"""Dutch and Belgian address lines: split into street, number and addition, and joined."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mapping.functions.coercion import _shown, _text_or_none
from mapping.functions.registry import FunctionError, register
from mapping.functions.text import trim

# The house number is the last number that is followed only by an addition; a number inside
# the street ("2e Hugo de Grootstraat", "Plein 1944") stays part of the street. An addition
# is letters ("A", "bis", "hs"), a Belgian box ("bus 3", "bte 2"), or after - or / a number
# ("12-14"); a bare number after a space is never an addition, so "Plein 1944 12" works.
_WORD_ADDITION = r"(?:bus|bte|boîte|box)\.?\s*[0-9A-Za-z]{1,6}|[A-Za-z]{1,4}\.?(?:\s*[0-9]{1,3})?"
_ADDRESS = re.compile(
    r"^(?P<street>.*?\S)\s*,?\s+(?P<number>[0-9]{1,5})(?:"
    r"\s*[-/]\s*(?P<after_dash>[0-9]{1,4}(?:[A-Za-z]{1,2}|-[A-Za-z]{1,6})?|" + _WORD_ADDITION + r")"
    r"|\s+(?P<after_space>" + _WORD_ADDITION + r")"
    r"|(?P<glued>[A-Za-z]{1,3})"
    r")?\s*$"
)
_STARTS_WITH_DIGIT = re.compile(r"^[0-9]")


@dataclass(frozen=True)
class AddressParts:
    street: str
    number: str
    addition: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"street": self.street, "number": self.number, "addition": self.addition}


def parse_address_line(line: str) -> AddressParts:
    """Return the street, house number and addition of a one-line Dutch or Belgian address."""
    if len(line) > 200:
        raise FunctionError("an address line is at most 200 characters")
    text = " ".join(line.replace(",", " , ").split()).replace(" , ", ", ").strip(" ,")
    match = _ADDRESS.match(text)
    if not match:
        raise FunctionError(f"no house number found in {_shown(line)}")
    addition = match["after_dash"] or match["after_space"] or match["glued"]
    return AddressParts(match["street"].rstrip(" ,"), match["number"], addition or None)


def format_address_line(street: str, number: str, addition: str | None) -> str:
    """Return the one line: a single letter sticks to the number ("123A"), a number follows a
    dash ("12-14"), anything else a space ("5 bis", "16 bus 3")."""
    line = f"{street} {number}"
    if not addition:
        return line
    if len(addition) == 1 and addition.isalpha():
        return line + addition
    if _STARTS_WITH_DIGIT.match(addition):
        return f"{line}-{addition}"
    return f"{line} {addition}"


_ADDRESS_PARTS = {"street", "number", "addition"}


@register(
    "split_address",
    signature="split_address(line, part=None)",
    category="address",
    returns="any",
    help="Split a Dutch or Belgian one-line address into street, house number and addition. "
    "With part 'street', 'number' or 'addition' only that part; without, all three.",
    examples=[
        (("Keizersgracht 123A", "street"), "Keizersgracht"),
        (("Keizersgracht 123A", "number"), "123"),
        (("Keizersgracht 123A", "addition"), "A"),
        (("Dorpsstraat 5 bis",), {"street": "Dorpsstraat", "number": "5", "addition": "bis"}),
        (("Rue de la Loi 16 bus 3", "addition"), "bus 3"),
        (("Laan van Meerdervoort 12-14", "addition"), "14"),
        (("Dorpsstraat 152-2-hoog", "addition"), "2-hoog"),
        (("2e Hugo de Grootstraat 3 hs", "street"), "2e Hugo de Grootstraat"),
    ],
)
def split_address(line: Any, part: Any = None) -> Any:
    if part is not None and part not in _ADDRESS_PARTS:
        raise FunctionError(f"part must be street, number or addition, got {_shown(part)}")
    text = _text_or_none(line)
    if text is None or not text.strip():
        return None
    parts = parse_address_line(text).as_dict()
    return parts if part is None else parts[part]


@register(
    "join_address",
    signature="join_address(street, number, addition=None)",
    category="address",
    returns="string",
    help="Join street, house number and addition into one line, the way Asperion keeps it.",
    examples=[
        (("Keizersgracht", "123", "A"), "Keizersgracht 123A"),
        (("Dorpsstraat", 5, "bis"), "Dorpsstraat 5 bis"),
        (("Laan van Meerdervoort", "12", "14"), "Laan van Meerdervoort 12-14"),
        (("Dorpsstraat", "152", "2-hoog"), "Dorpsstraat 152-2-hoog"),
        ((None, None, None), None),
    ],
)
def join_address(street: Any, number: Any, addition: Any = None) -> str | None:
    name, house, extra = (trim(street), trim(number), trim(addition))
    if not name and not house:
        return None
    if not name:
        raise FunctionError(f"house number {_shown(house)} has no street")
    if not house:
        return name
    return format_address_line(name, house, extra or None)
