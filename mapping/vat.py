"""VAT by destination and customer type: which kind of sale an order line is, and whether a
VAT number looks valid for its country. Pure functions, no HTTP, no database.

The kinds of sale a Dutch seller books apart (each has its own VAT code and return box):
- domestic: the Netherlands, per rate;
- oss: a consumer in another EU country (distance sale, reported in the OSS return) when
  the seller is registered for OSS, per country and rate;
- intra_eu: a business in another EU country with a valid VAT number, at 0 % (intra-
  community supply, reverse charge, ICP listing);
- export: outside the EU, at 0 %.
A line on which the shop charged VAT is never booked as an intra-community supply or an
export (the 0 % codes): it is domestic (or OSS) at the rate charged.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Literal

SaleKind = Literal["domestic", "oss", "intra_eu", "export"]

HOME = "NL"
EU_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)
# The format of each EU country's VAT number after its prefix (the VIES formats). Greece's
# prefix is EL; Northern Ireland's XI is not a country code of an address, so it is left out.
VAT_FORMATS: dict[str, str] = {
    "AT": r"U\d{8}",
    "BE": r"[01]\d{9}",
    "BG": r"\d{9,10}",
    "CY": r"\d{8}[A-Z]",
    "CZ": r"\d{8,10}",
    "DE": r"\d{9}",
    "DK": r"\d{8}",
    "EE": r"\d{9}",
    "EL": r"\d{9}",
    "ES": r"[A-Z0-9]\d{7}[A-Z0-9]",
    "FI": r"\d{8}",
    "FR": r"[A-HJ-NP-Z0-9]{2}\d{9}",
    "HR": r"\d{11}",
    "HU": r"\d{8}",
    "IE": r"\d{7}[A-W][A-I]?|\d[A-Z+*]\d{5}[A-W]",
    "IT": r"\d{11}",
    "LT": r"\d{9}|\d{12}",
    "LU": r"\d{8}",
    "LV": r"\d{11}",
    "MT": r"\d{8}",
    "NL": r"\d{9}B\d{2}",
    "PL": r"\d{10}",
    "PT": r"\d{9}",
    "RO": r"\d{2,10}",
    "SE": r"\d{12}",
    "SI": r"\d{8}",
    "SK": r"\d{10}",
}


def vat_prefix(country: str) -> str:
    return "EL" if country.upper() == "GR" else country.upper()


def compact(number: str) -> str:
    return "".join(ch for ch in number.upper() if ch.isalnum() or ch in "+*")


def vat_number_looks_valid(number: str | None, country: str | None) -> bool:
    """Whether a VAT number has the format of the country's VAT numbers (its prefix and
    digits); whether it is registered only VIES can tell."""
    if not number or not country:
        return False
    prefix = vat_prefix(country)
    pattern = VAT_FORMATS.get(prefix)
    value = compact(number)
    if pattern is None or not value.startswith(prefix):
        return False
    return re.fullmatch(pattern, value[len(prefix) :]) is not None


def sale_kind(
    *, country: str | None, rate: Decimal, business_vat_valid: bool, oss_registered: bool
) -> SaleKind:
    """The kind of sale of one line delivered to `country` at the VAT rate the shop charged."""
    where = (country or HOME).upper()
    if where == HOME:
        return "domestic"
    if where not in EU_COUNTRIES:
        return "export" if rate == 0 else "domestic"
    if business_vat_valid and rate == 0:
        return "intra_eu"
    return "oss" if oss_registered and rate > 0 else "domestic"


def rate_key(rate: Decimal) -> str:
    """'21' for 21 and 21.00, '5.5' for 5.5: how the settings' maps name a rate."""
    return format(rate.normalize(), "f")


def oss_key(country: str, rate: Decimal) -> str:
    return f"{country.upper()}:{rate_key(rate)}"
