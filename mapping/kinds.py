"""The kinds of mapping there are: what each maps, from which canonical record to which
target schema, with its default rules.

Mapping knows no flow: the flows register the kinds their definitions declare
(flows/registry.py), and a stored mapping names its kind (Mapping.flow_kind).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from connectors.records import Record


@dataclass(frozen=True)
class MappingKind:
    """What a kind of mapping maps: from which canonical record to which target schema."""

    name: str
    title: str
    source: type[Record]
    target: str
    rules: list[dict[str, Any]]
    # The typed values a rule may read as `$<name>.…` (a flow's settings), so that a mapping
    # cannot name a setting that does not exist.
    context: dict[str, type[BaseModel]] = field(default_factory=dict)

    def spec(self) -> dict[str, Any]:
        """Return a fresh copy of the default mapping JSON."""
        return {"rules": copy.deepcopy(self.rules)}


_KINDS: dict[str, MappingKind] = {}


def register_mapping_kind(kind: MappingKind) -> MappingKind:
    _KINDS[kind.name] = kind
    return kind


def unregister_mapping_kind(name: str) -> None:
    _KINDS.pop(name, None)


@contextmanager
def mapping_kind_registered(kind: MappingKind) -> Iterator[MappingKind]:
    """Register a kind for the length of a block (a flow that exists only in a test)."""
    register_mapping_kind(kind)
    try:
        yield kind
    finally:
        unregister_mapping_kind(kind.name)


def mapping_kinds() -> dict[str, MappingKind]:
    """Every registered kind by name (the flows register theirs when the apps are ready)."""
    return dict(_KINDS)


def mapping_kind(name: str) -> MappingKind:
    """Return a kind of mapping; KeyError naming the known kinds for an unknown one."""
    try:
        return _KINDS[name]
    except KeyError:
        known = ", ".join(_KINDS)
        raise KeyError(f"no mapping for flow kind {name!r} (known: {known})") from None


def default_mapping(name: str) -> dict[str, Any]:
    return mapping_kind(name).spec()


def mapping_kind_choices() -> list[tuple[str, str]]:
    return [(name, kind.title) for name, kind in _KINDS.items()]
