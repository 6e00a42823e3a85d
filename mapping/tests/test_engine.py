"""The engine: sources, constants, chains, conditions, defaults, list items, context, and
errors that name the field and the function."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mapping.engine import apply_mapping, compile_mapping
from mapping.schema import MappingInvalid, parse_mapping

ORDER = {
    "number": "FDX-7",
    "customer": {"first_name": "Jan", "last_name": "van der Berg", "company_name": None},
    "billing": {"line": "Keizersgracht 123A"},
    "lines": [
        {"sku": "A", "quantity": "2", "unit_price": "12.10", "vat_rate": "21"},
        {"sku": "B", "quantity": "1", "unit_price": "oops", "vat_rate": "21"},
    ],
}


def apply(rules: list[Any], source: Any = None, **kwargs: Any) -> Any:
    return apply_mapping({"rules": rules}, ORDER if source is None else source, **kwargs)


def test_source_constant_and_nested_targets() -> None:
    result = apply(
        [
            {"target": "reference", "source": "number"},
            {"target": "kind", "const": "webshop"},
            {
                "target": "address.street",
                "source": "billing.line",
                "steps": [{"fn": "split_address", "args": [{"const": "street"}]}],
            },
            {
                "target": "address.number",
                "source": "billing.line",
                "steps": [{"fn": "split_address", "args": [{"const": "number"}]}],
            },
        ]
    )
    assert result.ok
    assert result.payload == {
        "reference": "FDX-7",
        "kind": "webshop",
        "address": {"street": "Keizersgracht", "number": "123"},
    }


def test_chain_passes_the_value_on_first_or_where_previous_is_placed() -> None:
    result = apply(
        [
            {
                "target": "a",
                "source": "number",
                "steps": [
                    {"fn": "lower"},
                    {"fn": "replace", "args": [{"const": "-"}, {"const": "/"}]},
                ],
            },
            {
                "target": "b",
                "source": "number",
                "steps": [
                    {"fn": "join", "args": [{"const": " "}, {"const": "order"}, {"previous": True}]}
                ],
            },
            {
                "target": "c",
                "steps": [
                    {
                        "fn": "join_name",
                        "args": [
                            {"source": "customer.first_name"},
                            {"source": "customer.last_name"},
                        ],
                    }
                ],
            },
        ]
    )
    assert result.payload == {"a": "fdx/7", "b": "order FDX-7", "c": "Jan van der Berg"}


def test_conditions_pick_between_rules_for_one_field() -> None:
    rules = [
        {
            "target": "price",
            "source": "lines[0].unit_price",
            "when": {"source": "$settings.incl", "op": "truthy"},
        },
        {
            "target": "price",
            "source": "lines[0].unit_price",
            "steps": [{"fn": "price_excl_vat", "args": [{"source": "lines[0].vat_rate"}]}],
            "when": {"source": "$settings.incl", "op": "falsy"},
        },
    ]
    assert apply(rules, context={"settings": {"incl": True}}).payload == {"price": "12.10"}
    assert apply(rules, context={"settings": {"incl": False}}).payload == {"price": 10}
    assert apply(rules).payload == {"price": 10}  # a missing setting is false


@pytest.mark.parametrize(
    ("op", "value", "applies"),
    [
        ("equals", "fdx-7", True),
        ("equals", "X", False),
        ("not_equals", "X", True),
        ("in", ["FDX-7", "FDX-8"], True),
        ("not_in", ["FDX-7"], False),
        ("empty", None, False),
        ("not_empty", None, True),
    ],
)
def test_condition_operators(op: str, value: Any, applies: bool) -> None:
    rule = {"target": "x", "const": 1, "when": {"source": "number", "op": op, "value": value}}
    assert (apply([rule]).payload == {"x": 1}) is applies


def test_all_conditions_of_a_list_must_hold() -> None:
    rule = {
        "target": "x",
        "const": 1,
        "when": [
            {"source": "number", "op": "not_empty"},
            {"source": "customer.company_name", "op": "not_empty"},
        ],
    }
    assert apply([rule]).payload == {}


def test_numbers_compare_as_numbers_in_conditions() -> None:
    rule = {"target": "x", "const": 1, "when": {"source": "rate", "op": "equals", "value": 21}}
    assert apply([rule], {"rate": "21.00"}).payload == {"x": 1}


def test_default_fills_missing_or_empty_values_and_missing_values_are_left_out() -> None:
    result = apply(
        [
            {"target": "company", "source": "customer.company_name", "default": "particulier"},
            {"target": "note", "source": "customer.nothing"},
            {"target": "blank", "const": "  ", "default": "-"},
        ]
    )
    assert result.payload == {"company": "particulier", "blank": "-"}


def test_items_map_every_line_and_errors_name_the_line() -> None:
    result = apply(
        [
            {
                "target": "lines._data",
                "source": "lines",
                "items": [
                    {"target": "articleCode", "source": "sku"},
                    {
                        "target": "unitPrice",
                        "source": "unit_price",
                        "steps": [{"fn": "price_excl_vat", "args": [{"source": "vat_rate"}]}],
                    },
                    {"target": "order", "source": "$root.number"},
                ],
            }
        ]
    )
    assert result.payload["lines"]["_data"][0] == {
        "articleCode": "A",
        "unitPrice": 10,
        "order": "FDX-7",
    }
    assert result.payload["lines"]["_data"][1] == {"articleCode": "B", "order": "FDX-7"}
    [error] = result.errors
    assert error.field == "lines._data[1].unitPrice"
    assert error.function == "price_excl_vat"
    assert "oops" in error.message


def test_list_paths_collect_values_for_sum() -> None:
    result = apply(
        [{"target": "total_quantity", "source": "lines[].quantity", "steps": [{"fn": "sum"}]}]
    )
    assert result.payload == {"total_quantity": 3}


def test_a_failing_function_names_field_and_function_and_the_rest_is_mapped() -> None:
    result = apply(
        [
            {"target": "street", "source": "number", "steps": [{"fn": "split_address"}]},
            {"target": "reference", "source": "number"},
        ]
    )
    assert result.payload == {"reference": "FDX-7"}
    [error] = result.errors
    assert (error.field, error.function, error.rule) == ("street", "split_address", 0)
    assert str(error) == "street (split_address): no house number found in 'FDX-7'"


def test_lookup_tables_come_from_the_context() -> None:
    rules = [
        {
            "target": "vatCode",
            "source": "lines[0].vat_rate",
            "steps": [{"fn": "lookup", "args": [{"source": "$settings.vat"}]}],
        }
    ]
    context = {"settings": {"vat": {"21": "H21"}}}
    assert apply(rules, context=context).payload == {"vatCode": "H21"}
    assert "no entry for '21'" in apply(rules, context={"settings": {"vat": {}}}).error_text()


def test_target_types_convert_values_and_check_the_schema() -> None:
    compiled = compile_mapping(
        {
            "rules": [
                {"target": "sku", "source": "code"},
                {"target": "quantity", "source": "stock"},
            ]
        },
        target="feeddex.StockUpdate",
    )
    assert compiled.apply({"code": 12, "stock": "5.000"}).payload == {"sku": "12", "quantity": 5}
    fractional = compiled.apply({"code": "A", "stock": "2.5"})
    assert [e.field for e in fractional.errors] == ["quantity"]
    missing = compiled.apply({"stock": "1"})
    assert [(e.field, e.message) for e in missing.errors] == [("sku", "is required")]


def test_flow_provided_fields_are_not_required_of_the_mapping() -> None:
    compiled = compile_mapping(
        {
            "rules": [
                {"target": "date", "const": "2024-05-02T10:00:00+02:00"},
                {
                    "target": "lines._data",
                    "source": "lines",
                    "items": [
                        {"target": "articleCode", "source": "sku"},
                        {"target": "quantity", "const": 1},
                    ],
                },
            ]
        },
        target="asperion.SalesOrder",
    )
    result = compiled.apply({"lines": [{"sku": "A"}]})
    assert result.ok, result.errors


def test_output_is_json() -> None:
    result = apply(
        [
            {"target": "n", "const": "2.50", "steps": [{"fn": "number"}]},
            {
                "target": "d",
                "const": "2024-05-02T08:00:00Z",
                "steps": [{"fn": "to_time_zone", "args": [{"const": "Europe/Amsterdam"}]}],
            },
        ]
    )
    assert json.loads(json.dumps(result.payload)) == {"n": 2.5, "d": "2024-05-02T10:00:00+02:00"}


@pytest.mark.parametrize("source", [None, [], "text", 42, {"lines": "not a list"}])
def test_odd_sources_give_errors_not_exceptions(source: Any) -> None:
    result = apply_mapping(
        {
            "rules": [
                {"target": "lines", "source": "lines", "items": [{"target": "a", "source": "sku"}]},
                {"target": "x", "source": "a.b.c", "steps": [{"fn": "upper"}]},
            ]
        },
        source,
    )
    assert isinstance(result.payload, dict)
    if not isinstance(source, dict):
        assert result.errors[0].field == "source"


def test_invalid_spec_is_reported_by_apply_and_raised_by_compile() -> None:
    spec = {"rules": [{"target": "x", "steps": [{"fn": "no_such_function"}]}]}
    result = apply_mapping(spec, {})
    assert result.errors[0].rule == 0
    assert "unknown function 'no_such_function'" in result.errors[0].message
    with pytest.raises(MappingInvalid):
        compile_mapping(spec)


@pytest.mark.parametrize(
    ("rules", "field", "message"),
    [
        ([{"target": "a", "source": "x", "const": 1}], "a", "not both"),
        ([{"target": "a.", "source": "x"}], "a.", "not a valid target path"),
        ([{"target": "a", "source": "x y"}], "a", "is not a source path"),
        (
            [{"target": "a", "source": "x", "steps": [{"fn": "upper", "args": [{"const": 1}]}]}],
            "a",
            "takes 1 arguments, gets 2",
        ),
        ([{"target": "a", "steps": [{"fn": "split_name"}]}], "a", "takes 2 arguments, gets 0"),
        (
            [{"target": "a", "source": "x", "steps": [{"fn": "upper", "args": [{"src": "y"}]}]}],
            "a",
            "an argument is",
        ),
        ([{"target": "a", "items": [{"target": "b", "source": "c"}]}], "a", "need a source"),
        (
            [{"target": "a", "source": "l", "items": [{"target": "b", "sauce": "c"}]}],
            "a[].b",
            "Extra inputs",
        ),
        ([{"target": "a", "when": {"source": "x", "op": "bigger"}, "const": 1}], "a", "when"),
    ],
)
def test_spec_errors_point_at_rule_and_field(rules: list[Any], field: str, message: str) -> None:
    with pytest.raises(MappingInvalid) as caught:
        parse_mapping({"rules": rules})
    [error, *_] = caught.value.errors
    assert error.field == field
    assert error.rule == 0
    assert message in error.message


def test_spec_json_round_trips() -> None:
    spec = {
        "rules": [
            {
                "target": "a",
                "const": None,
                "default": 0,
                "steps": [{"fn": "coalesce", "args": [{"previous": True}, {"source": "x"}]}],
            }
        ]
    }
    assert parse_mapping(spec).as_json() == spec
    assert parse_mapping(spec["rules"]).as_json() == spec
