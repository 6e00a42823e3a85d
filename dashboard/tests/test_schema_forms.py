"""Forms generated from the pydantic settings schemas."""

from __future__ import annotations

from typing import Any

from django import forms

from dashboard.diffs import changed_fields, json_lines
from dashboard.map_tables import parse_pairs
from dashboard.schema_forms import SchemaForm
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
    current = OrderSettings(
        revenue_ledger_by_country={"BE": 8100}, payment_statuses=["paid", "pending"]
    )
    form = SchemaForm(schema=OrderSettings, current=current)
    assert form.initial["revenue_ledger_by_country"] == "BE = 8100"
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


VAT_CODES = [("H", "H – Btw hoog"), ("L", "L – Btw laag"), ("0", "0 – Btw nul")]


def order_form(data: Any = None, **current: Any) -> SchemaForm:
    return SchemaForm(
        data,
        schema=OrderSettings,
        current=OrderSettings(**current),
        options={"vat_code_map": VAT_CODES},
        map_keys={"vat_code_map": ["6"]},
    )


def test_a_map_is_a_table_with_a_select_of_asperions_list_per_shop_value():
    html = str(order_form(vat_code_map={"21": "H", "9": "L"})["vat_code_map"])
    # The shop's rates (highest first), one the list proposes, then an empty row to add one.
    keys = ["21", "9", "6", "0"]
    for index, key in enumerate(keys):
        assert f'name="vat_code_map-key-{index}" value="{key}"' in html
        assert f'name="vat_code_map-value-{index}"' in html
    assert 'name="vat_code_map-key-4" value=""' in html
    assert html.count("<select") == 5
    assert html.count('<option value="H">H – Btw hoog</option>') == 4  # rows 9, 6, 0 and new
    assert '<option value="H" selected>H – Btw hoog</option>' in html
    assert '<option value="L" selected>L – Btw laag</option>' in html


def rows(*pairs: tuple[str, str]) -> dict[str, str]:
    data = {}
    for index, (key, value) in enumerate(pairs):
        data[f"vat_code_map-key-{index}"] = key
        data[f"vat_code_map-value-{index}"] = value
    return data


def test_posted_rows_save_the_same_dict_and_a_row_left_empty_maps_nothing():
    form = order_form(rows(("21", "H"), ("9", ""), ("0", "0"), ("5.5", "L"), ("", "")))
    assert form.is_valid(), form.errors
    assert form.to_data()["vat_code_map"] == {"21": "H", "0": "0", "5.5": "L"}
    assert OrderSettings.model_validate(form.to_data()).vat_code_map["5.5"] == "L"


def test_an_unknown_code_is_refused_at_its_field_naming_it_and_the_rows_stay():
    form = order_form(rows(("21", "XX"), ("9", "L"), ("0", "0")))
    assert not form.is_valid()
    assert "“XX”" in str(form.errors["vat_code_map"])
    html = str(form["vat_code_map"])
    assert '<option value="XX" selected>XX (not in Asperion&#x27;s list)</option>' in html
    assert '<option value="L" selected>L – Btw laag</option>' in html


def test_a_code_without_a_shop_value_or_a_bad_shop_value_is_an_error_at_the_field():
    no_key = order_form(rows(("", "H")))
    assert not no_key.is_valid()
    assert "“H” has no value from the shop" in str(no_key.errors["vat_code_map"])
    bad_rate = order_form(rows(("hoog", "H")))
    assert not bad_rate.is_valid()
    assert "“hoog” is not a VAT rate" in str(bad_rate.errors["vat_code_map"])


def test_a_code_set_before_that_the_list_lacks_may_stay():
    form = order_form(rows(("21", "OUD")), vat_code_map={"21": "OUD"})
    assert form.is_valid(), form.errors
    assert form.to_data()["vat_code_map"] == {"21": "OUD"}


def test_without_the_list_each_row_is_a_text_input_and_the_old_text_form_still_saves():
    form = SchemaForm(schema=OrderSettings, current=OrderSettings())
    html = str(form["payment_method_map"])
    assert "<select" not in html
    assert (
        'name="payment_method_map-value-0" id="id_payment_method_map-value-0" value="IDEAL"' in html
    )
    text = SchemaForm(
        {"vat_code_map": "21 = H21\n9 = L9"}, schema=OrderSettings, current=OrderSettings()
    )
    assert text.is_valid(), text.errors
    assert text.to_data()["vat_code_map"] == {"21": "H21", "9": "L9"}
