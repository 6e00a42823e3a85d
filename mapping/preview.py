"""Preview: a mapping applied to a few sample records, with the validation outcome, writing
nothing. Pure: the flows layer fetches the samples through the connector and passes them."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from connectors.records import Record
from mapping.engine import MappingTimeout, compile_mapping
from mapping.schema import FieldError, MappingInvalid, MappingSpec


@dataclass
class PreviewRow:
    source: dict[str, Any]
    payload: dict[str, Any]
    errors: list[FieldError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "payload": self.payload,
            "ok": self.ok,
            "errors": [e.as_dict() for e in self.errors],
        }


# A page that shows a preview (the mapping editor, the wizard) answers within about this long,
# whatever the mapping does: every function is bounded, and the engine stops at the deadline.
PREVIEW_SECONDS = 1.0
OVER_BUDGET = (
    "The preview took longer than {seconds:g} s and was stopped; simplify the rules "
    "(long patterns or many steps) and try again."
)


def preview(
    mapping_spec: MappingSpec | dict[str, Any] | list[Any],
    records: Iterable[Record | dict[str, Any]],
    *,
    target: str,
    context: dict[str, Any] | None = None,
    budget_seconds: float = PREVIEW_SECONDS,
) -> list[PreviewRow]:
    """Return, per record, the source as the mapping reads it, the payload it gives and
    every problem: bad rules, functions that failed on this record, and how the payload
    breaks the target's schema. An invalid mapping gives its errors on every row; a record
    not mapped within the time budget gives the budget's error instead of a payload."""
    deadline = time.monotonic() + budget_seconds
    sources = [r.as_source() if isinstance(r, Record) else r for r in records]
    try:
        compiled = compile_mapping(mapping_spec, target=target)
    except MappingInvalid as error:
        return [PreviewRow(source=s, payload={}, errors=list(error.errors)) for s in sources]
    over = FieldError("mapping", OVER_BUDGET.format(seconds=budget_seconds))
    rows = []
    for source in sources:
        try:
            result = compiled.apply(source, context=context, deadline=deadline)
        except MappingTimeout:
            rows.append(PreviewRow(source=source, payload={}, errors=[over]))
            continue
        rows.append(PreviewRow(source=source, payload=result.payload, errors=result.errors))
    return rows
