"""Target schemas from the contracts, source paths from the records, and the mapping check."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from connectors.records import Customer, Order, Product, Record
from mapping.kinds import mapping_kind
from mapping.targets import (
    TARGETS,
    payload_problems,
    source_fields,
    target_fields,
    target_schema,
    validate_mapping,
)


@pytest.mark.parametrize("target", list(TARGETS))
def test_every_target_loads_from_its_contract(target: str) -> None:
    fields = target_fields(target)
    assert fields
    assert "id" not in fields  # read-only fields are never sent
    assert not [p for p in fields if p.endswith("_meta") or "._meta" in p]


def test_nested_and_list_fields_are_listed_flat() -> None:
    order = target_fields("asperion.SalesOrder")
    assert order["lines._data[].articleCode"].required
    assert order["lines._data[].quantity"].type == "number"
    assert order["lines._data[].quantity"].exclusive_minimum == 0
    customer = target_fields("feeddex.Customer")
    assert customer["shippingAddress"].nullable
    assert customer["shippingAddress.street"].required
    assert target_fields("feeddex.OrderPatch")["status"].enum == (
        "new",
        "processing",
        "shipped",
        "completed",
        "cancelled",
    )


def test_source_fields_come_from_the_records() -> None:
    fields = source_fields(Order)
    assert fields["lines"] == "list"
    assert fields["lines[].unit_price"] == "number"
    assert fields["customer.billing.line"] == "string"
    assert fields["created_at"] == "datetime"
    assert source_fields(Product)["is_variant"] == "boolean"


def check(
    rules: list[Any],
    *,
    source: type[Record] = Customer,
    target: str = "feeddex.Customer",
    context: dict[str, type[BaseModel]] | None = None,
) -> list[tuple[str, str]]:
    problems = validate_mapping({"rules": rules}, source=source, target=target, context=context)
    return [(p.field, p.message) for p in problems]


CUSTOMER_MINIMUM: list[dict[str, Any]] = [
    {"target": "email", "source": "email"},
    {"target": "lastName", "source": "last_name"},
    {"target": "billingAddress.street", "source": "billing.street"},
    {"target": "billingAddress.houseNumber", "source": "billing.house_number"},
    {"target": "billingAddress.postalCode", "source": "billing.postcode"},
    {"target": "billingAddress.city", "source": "billing.city"},
    {"target": "billingAddress.countryCode", "source": "billing.country"},
]


def test_a_complete_mapping_has_no_problems() -> None:
    assert check(CUSTOMER_MINIMUM) == []


def test_required_fields_not_mapped_are_named() -> None:
    problems = check(CUSTOMER_MINIMUM[2:])
    assert ("email", "is required by the target but not mapped") in problems
    assert ("lastName", "is required by the target but not mapped") in problems


def test_required_fields_of_an_optional_object_only_once_it_is_mapped() -> None:
    rules = [*CUSTOMER_MINIMUM, {"target": "shippingAddress.city", "source": "shipping.city"}]
    missing = {field for field, _ in check(rules)}
    assert missing == {
        "shippingAddress.street",
        "shippingAddress.houseNumber",
        "shippingAddress.postalCode",
        "shippingAddress.countryCode",
    }


def test_unknown_source_paths_and_target_fields_are_named() -> None:
    rules = [
        *CUSTOMER_MINIMUM,
        {"target": "phone", "source": "telephone"},
        {
            "target": "phone",
            "source": "phone",
            "steps": [{"fn": "coalesce", "args": [{"source": "billing.fax"}]}],
        },
        {"target": "fax", "source": "phone"},
        {"target": "phone", "source": "phone", "when": {"source": "billing.nope", "op": "truthy"}},
    ]
    assert check(rules) == [
        ("phone", "unknown source path telephone"),
        ("phone", "unknown source path billing.fax"),
        ("fax", "is not a field of the target"),
        ("phone", "unknown source path billing.nope"),
    ]


def test_types_that_obviously_do_not_fit() -> None:
    rules = [
        *CUSTOMER_MINIMUM,
        {"target": "phone", "source": "billing"},
        {"target": "companyName", "const": 12.5},
        {"target": "firstName", "source": "first_name", "steps": [{"fn": "is_valid_ean"}]},
        {"target": "vatNumber", "source": "vat_number", "default": ["x"]},
    ]
    assert check(rules) == [
        ("phone", "gets an object, but the target wants a string"),
        ("firstName", "gets a boolean, but the target wants a string"),
        ("vatNumber", "the default is a list, the target wants a string"),
    ]


def test_numbers_into_text_are_fine_and_text_into_numbers_is_not() -> None:
    problems = check(
        [
            {"target": "sku", "source": "sku"},
            {"target": "name", "source": "name"},
            {"target": "price", "source": "name"},
            {"target": "vatRate", "source": "vat_rate"},
        ],
        source=Product,
        target="feeddex.Product",
    )
    assert problems == [("price", "gets a string, but the target wants a number")]


def test_items_are_checked_against_the_item_schemas() -> None:
    rules = [
        {"target": "date", "source": "created_at"},
        {
            "target": "lines._data",
            "source": "lines",
            "items": [
                {"target": "articleCode", "source": "skuu"},
                {"target": "order", "source": "$root.number"},
                {"target": "description", "source": "$root.nope"},
            ],
        },
        {"target": "reference", "source": "$root.number"},
    ]
    assert check(rules, source=Order, target="asperion.SalesOrder") == [
        ("lines._data[].articleCode", "unknown source path skuu"),
        ("lines._data[].order", "is not a field of the target"),
        ("lines._data[].description", "unknown source path $root.nope"),
        ("reference", "$root.number: $root is only for rules inside items"),
        ("lines._data[].quantity", "is required by the target but not mapped"),
    ]


def test_items_need_a_list() -> None:
    rules = [
        {"target": "date", "source": "created_at"},
        {
            "target": "lines._data",
            "source": "number",
            "items": [
                {"target": "articleCode", "source": "sku"},
                {"target": "quantity", "const": 1},
            ],
        },
    ]
    problems = check(rules, source=Order, target="asperion.SalesOrder")
    assert ("lines._data", "items need a source list, number is a string") in problems


def test_settings_paths_are_checked_when_the_context_is_known() -> None:
    rules = [
        {"target": "sku", "source": "sku"},
        {"target": "name", "source": "name"},
        {"target": "price", "source": "price_excl_vat"},
        {"target": "currency", "source": "$settings.currency"},
        {"target": "active", "source": "$settings.nonsense"},
        {"target": "quantity", "source": "$stock.level"},
    ]
    problems = check(
        rules,
        source=Product,
        target="feeddex.Product",
        context={"settings": mapping_kind("products").context["settings"]},
    )
    assert problems == [
        ("active", "unknown setting $settings.nonsense"),
        ("quantity", "unknown context $stock in $stock.level"),
    ]


def test_payload_problems_name_the_field_and_rule_broken() -> None:
    payload = {
        "date": "2 May",
        "debtorCustomerNumber": "1",
        "lines": {
            "_data": [
                {"articleCode": "A", "quantity": 0},
                {"articleCode": 5, "quantity": 1, "discountPercentage": 120},
            ]
        },
    }
    problems = [(p.field, p.message) for p in payload_problems(payload, "asperion.SalesOrder")]
    assert problems == [
        ("date", "does not have the expected form ('2 May')"),
        ("lines._data[0].quantity", "must be more than 0"),
        ("lines._data[1].articleCode", "must be a string, is 5"),
        ("lines._data[1].discountPercentage", "must be at most 100"),
    ]


def test_payload_problems_for_enums_lengths_and_list_sizes() -> None:
    payload = {
        "sku": "x" * 65,
        "name": "n",
        "price": 1,
        "vatRate": 20,
        "attributes": [{"name": "a", "value": "b"}] * 21,
    }
    problems = [(p.field, p.message) for p in payload_problems(payload, "feeddex.Product")]
    assert problems == [
        ("sku", "is longer than 64 characters"),
        ("vatRate", "must be one of 0, 9, 21, is 20"),
        ("attributes", "takes at most 20 items"),
    ]


def test_unknown_target_is_a_clear_key_error() -> None:
    with pytest.raises(KeyError, match="unknown target 'feeddex.Nope'"):
        target_schema("feeddex.Nope")
