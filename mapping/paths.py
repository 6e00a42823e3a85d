"""Field paths: reading source values and writing target values, compiled once.

Source paths are dotted: `billing.line`, `lines[0].sku` (one item), `lines[].quantity`
(every item: gives a list). A leading `$name.` reads the context instead of the record:
`$settings.price_includes_vat`; inside a rule's `items`, paths are relative to the item,
`$root.` reads the whole record and `$item` is the item itself (for lists of plain values).
Target paths are dotted object paths: `billingAddress.street`; lists are made by `items`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

SEGMENT = r"[A-Za-z_][A-Za-z0-9_]*(?:\[\]|\[[0-9]+\])?"
SOURCE_PATH = re.compile(rf"^(?:\$[a-z_][a-z0-9_]*\.)?{SEGMENT}(?:\.{SEGMENT})*$")
CONTEXT_ONLY = re.compile(r"^\$[a-z_][a-z0-9_]*$")
TARGET_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$")
_PART = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:\[(?P<index>[0-9]*)\])?$")

EACH = -1  # a segment's index meaning "every item"

Reader = Callable[[Any, dict[str, Any], Any], Any]


@dataclass(frozen=True)
class SourcePath:
    root: str | None  # None: the record (or the item); else a context name, "root" = record
    segments: tuple[tuple[str, int | None], ...]

    @property
    def text(self) -> str:
        parts = [
            f"{name}{'' if i is None else '[]' if i == EACH else f'[{i}]'}"
            for name, i in self.segments
        ]
        head = [f"${self.root}"] if self.root else []
        return ".".join(head + parts)

    @property
    def schema_path(self) -> str:
        """The path as the source schema lists it: every index becomes `[]`."""
        return ".".join(f"{name}{'' if i is None else '[]'}" for name, i in self.segments)


def is_source_path(text: str) -> bool:
    return bool(SOURCE_PATH.match(text) or CONTEXT_ONLY.match(text))


def parse_source_path(text: str) -> SourcePath:
    """Return the parsed path; raise ValueError when it is not a valid source path."""
    if not is_source_path(text):
        raise ValueError(f"not a valid source path: {text!r}")
    root: str | None = None
    parts = text.split(".")
    if parts[0].startswith("$"):
        root, parts = parts[0][1:], parts[1:]
    segments = []
    for part in parts:
        match = _PART.match(part)
        assert match is not None  # guaranteed by SOURCE_PATH
        index = match["index"]
        segments.append(
            (match["name"], None if index is None else EACH if index == "" else int(index))
        )
    return SourcePath(root=root, segments=tuple(segments))


def compile_reader(path: SourcePath) -> Reader:
    """Return reader(data, context, root) for the path: None where something is missing."""
    walk = _compile_segments(path.segments)
    if path.root is None:
        return lambda data, context, root: walk(data)
    if path.root == "root":
        return lambda data, context, root: walk(root)
    if path.root == "item":  # the item itself, for lists of plain values
        if not path.segments:
            return lambda data, context, root: data
        return lambda data, context, root: walk(data)
    name = path.root
    return lambda data, context, root: walk(context.get(name))


def _compile_segments(segments: tuple[tuple[str, int | None], ...]) -> Callable[[Any], Any]:
    if not segments:
        return lambda value: value
    if any(index == EACH for _, index in segments):
        return lambda value: _walk_each(value, segments)
    if len(segments) == 1 and segments[0][1] is None:
        key = segments[0][0]
        return lambda value: value.get(key) if isinstance(value, dict) else None
    return lambda value: _walk(value, segments)


def _walk(value: Any, segments: tuple[tuple[str, int | None], ...]) -> Any:
    for name, index in segments:
        value = value.get(name) if isinstance(value, dict) else None
        if index is not None:
            value = value[index] if isinstance(value, list) and index < len(value) else None
        if value is None:
            return None
    return value


def _walk_each(value: Any, segments: tuple[tuple[str, int | None], ...]) -> Any:
    for position, (name, index) in enumerate(segments):
        value = value.get(name) if isinstance(value, dict) else None
        if index == EACH:
            rest = segments[position + 1 :]
            items = value if isinstance(value, list) else []
            return [_walk_each(item, rest) if rest else item for item in items]
        if index is not None:
            value = value[index] if isinstance(value, list) and index < len(value) else None
        if value is None:
            return None
    return value


def target_keys(path: str) -> tuple[str, ...]:
    if not TARGET_PATH.match(path):
        raise ValueError(f"not a valid target path: {path!r}")
    return tuple(path.split("."))


def write_value(payload: dict[str, Any], keys: tuple[str, ...], value: Any) -> None:
    """Set payload[k1][k2]… = value, making the objects on the way."""
    node = payload
    for key in keys[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = node[key] = {}
        node = child
    node[keys[-1]] = value
