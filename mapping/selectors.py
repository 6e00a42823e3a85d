"""Reading mappings: current version, history, and the compiled form the flows run."""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass
from threading import Lock
from typing import Any

from django.db.models import QuerySet

from mapping.engine import CompiledMapping, compile_mapping
from mapping.kinds import mapping_kind
from mapping.models import Mapping, MappingVersion


def mapping_current_version(*, mapping: Mapping) -> MappingVersion | None:
    return MappingVersion.objects.filter(mapping=mapping).order_by("-number").first()


def mapping_version_list(*, mapping: Mapping) -> QuerySet[MappingVersion]:
    return MappingVersion.objects.filter(mapping=mapping).order_by("-number")


def mapping_version_get(*, mapping: Mapping, number: int) -> MappingVersion | None:
    return MappingVersion.objects.filter(mapping=mapping, number=number).first()


@dataclass
class RunnableMapping:
    """A mapping version compiled for a run: what flows.mappings.CompiledMapping describes."""

    version: int
    compiled: CompiledMapping

    def apply(
        self, source: dict[str, Any], *, context: dict[str, Any]
    ) -> tuple[dict[str, Any] | None, str]:
        """Return (payload, "") or (None, the errors in words)."""
        result = self.compiled.apply(source, context=context)
        if result.errors:
            return None, result.error_text()
        return result.payload, ""

    @property
    def create_only(self) -> frozenset[str]:
        return self.compiled.spec.create_only


# Compiling is kept per process, keyed by what the compiled form depends on (not by row id,
# which SQLite may hand out again after a delete).
_CACHE: OrderedDict[tuple[str, int, str], RunnableMapping] = OrderedDict()
_CACHE_SIZE = 256
_LOCK = Lock()


def mapping_runnable(*, mapping: Mapping) -> RunnableMapping:
    """Return the current version compiled against the flow kind's target.

    Raises LookupError when the mapping has no version (it always has one when made by the
    services)."""
    version = mapping_current_version(mapping=mapping)
    if version is None:
        raise LookupError(f"mapping {mapping.pk} has no version")
    return runnable_version(version, flow_kind=mapping.flow_kind)


def mapping_runnable_default(*, flow_kind: str) -> RunnableMapping:
    """Return a kind's default rules compiled (version 0: a mapping no tenant edits)."""
    kind = mapping_kind(flow_kind)
    return RunnableMapping(0, compile_mapping(kind.spec(), target=kind.target))


def runnable_version(version: MappingVersion, *, flow_kind: str) -> RunnableMapping:
    key = (flow_kind, version.number, json.dumps(version.spec, sort_keys=True))
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is not None:
            _CACHE.move_to_end(key)
            return cached
    target = mapping_kind(flow_kind).target
    runnable = RunnableMapping(version.number, compile_mapping(version.spec, target=target))
    with _LOCK:
        _CACHE[key] = runnable
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return runnable
