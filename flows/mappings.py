"""The flows' view of a mapping: compiled once per run, applied to every record."""

from __future__ import annotations

from typing import Any, Protocol

from mapping.models import Mapping
from mapping.selectors import mapping_runnable


class CompiledMapping(Protocol):
    version: int

    def apply(
        self, source: dict[str, Any], *, context: dict[str, Any]
    ) -> tuple[dict[str, Any] | None, str]: ...


def compiled_mapping_for(mapping: Mapping) -> CompiledMapping:
    return mapping_runnable(mapping=mapping)
