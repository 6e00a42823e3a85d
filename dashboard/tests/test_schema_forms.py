"""Forms generated from the pydantic settings schemas."""

from __future__ import annotations

from typing import Any

from django import forms

from dashboard.diffs import changed_fields, json_lines
from dashboard.schema_forms import SchemaForm, parse_pairs
from flows.settings_schemas import (
    CustomerDefaults,
    OrderSettings,
    ReviewInvitationSettings,
    StockSettings,
)


def choices_of(field: forms.Field) -> list[Any]:
    return list(field.choices)  # type: ignore[attr-defined]


def test_every_schema_field_gets_a_field_of_the_right_kind():
    form = SchemaForm(schema=StockSettings, current=StockSettings())
    assert isinstance(form.fields["stock_calculation"], forms.ChoiceField)
    assert [c[0] for c in choices_of(form.fields["stock_calculation"])] == ["available", "current"]
    assert isinstance(form.fields["feeddex_manages_stock"], forms.BooleanField)
    batch = form.fields["batch_size"]
    assert isinstance(batch, forms.IntegerField)
    assert (batch.min_value, batch.max_value) == (1, 100)
    assert "Stock updates per API call" in str(batch.help_text)


def test_reference_lists_become_selects_that_keep_the_stored_value():
    current = ReviewInvitationSettings(unit_id=99)
    form = SchemaForm(
        schema=ReviewInvitationSettings,
        current=current,
        options={"unit_id": [("1", "1 – Amsterdam"), ("2", "2 – Utrecht")]},
    )
    field = form.fields["unit_id"]
    assert isinstance(field, forms.ChoiceField)
    assert [c[0] for c in choices_of(field)] == ["", "1", "2", "99"]
    bound = SchemaForm(
        {"paid_only": "on", "delay_days": "3", "unit_id": "2"},
        schema=ReviewInvitationSettings,
        current=current,
        options={"unit_id": [("1", "1 – Amsterdam"), ("2", "2 – Utrecht")]},
    )
    assert bound.is_valid(), bound.errors
    assert bound.to_data() == {
        "paid_only": True,
        "delay_days": 3,
        "unit_id": 2,
        "log_unchanged": False,
    }


def test_lists_and_maps_round_trip_through_text():
    current = OrderSettings(vat_code_map={"21": "H21"}, payment_statuses=["paid", "pending"])
    form = SchemaForm(schema=OrderSettings, current=current)
    assert form.initial["vat_code_map"] == "21 = H21"
    assert form.initial["payment_statuses"] == "paid\npending"
    assert parse_pairs(" 21 = H21 \n\n9=L9") == {"21": "H21", "9": "L9"}


def test_schema_errors_land_at_their_fields():
    form = SchemaForm(
        {"customer_number_start": "0"}, schema=CustomerDefaults, current=CustomerDefaults()
    )
    assert form.is_valid() is False
    assert "customer_number_start" in form.errors


def test_changed_fields_from_a_dry_run_diff_or_from_the_answer():
    assert [c.field for c in changed_fields({"a": 1}, None, {"a": [0, 1]})] == ["a"]
    changes = changed_fields({"a": 1, "b": 2}, {"id": 9, "a": 1, "b": 3}, None)
    assert [(c.field, c.before, c.after) for c in changes] == [("b", 2, 3)]
    assert changed_fields(None, None, None) == []


def test_json_lines_mark_a_nested_changed_field_with_its_brackets():
    lines = json_lines({"a": 1, "b": {"c": [1, 2]}, "d": "x"}, {"b"})
    marked = [line.text.strip() for line in lines if line.changed]
    assert marked[0] == '"b": {'
    assert marked[-1] == "},"
    assert not any('"d"' in m or '"a"' in m for m in marked)
