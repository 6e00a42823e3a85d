"""The flows' view of a mapping: compiled once per run, applied to every record."""

from __future__ import annotations

from typing import Any, Protocol

from mapping.kinds import MappingKind
from mapping.models import Mapping
from mapping.selectors import mapping_runnable, mapping_runnable_default


class CompiledMapping(Protocol):
    version: int

    @property
    def create_only(self) -> frozenset[str]: ...

    def apply(
        self, source: dict[str, Any], *, context: dict[str, Any]
    ) -> tuple[dict[str, Any] | None, str]: ...


def compiled_mapping_for(mapping: Mapping) -> CompiledMapping:
    # mapping.selectors.RunnableMapping fits the protocol (mypy checks it here).
    return mapping_runnable(mapping=mapping)


def compiled_default(kind: MappingKind) -> CompiledMapping:
    return mapping_runnable_default(flow_kind=kind.name)
