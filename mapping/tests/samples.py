"""Canonical sample records and flow contexts shared by the mapping tests and the bench."""

from __future__ import annotations

from typing import Any

from connectors.records import Customer, Invoice, Order, Product, Record, StockLevel


def product(n: int = 1, **changes: Any) -> Product:
    data: dict[str, Any] = {
        "source_id": str(n),
        "sku": f"ART-{n:05d}",
        "name": f"Stoel model {n}",
        "short_description": "Eikenhouten stoel",
        "long_description": "Een stevige stoel.",
        "price_excl_vat": "10.00",
        "vat_rate": "21",
        "ean": "8712345678906",
        "current_stock": "7",
        "reserved_stock": "2",
        "characteristic_1": "eiken",
        "characteristic_3": "bruin",
        "changed_at": "2024-05-02T08:00:00Z",
    }
    return Product.model_validate({**data, **changes})


def stock(**changes: Any) -> StockLevel:
    return StockLevel.model_validate(
        {"sku": "ART-00001", "current_stock": "7.000", "reserved_stock": "2", **changes}
    )


def customer(**changes: Any) -> Customer:
    data: dict[str, Any] = {
        "source_id": "5",
        "customer_number": "10001",
        "email": " Jan@Example.NL ",
        "first_name": "Jan",
        "last_name": "van der Berg",
        "phone": "020-1234567",
        "billing": {
            "line": "Keizersgracht 123A",
            "postcode": "1015 cj",
            "city": "Amsterdam",
            "country": "NL",
        },
    }
    return Customer.model_validate({**data, **changes})


def order(**changes: Any) -> Order:
    data: dict[str, Any] = {
        "source_id": "99",
        "number": "FDX-100231",
        "status": "processing",
        "payment_status": "paid",
        "payment_method": "ideal",
        "payment_term_days": 14,
        "created_at": "2024-05-02T08:00:00Z",
        "customer": {
            "source_id": "c1",
            "email": "piet@vries.nl",
            "first_name": "Piet",
            "last_name": "de Vries",
            "company_name": "De Vries BV",
            "phone": "06-12345678",
        },
        "billing": {
            "street": "Dorpsstraat",
            "house_number": "5",
            "addition": "bis",
            "postcode": "1234 AB",
            "city": "Ergens",
            "country": "NL",
        },
        "shipping": {
            "street": "Laan van Meerdervoort",
            "house_number": "12",
            "addition": "14",
            "postcode": "2500 AA",
            "city": "Den Haag",
            "country": "NL",
        },
        "lines": [
            {
                "sku": "ART-00001",
                "name": "Stoel",
                "quantity": "2",
                "unit_price": "12.10",
                "vat_rate": "21",
                "discount_amount": "2.42",
            },
            {
                "sku": "ART-00002",
                "name": "Boek",
                "quantity": "1",
                "unit_price": "10.90",
                "vat_rate": "9",
            },
        ],
    }
    return Order.model_validate({**data, **changes})


def invoice(**changes: Any) -> Invoice:
    data: dict[str, Any] = {
        "source_id": "i1",
        "invoice_number": "2024-0042",
        "customer_number": "10001",
        "customer_email": "Jan@Example.nl",
        "customer_name": "Jan van der Berg",
        "date": "2024-05-02",
        "status": "paid",
        "paid": True,
        "lines": [
            {"sku": "ART-00001", "name": "Stoel", "ean": "8712345678906"},
            {"sku": "ART-00002", "name": "Boek", "ean": "123"},
        ],
    }
    return Invoice.model_validate({**data, **changes})


SAMPLES: dict[str, Record] = {
    "products": product(),
    "stock": stock(),
    "customers": customer(),
    "orders": order(),
    "order_customer": order(),
    "order_contact": order(),
    "review_invitations": invoice(),
}

# What flows.engine.RunContext.mapping_context() passes: the flow's settings as JSON and the
# integration's customer defaults, here at their defaults (plus a unit for invitations).
CUSTOMER_DEFAULTS = {
    "debtor_kind_company": "B",
    "debtor_kind_person": "P",
    "payment_condition_id": 3,
    "customer_number_start": 10000,
    "customer_number_end": 19999,
}
SETTINGS: dict[str, dict[str, Any]] = {
    "products": {
        "update_existing": True,
        "active_only": True,
        "price_includes_vat": True,
        "currency": "EUR",
        "attribute_names": ["Hout", "Maat", "Kleur", "", ""],
    },
    "stock": {"stock_calculation": "available", "feeddex_manages_stock": True, "batch_size": 100},
    "customers": {"match_by": "email"},
    "orders": {
        "payment_method_map": {"ideal": "IDEAL"},
        "payment_term_map": {"14": 2},
        "vat_code_map": {"21": "H21", "9": "L9", "0": "N0"},
    },
    "review_invitations": {"paid_only": True, "delay_days": 5, "unit_id": 12},
}
SETTINGS["order_customer"] = SETTINGS["order_contact"] = SETTINGS["orders"]


def context_for(flow_kind: str, **settings: Any) -> dict[str, Any]:
    return {"settings": {**SETTINGS[flow_kind], **settings}, "customer_defaults": CUSTOMER_DEFAULTS}
