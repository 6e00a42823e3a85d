"""The editor's text form of a mapping: every default mapping survives the round trip."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from dashboard import mapping_text
from dashboard.views.mapping import attach_errors, rows_from_post, rows_from_spec, spec_from_rows
from mapping.kinds import mapping_kinds
from mapping.schema import parse_mapping


def post_of(rows) -> QueryDict:
    data = QueryDict(mutable=True)
    data["rules"] = str(len(rows))
    for row in rows:
        for name in ("target", "mode", "value", "steps", "when", "default", "items", "note"):
            data[f"rule-{row.index}-{name}"] = getattr(row, name)
        if row.create_only:  # a ticked box; an unticked one is not sent
            data[f"rule-{row.index}-create_only"] = "on"
    return data


@pytest.mark.parametrize("kind", sorted(mapping_kinds()))
def test_every_default_mapping_round_trips_through_the_editor(kind):
    spec = mapping_kinds()[kind].spec()
    rows = rows_from_post(post_of(rows_from_spec(spec)))
    again = spec_from_rows(rows)
    assert again is not None
    assert parse_mapping(again).as_json() == parse_mapping(spec).as_json()


def test_steps_read_sources_constants_and_the_value_so_far():
    steps = mapping_text.parse_steps(
        'split_address("street")\nconcat(first_name, " ", last_name)\nround(_, 2)\nupper'
    )
    assert steps == [
        {"fn": "split_address", "args": [{"const": "street"}]},
        {
            "fn": "concat",
            "args": [{"source": "first_name"}, {"const": " "}, {"source": "last_name"}],
        },
        {"fn": "round", "args": [{"previous": True}, {"const": 2}]},
        {"fn": "upper"},
    ]
    lookup = mapping_text.parse_steps('lookup({"21": "H21", "9": "L9"}, "X")')
    assert lookup[0]["args"][0] == {"const": {"21": "H21", "9": "L9"}}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("concat(a, (b)", "not closed"),
        ('upper("x)', "not closed"),
        ("2x + 1", "line 1"),
        ('lookup({"a": }, 1)', "not valid JSON"),
    ],
)
def test_unreadable_steps_say_which_line_and_why(text, problem):
    with pytest.raises(mapping_text.TextError, match=problem):
        mapping_text.parse_steps(text)


def test_conditions_round_trip():
    text = '$settings.stock_calculation equals "current"\n$settings.price_includes_vat'
    conditions = mapping_text.parse_conditions(text)
    assert conditions == [
        {"source": "$settings.stock_calculation", "op": "equals", "value": "current"},
        {"source": "$settings.price_includes_vat"},
    ]
    assert mapping_text.conditions_text(conditions[0]) == text.splitlines()[0]


def test_a_bad_row_keeps_its_error_and_the_spec_is_refused():
    rows = rows_from_spec({"rules": [{"target": "sku", "source": "sku"}]})
    rows[0].steps = "round(_, "
    assert spec_from_rows(rows) is None
    assert "not closed" in rows[0].errors[0]


def test_validation_errors_go_to_the_rule_of_their_field():
    rows = rows_from_spec(
        {"rules": [{"target": "sku", "source": "sku"}, {"target": "lines", "source": "lines"}]}
    )
    general = attach_errors(
        rows,
        {
            "sku": ["unknown source"],
            "lines[].articleCode": ["x"],
            "name": ["required field not mapped"],
        },
    )
    assert rows[0].errors == ["unknown source"]
    assert rows[1].errors == ["x"]
    assert general == ["name: required field not mapped"]


def test_a_constant_nested_deeper_than_the_json_decoder_goes_is_a_text_error():
    with pytest.raises(mapping_text.TextError, match="nested too deeply"):
        mapping_text.parse_json("[" * 100_000 + "]" * 100_000)
