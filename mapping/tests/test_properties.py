"""Property-based tests: round trips of the reshaping functions, and an engine that never
raises whatever the data or the mapping."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mapping.engine import MappingResult, apply_mapping, compile_mapping
from mapping.functions import (
    FUNCTIONS,
    NAME_PREFIXES,
    format_address_line,
    parse_address_line,
    parse_full_name,
    price_excl_vat,
    price_incl_vat,
)
from mapping.kinds import mapping_kinds
from mapping.schema import FieldError

# ---- addresses --------------------------------------------------------------------------------

word = st.from_regex(r"[A-Z][a-zéëï]{2,11}", fullmatch=True)
streets = st.tuples(
    st.sampled_from(["", "2e ", "1e ", "Van "]), st.lists(word, min_size=1, max_size=4)
).map(lambda t: (t[0] + " ".join(t[1])).strip())
numbers = st.integers(1, 99999).map(str)
additions = st.one_of(
    st.none(),
    st.from_regex(r"[A-Za-z]", fullmatch=True),
    st.sampled_from(["bis", "ter", "hs", "bg", "III", "zw", "rood"]),
    st.integers(1, 999).map(lambda n: f"bus {n}"),
    st.integers(1, 9999).map(str),
    st.from_regex(r"[1-9][0-9]{0,2}[a-z]", fullmatch=True),
)


@given(streets, numbers, additions)
def test_address_join_then_split_gives_the_parts(
    street: str, number: str, addition: str | None
) -> None:
    line = format_address_line(street, number, addition)
    parts = parse_address_line(line)
    assert (parts.street, parts.number, parts.addition) == (street, number, addition)


@given(streets, numbers, additions)
def test_address_split_then_join_is_stable(street: str, number: str, addition: str | None) -> None:
    line = format_address_line(street, number, addition)
    parts = parse_address_line(line)
    assert format_address_line(parts.street, parts.number, parts.addition) == line


# ---- VAT --------------------------------------------------------------------------------------

cents = st.integers(0, 10_000_000).map(lambda n: Decimal(n) / 100)
rates = st.one_of(
    st.sampled_from([Decimal(0), Decimal(6), Decimal(9), Decimal(21), Decimal("5.5")]),
    st.integers(0, 100).map(Decimal),
)


@given(cents, rates)
def test_excl_to_incl_and_back_gives_the_same_price(price: Decimal, rate: Decimal) -> None:
    incl = price_incl_vat(price, rate)
    assert price_excl_vat(incl, rate) == price


@given(cents, rates)
def test_incl_to_excl_and_back_is_within_a_cent(price: Decimal, rate: Decimal) -> None:
    excl = price_excl_vat(price, rate)
    assert excl is not None
    back = price_incl_vat(excl, rate)
    assert back is not None
    assert abs(back - price) <= Decimal("0.01")
    assert excl.as_tuple().exponent == -2


# ---- names ------------------------------------------------------------------------------------

given_names = st.lists(
    word.filter(lambda w: w.lower() not in NAME_PREFIXES), min_size=1, max_size=2
).map(" ".join)
prefixes = st.sampled_from(
    ["", "van ", "van der ", "de ", "van den ", "ter ", "in 't ", "van 't ", "den "]
)
last_names = st.tuples(prefixes, word).map(lambda t: t[0] + t[1])


@given(given_names, last_names)
def test_name_join_then_split_gives_first_and_last(first: str, last: str) -> None:
    joined = FUNCTIONS["join_name"].impl(first, last)
    assert parse_full_name(joined) == (first, last)


# ---- the engine never raises ------------------------------------------------------------------

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=8,
)
keys = st.sampled_from(
    [
        "sku",
        "name",
        "lines",
        "billing",
        "customer",
        "price_excl_vat",
        "vat_rate",
        "current_stock",
        "email",
        "date",
        "line",
        "number",
    ]
)
records = st.dictionaries(keys, json_values, max_size=10)
contexts = st.dictionaries(
    st.sampled_from(["settings", "customer_defaults", "x"]), json_values, max_size=3
)


def assert_is_a_clean_result(result: Any) -> None:
    assert isinstance(result, MappingResult)
    assert all(isinstance(e, FieldError) for e in result.errors)
    json.dumps(result.payload, allow_nan=True)


COMPILED_DEFAULTS = [compile_mapping(m.spec(), target=m.target) for m in mapping_kinds().values()]


@settings(max_examples=100, deadline=None)
@given(records, contexts)
def test_default_mappings_never_raise_on_garbage(
    source: dict[str, Any], context: dict[str, Any]
) -> None:
    for compiled in COMPILED_DEFAULTS:
        assert_is_a_clean_result(compiled.apply(source, context=context))


source_paths = st.sampled_from(
    [
        "sku",
        "lines[].quantity",
        "lines[0].sku",
        "billing.line",
        "$settings.map",
        "customer.name",
        "missing.deep.path",
    ]
)
args = st.one_of(
    st.builds(lambda p: {"source": p}, source_paths),
    st.builds(lambda v: {"const": v}, json_values),
    st.just({"previous": True}),
)
steps = st.builds(
    lambda fn, a: {"fn": fn, "args": a},
    st.sampled_from(sorted(FUNCTIONS)),
    st.lists(args, max_size=4),
)
rules = st.builds(
    lambda target, source, chain: {"target": target, "source": source, "steps": chain},
    st.sampled_from(["a", "b.c", "sku", "lines"]),
    source_paths,
    st.lists(steps, max_size=3),
)


@settings(max_examples=120, deadline=None)
@given(st.lists(rules, min_size=1, max_size=4), records, contexts)
def test_any_mapping_on_any_record_never_raises(
    spec: list[dict[str, Any]], source: dict[str, Any], context: dict[str, Any]
) -> None:
    assert_is_a_clean_result(apply_mapping({"rules": spec}, source, context=context))
