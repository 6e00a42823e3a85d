"""Canonical records: what a source may type, and what the rest of the platform can rely on."""

from __future__ import annotations

import pytest

from connectors.records import Address, Customer, RecordInvalid


@pytest.mark.parametrize(
    ("typed", "read"), [("NL", "NL"), ("nl", "NL"), (" be ", "BE"), ("De", "DE")]
)
def test_a_country_code_in_any_case_is_read_in_upper_case(typed, read):
    assert Address(country=typed).country == read


@pytest.mark.parametrize("typed", ["NLD", "Nederland", "n1", ""])
def test_a_country_that_is_not_a_two_letter_code_fails_naming_the_field(typed):
    with pytest.raises(RecordInvalid, match="billing.country"):
        Customer.parse({"source_id": "1", "billing": {"country": typed}})
