"""Settings proposed from Asperion's own lists match by percentage, country, days, meaning."""

from __future__ import annotations

from decimal import Decimal

from connectors.asperion.sandbox.seed import PAYMENT_CONDITIONS, PAYMENT_METHODS, VAT_CODES
from flows.bookkeeping_defaults import (
    match_payment_condition,
    match_vat_code,
    propose_payment_methods,
    propose_payment_terms,
    propose_vat_settings,
)
from flows.settings_schemas import OrderSettings

# The sandbox's lists as its API gives them, plus two OSS codes a real administration has.
VAT_ROWS = [
    {
        "id": code,
        "description": text,
        "salesCode": sales,
        "percentage": float(pct),
        "isDefault": default,
        "countryCode": None,
        "validUntil": f"{until}T00:00:00" if until else None,
    }
    for code, text, sales, pct, default, _from, until in VAT_CODES
] + [
    {"id": "OBE21", "description": "OSS België 21%", "percentage": 21, "countryCode": "BE"},
    {"id": "ODE19", "description": "OSS Duitsland 19%", "percentage": 19, "countryCode": "DE"},
]
CONDITIONS = [
    {"id": i, "description": d, "days": n} for i, (d, n) in enumerate(PAYMENT_CONDITIONS, 1)
]
METHODS = [{"id": code, "description": text} for code, text in PAYMENT_METHODS]


def test_vat_settings_are_matched_from_the_vat_code_list():
    proposal = propose_vat_settings(VAT_ROWS)
    assert proposal["vat_code_map"] == {"21": "VH", "9": "VL", "0": "V0"}  # not VL6, VV, IH
    assert proposal["vat_code_intra_eu"] == "VI"
    assert proposal["vat_code_export"] == "VE"
    assert proposal["vat_oss_map"] == {"BE:21": "OBE21", "DE:19": "ODE19"}
    OrderSettings(**proposal)  # what it proposes is a valid setting
    assert match_vat_code(VAT_ROWS, 9) == "VL"
    assert match_vat_code(VAT_ROWS, Decimal("21.00"), "be") == "OBE21"
    assert match_vat_code(VAT_ROWS, 6) is None


def test_payment_terms_and_methods_are_matched_by_days_and_meaning():
    assert propose_payment_terms(CONDITIONS) == {"0": 1, "8": 2, "14": 3, "30": 4, "60": 5}
    assert match_payment_condition(CONDITIONS, 30) == 4
    assert match_payment_condition(CONDITIONS, 45) is None
    methods = propose_payment_methods(METHODS)
    assert methods == {
        "ideal": "IDEAL",
        "creditcard": "CC",
        "paypal": "PAYPAL",
        "banktransfer": "BANK",
        "invoice": "AFTERPAY",
        "other": "BANK",
    }
    OrderSettings(payment_method_map=methods, payment_term_map=propose_payment_terms(CONDITIONS))
