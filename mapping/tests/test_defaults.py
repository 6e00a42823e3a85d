"""The default mappings: valid against the contracts and the records, and what they give for
real-looking records under each setting."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from connectors.records import Order
from mapping.engine import compile_mapping
from mapping.kinds import default_mapping, mapping_kind, mapping_kinds
from mapping.targets import payload_problems, validate_mapping
from mapping.tests import samples


def test_every_flow_kind_of_the_flows_app_has_a_default() -> None:
    # The flows register their kinds when the apps are ready (flows/registry.py).
    flow_kinds = {"products", "stock", "customers", "orders", "review_invitations"}
    assert flow_kinds <= set(mapping_kinds())
    assert "order_customer" in mapping_kinds()


@pytest.mark.parametrize("kind", list(mapping_kinds()))
def test_default_validates_against_target_source_and_settings(kind: str) -> None:
    definition = mapping_kind(kind)
    # The flow's settings and the integration's customer defaults, as the flow registered them
    # (the products flow also reads the stock flow's settings: one truth for the quantity).
    context: dict[str, type[BaseModel]] = definition.context
    extra = {"stock"} if kind == "products" else set()
    assert set(context) == {"settings", "customer_defaults", *extra}
    problems = validate_mapping(
        definition.spec(), source=definition.source, target=definition.target, context=context
    )
    assert problems == []


@pytest.mark.parametrize("kind", list(mapping_kinds()))
def test_default_maps_a_sample_to_a_valid_payload(kind: str) -> None:
    result = run(kind)
    assert result.errors == []
    assert payload_problems(result.payload, mapping_kind(kind).target) == []


def run(kind: str, record: Any = None, **settings: Any) -> Any:
    definition = mapping_kind(kind)
    compiled = compile_mapping(default_mapping(kind), target=definition.target)
    source = (record or samples.SAMPLES[kind]).as_source()
    return compiled.apply(source, context=samples.context_for(kind, **settings))


def test_default_is_a_fresh_copy() -> None:
    default_mapping("products")["rules"].clear()
    assert default_mapping("products")["rules"]


def test_products_price_follows_the_vat_setting() -> None:
    incl = run("products").payload
    assert (incl["price"], incl["priceIncludesVat"]) == (12.1, True)
    excl = run("products", price_includes_vat=False).payload
    assert (excl["price"], excl["priceIncludesVat"]) == (10, False)
    own = run("products", samples.product(price_incl_vat="12.00")).payload
    assert own["price"] == 12


def test_products_fields_and_attributes_named_by_settings() -> None:
    payload = run("products").payload
    assert payload == {
        "sku": "ART-00001",
        "type": "simple",
        "name": "Stoel model 1",
        "shortDescription": "Eikenhouten stoel",
        "longDescription": "Een stevige stoel.",
        "price": 12.1,
        "priceIncludesVat": True,
        "vatRate": 21,
        "currency": "EUR",
        "ean": "8712345678906",
        "quantity": 5,
        "active": True,
        "attributes": [{"name": "Hout", "value": "eiken"}, {"name": "Kleur", "value": "bruin"}],
    }


def test_products_bad_ean_fails_the_record_naming_the_field() -> None:
    result = run("products", samples.product(ean="8712345678901"))
    assert [(e.field, e.function) for e in result.errors] == [("ean", "ean")]
    assert "expected 6" in result.errors[0].message


def test_stock_quantity_by_calculation_setting() -> None:
    assert run("stock").payload == {"sku": "ART-00001", "quantity": 5, "manageStock": True}
    assert run("stock", stock_calculation="current").payload["quantity"] == 7
    oversold = samples.stock(current_stock="1", reserved_stock="4")
    assert run("stock", oversold).payload["quantity"] == 0
    assert run("stock", samples.stock(current_stock="2.5")).payload["quantity"] == 0


def test_customers_split_the_one_line_address() -> None:
    payload = run("customers").payload
    assert payload["email"] == "jan@example.nl"
    assert (payload["firstName"], payload["lastName"]) == ("Jan", "van der Berg")
    assert payload["customerCode"] == "10001"
    assert payload["billingAddress"] == {
        "street": "Keizersgracht",
        "houseNumber": "123",
        "houseNumberAddition": "A",
        "postalCode": "1015 CJ",
        "city": "Amsterdam",
        "countryCode": "NL",
    }
    assert "shippingAddress" not in payload


def test_customers_use_address_parts_when_the_source_has_them() -> None:
    record = samples.customer(
        company_name="Berg BV",
        last_name=None,
        shipping={
            "street": "Rue de la Loi",
            "house_number": "16",
            "addition": "bus 3",
            "postcode": "1000",
            "city": "Brussel",
            "country": "BE",
        },
    )
    payload = run("customers", record).payload
    assert payload["lastName"] == "Berg BV"
    assert payload["shippingAddress"] == {
        "street": "Rue de la Loi",
        "houseNumber": "16",
        "houseNumberAddition": "bus 3",
        "postalCode": "1000",
        "city": "Brussel",
        "countryCode": "BE",
    }


def test_customers_unsplittable_address_names_the_field() -> None:
    record = samples.customer(
        billing={"line": "Postvak", "postcode": "1000 AA", "city": "Amsterdam"}
    )
    result = run("customers", record)
    fields = {e.field for e in result.errors}
    assert {"billingAddress.street", "billingAddress.houseNumber"} <= fields
    assert all(e.function in {"split_address", None} for e in result.errors)


def test_orders_lines_prices_discount_and_vat_codes() -> None:
    payload = run("orders").payload
    assert payload["lines"]["_data"] == [
        {
            "articleCode": "ART-00001",
            "description": "Stoel",
            "quantity": 2,
            # The 10 % discount folded in as an amount (cent-exact, see mapping/amounts.py).
            "unitPrice": 9,
            "vatCode": "H21",
        },
        {
            "articleCode": "ART-00002",
            "description": "Boek",
            "quantity": 1,
            "unitPrice": 10,
            "vatCode": "L9",
        },
    ]
    assert payload["date"] == "2024-05-02T10:00:00+02:00"
    assert payload["reference"] == "FDX-100231"
    assert payload["paymentMethodId"] == "IDEAL"
    assert payload["paymentConditionId"] == 2
    assert payload["deliveryName"] == "De Vries BV"
    assert payload["deliveryAddress"] == "Laan van Meerdervoort 12-14"
    assert "debtorCustomerNumber" not in payload  # the flow adds it


def test_orders_unknown_vat_rate_names_the_line() -> None:
    result = run("orders", vat_code_map={"21": "H21"})
    assert [(e.field, e.function) for e in result.errors] == [("lines._data[1].vatCode", "lookup")]


def test_orders_without_shipping_leave_delivery_to_the_debtor() -> None:
    payload = run("orders", samples.order(shipping=None)).payload
    assert not [k for k in payload if k.startswith("delivery")]


def test_order_customer_company_and_person() -> None:
    company = run("order_customer").payload
    assert company["name"] == "De Vries BV"
    assert company["attentionTo"] == "Piet de Vries"
    assert company["debtorKindId"] == "B"
    assert company["address"] == "Dorpsstraat 5 bis"
    assert company["paymentConditionId"] == 2
    assert company["paymentMethodId"] == "IDEAL"
    person_data = samples.order().as_source()
    person_data["customer"]["company_name"] = None
    person_data["payment_term_days"] = None
    person = run("order_customer", Order.parse(person_data)).payload
    assert (person["name"], person["debtorKindId"]) == ("Piet de Vries", "P")
    assert "attentionTo" not in person
    assert person["paymentConditionId"] == 3  # the integration's default


def test_review_invitations_split_a_full_name_and_drop_bad_eans() -> None:
    payload = run("review_invitations").payload
    assert payload == {
        "customerCode": "10001",
        "orderReference": "2024-0042",
        "email": "jan@example.nl",
        "firstName": "Jan",
        "lastName": "van der Berg",
        "unitId": 12,
        "delayDays": 5,
        "date": "2024-05-02",
        "products": [
            {"code": "ART-00001", "name": "Stoel", "ean": "8712345678906"},
            {"code": "ART-00002", "name": "Boek"},
        ],
    }


def test_review_invitations_without_unit_fail_on_the_required_field() -> None:
    result = run("review_invitations", unit_id=None)
    assert [(e.field, e.message) for e in result.errors] == [("unitId", "is required")]
