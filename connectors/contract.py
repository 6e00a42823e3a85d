"""What a payload model defines, at every depth: an answer read to be written back keeps only
those fields, so what an API adds without notice (at the top, in nested objects, in lists of
them) is never sent back to be refused."""

from __future__ import annotations

from typing import Any, get_args, get_origin

from pydantic import BaseModel


def contract_only(model: type[BaseModel], data: dict[str, Any]) -> dict[str, Any]:
    """The fields of `data` that `model` defines (by name or alias), nested models included."""
    kept: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        for key in dict.fromkeys((name, info.alias or name)):
            if key in data:
                kept[key] = _inner(info.annotation, data[key])
    return kept


def _inner(annotation: Any, value: Any) -> Any:
    nested = _nested_model(annotation)
    if nested is None:
        return value
    if isinstance(value, dict):
        return contract_only(nested, value)
    if isinstance(value, list):
        return [contract_only(nested, item) if isinstance(item, dict) else item for item in value]
    return value


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    """The model an annotation holds: itself, or inside Optional, list, Annotated…"""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) is None:
        return None
    for argument in get_args(annotation):
        found = _nested_model(argument)
        if found is not None:
            return found
    return None
