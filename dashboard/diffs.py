"""Pretty JSON with the changed fields highlighted, for a record's page."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

TOP_LEVEL_KEY = re.compile(r'^  "((?:[^"\\]|\\.)*)": ')


@dataclass(frozen=True)
class Change:
    field: str
    before: Any
    after: Any


def changed_fields(
    payload: dict[str, Any] | None, response: dict[str, Any] | None, diff: dict[str, Any] | None
) -> list[Change]:
    """Return the fields that differ.

    A dry run stored {field: [current, new]}: what the target holds against what would be
    sent. Otherwise compare what was sent with what the target answered, for the fields that
    both carry (the answer adds ids and timestamps, which are no difference).
    """
    if diff:
        return [Change(name, *pair) for name, pair in diff.items() if _is_pair(pair)]
    if not isinstance(payload, dict) or not isinstance(response, dict):
        return []
    return [
        Change(name, value, response[name])
        for name, value in payload.items()
        if name in response and response[name] != value
    ]


def _is_pair(value: Any) -> bool:
    return isinstance(value, list | tuple) and len(value) == 2


@dataclass(frozen=True)
class JsonLine:
    text: str
    changed: bool


def json_lines(data: Any, highlight: set[str]) -> list[JsonLine]:
    """Return the data as indented JSON lines, marking the lines of the highlighted keys."""
    if data is None:
        return []
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    lines: list[JsonLine] = []
    current: str | None = None
    for line in text.splitlines():
        match = TOP_LEVEL_KEY.match(line)
        if match:
            current = json.loads(f'"{match.group(1)}"')
        elif not line.startswith("  "):
            current = None  # the closing brace, or a top-level scalar
        lines.append(JsonLine(line, current in highlight))
    return lines
