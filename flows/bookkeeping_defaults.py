"""Settings proposed from the accounting system's own lists (VAT codes, payment conditions,
payment methods), for the wizard to show and the user to confirm.

Pure functions over the rows as the accounting system's API gives them (`{"id", "description",
"percentage", "countryCode", "salesCode", "validUntil", …}`): no HTTP, no database. Each
returns only what it could match; the wizard asks for the rest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from mapping.vat import EU_COUNTRIES, HOME, oss_key, rate_key

Row = Mapping[str, Any]

INTRA_EU = re.compile(r"intra|icp|binnen de eu|within the eu|inden for eu", re.IGNORECASE)
EXPORT = re.compile(r"export|buiten de eu|outside the eu|uden for eu", re.IGNORECASE)
REVERSE = re.compile(r"verlegd|reverse|omvendt", re.IGNORECASE)

# What each shop payment method means, as words an accounting system's methods use.
METHOD_MEANINGS: dict[str, re.Pattern[str]] = {
    "ideal": re.compile(r"ideal", re.IGNORECASE),
    "creditcard": re.compile(r"credit ?card|creditkaart|kreditkort|visa|mastercard", re.I),
    "paypal": re.compile(r"paypal", re.IGNORECASE),
    "banktransfer": re.compile(r"bank|overschrijving|overboeking|transfer", re.IGNORECASE),
    "invoice": re.compile(r"achteraf|op rekening|invoice|factuur|faktura", re.IGNORECASE),
}


def _valid_sales_code(row: Row, now: datetime | None) -> bool:
    if row.get("salesCode") is False:
        return False
    until = row.get("validUntil")
    if until and now is not None:
        return str(until)[:10] >= now.date().isoformat()
    return not until


def _percentage(row: Row) -> Decimal | None:
    value = row.get("percentage")
    return None if value is None else Decimal(str(value))


def _preferred(rows: list[Row]) -> str:
    """The default code first, then the shortest id (the plain one, not a variant)."""
    best = sorted(rows, key=lambda r: (not r.get("isDefault"), len(str(r["id"])), str(r["id"])))
    return str(best[0]["id"])


def propose_vat_settings(codes: Iterable[Row], now: datetime | None = None) -> dict[str, Any]:
    """The orders flow's VAT settings matched from the VAT code list: Dutch codes per rate
    (vat_code_map), OSS codes per country and rate, the intra-community and export codes."""
    rows = [r for r in codes if _valid_sales_code(r, now) and _percentage(r) is not None]
    domestic: dict[str, list[Row]] = {}
    oss: dict[str, list[Row]] = {}
    intra, export = [], []
    for row in rows:
        rate = _percentage(row)
        assert rate is not None
        text = str(row.get("description") or "")
        country = str(row.get("countryCode") or HOME).upper()
        if rate == 0 and INTRA_EU.search(text):
            intra.append(row)
        elif rate == 0 and EXPORT.search(text):
            export.append(row)
        elif REVERSE.search(text):
            continue  # reverse-charged domestic sales: not a shop's
        elif country == HOME:
            domestic.setdefault(rate_key(rate), []).append(row)
        elif country in EU_COUNTRIES and rate > 0:
            oss.setdefault(oss_key(country, rate), []).append(row)
    proposal: dict[str, Any] = {
        "vat_code_map": {rate: _preferred(found) for rate, found in domestic.items()},
        "vat_oss_map": {key: _preferred(found) for key, found in oss.items()},
    }
    if intra:
        proposal["vat_code_intra_eu"] = _preferred(intra)
    if export:
        proposal["vat_code_export"] = _preferred(export)
    return proposal


def match_vat_code(
    codes: Iterable[Row], percentage: Decimal | int | str, country: str | None = None
) -> str | None:
    """The VAT code for sales at this percentage (in this country; the Netherlands when
    None), or None when the list has none."""
    proposal = propose_vat_settings(codes)
    rate = Decimal(str(percentage))
    if country and country.upper() != HOME:
        return proposal["vat_oss_map"].get(oss_key(country, rate))  # type: ignore[no-any-return]
    return proposal["vat_code_map"].get(rate_key(rate))  # type: ignore[no-any-return]


def propose_payment_terms(conditions: Iterable[Row]) -> dict[str, int]:
    """Payment term in days → the payment condition with the same number of days."""
    by_days: dict[str, int] = {}
    for row in sorted(conditions, key=lambda r: int(r["id"])):
        days = row.get("days")
        if days is not None:
            by_days.setdefault(str(int(days)), int(row["id"]))
    return by_days


def match_payment_condition(conditions: Iterable[Row], days: int) -> int | None:
    return propose_payment_terms(conditions).get(str(days))


def propose_payment_methods(methods: Iterable[Row]) -> dict[str, str]:
    """Shop payment method → the accounting system's method with the same meaning; 'other'
    (and 'invoice' when nothing says 'afterwards') goes to bank transfer."""
    rows = list(methods)
    proposal: dict[str, str] = {}
    for meaning, pattern in METHOD_MEANINGS.items():
        found = [r for r in rows if pattern.search(f"{r.get('id', '')} {r.get('description', '')}")]
        if found:
            proposal[meaning] = _preferred(found)
    if "banktransfer" in proposal:
        proposal.setdefault("invoice", proposal["banktransfer"])
        proposal["other"] = proposal["banktransfer"]
    return proposal
