"""Answers validated once, from the bytes that came (connectors/parsing.py)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from pydantic import ValidationError

from connectors.asperion.schemas import Article, ListEnvelope
from connectors.feeddex.schemas import Unit
from connectors.parsing import Checked, checked_items, parse_content, parse_json

ARTICLE = {"id": 7, "code": "A-7", "description": "Mok", "salesPrice": 12.5, "isVariant": False}


def test_an_answer_is_validated_strictly_from_its_bytes():
    article = parse_content(Article, json.dumps(ARTICLE).encode())
    assert article.salesPrice == Decimal("12.5")
    with pytest.raises(ValidationError) as caught:
        parse_content(Article, json.dumps({**ARTICLE, "id": "7"}).encode())
    # The same error as the dump-and-validate it replaces.
    with pytest.raises(ValidationError) as before:
        Article.model_validate_json(json.dumps({**ARTICLE, "id": "7"}), strict=True)
    assert caught.value.errors() == before.value.errors()


def test_unknown_fields_in_an_answer_are_ignored():
    article = parse_content(Article, json.dumps({**ARTICLE, "newField": [1, 2]}).encode())
    assert not hasattr(article, "newField")


def test_an_empty_body_fails_as_null_did():
    with pytest.raises(ValidationError) as caught:
        parse_content(Unit, b"  ")
    assert caught.value.errors()[0]["type"] == "model_type"


def test_a_checked_record_is_not_validated_again():
    model = parse_content(Article, json.dumps(ARTICLE).encode())
    checked = Checked(ARTICLE, model)
    assert checked == ARTICLE
    assert json.loads(json.dumps(checked)) == ARTICLE
    assert parse_json(Article, checked) is model
    assert parse_json(Article, dict(checked)) is not model
    # Checked as another model: validated as asked.
    with pytest.raises(ValidationError):
        parse_json(Unit, Checked({"name": "x"}, model))


def test_a_page_validated_whole_gives_each_record_its_model():
    page = {"_data": [ARTICLE, {**ARTICLE, "id": 8}], "_meta": {"nextPage": None}}
    typed = parse_content(ListEnvelope[Article], json.dumps(page).encode())
    items = checked_items(page["_data"], typed.data)
    assert [parse_json(Article, item).id for item in items] == [7, 8]
    assert all(type(item) is Checked for item in items)
    with pytest.raises(ValidationError):
        parse_content(
            ListEnvelope[Article], json.dumps({**page, "_data": [{**ARTICLE, "id": "8"}]}).encode()
        )
