"""The flows' view of a mapping: compiled once per run, applied to every record."""

from __future__ import annotations

from typing import Any, Protocol


class CompiledMapping(Protocol):
    version: int

    def apply(
        self, source: dict[str, Any], *, context: dict[str, Any]
    ) -> tuple[dict[str, Any] | None, str]: ...


def compiled_mapping_for(mapping: Any) -> CompiledMapping:
    raise NotImplementedError
