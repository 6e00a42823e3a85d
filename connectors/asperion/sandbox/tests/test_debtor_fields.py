"""The debtor's field map is written once and covers every plain column of a debtor."""

from __future__ import annotations

from django.db import models

from connectors.asperion.sandbox import representations, services
from connectors.asperion.sandbox.models import DEBTOR_FIELDS, Debtor, Record


def test_the_json_and_the_writes_use_the_one_map():
    assert not hasattr(representations, "DEBTOR_TEXT_FIELDS")
    assert not hasattr(services, "DEBTOR_COLUMNS")
    assert representations.DEBTOR_FIELDS is services.DEBTOR_FIELDS is DEBTOR_FIELDS


def test_the_map_names_every_plain_column_of_a_debtor():
    inherited = {field.name for field in Record._meta.get_fields()}
    plain = {
        field.name
        for field in Debtor._meta.get_fields()
        if isinstance(field, models.Field)
        and not field.is_relation
        and field.name not in inherited
        and not field.primary_key
    }
    assert set(DEBTOR_FIELDS.values()) == plain
    assert len(DEBTOR_FIELDS) == 28
