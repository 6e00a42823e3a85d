"""Answers validated once, straight from the bytes that came over the wire.

Both connectors parse answers strictly in JSON mode: a string where a number belongs is an
error, not a silent conversion. An answer is validated from `Reply.content` itself
(`parse_content`), never dumped back to JSON and validated again. A page of records is
validated whole with its item model; each record then travels on as the dict the API sent
(`Checked`), carrying the model it was validated as, so that the connector's later
`parse_json` of it costs nothing. A page with a record that does not fit is read item by
item, as before, so that record alone becomes a BadRecord.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)

# What an empty body validates as: JSON's null, as json.dumps(None) gave before.
EMPTY_BODY = b"null"


class Checked(dict[str, Any]):
    """A record exactly as the API sent it, with the model it was validated as."""

    __slots__ = ("model",)

    def __init__(self, data: dict[str, Any], model: BaseModel) -> None:
        super().__init__(data)
        self.model = model


def parse_json(model: type[M], data: Any) -> M:
    """Validate JSON-like data strictly, with JSON's types (what came over the wire).

    A record of a page already validated as `model` is not validated again.
    """
    if type(data) is Checked and type(data.model) is model:
        checked: M = data.model
        return checked
    return model.model_validate_json(json.dumps(data), strict=True)


def parse_content(model: type[M], content: bytes) -> M:
    """Validate an answer's body strictly, in JSON mode, once."""
    if not content or content.isspace():
        content = EMPTY_BODY
    return model.model_validate_json(content, strict=True)


def checked_items(raw: list[Any], models: list[Any]) -> list[Any]:
    """The raw records of a page, each carrying the model it was validated as."""
    return [
        Checked(item, model) if isinstance(item, dict) and isinstance(model, BaseModel) else item
        for item, model in zip(raw, models, strict=True)
    ]
