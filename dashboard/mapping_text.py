"""The mapping editor's text form of a rule's function chain, condition and constants.

A step is written as a call, one per line; its arguments are source paths, JSON constants,
or `_` for the value so far:

    split_address("street")
    price_incl_vat(vat_rate)
    concat(first_name, " ", last_name)
    upper

A condition is `path op [JSON value]` per line (`$settings.price_includes_vat truthy`,
`$settings.stock_calculation equals "current"`). Constants and defaults are JSON. Nothing is
evaluated: the text is parsed into the mapping JSON that the mapping app validates.
"""

from __future__ import annotations

import json
import re
from typing import Any

CALL = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\((.*)\))?\s*$", re.DOTALL)
JSON_START = re.compile(r'^(?:"|\{|\[|-?\d|true$|false$|null$)')


class TextError(ValueError):
    """A line of the editor that cannot be read; the message says which and why."""


# ---- JSON spec → text ---------------------------------------------------------------------


def arg_text(arg: dict[str, Any]) -> str:
    if "source" in arg:
        return str(arg["source"])
    if "previous" in arg:
        return "_"
    return json.dumps(arg.get("const"), ensure_ascii=False)


def steps_text(steps: list[dict[str, Any]]) -> str:
    lines = []
    for step in steps:
        args = step.get("args") or []
        call = str(step.get("fn", ""))
        lines.append(f"{call}({', '.join(arg_text(a) for a in args)})" if args else call)
    return "\n".join(lines)


def conditions_text(when: Any) -> str:
    conditions = when if isinstance(when, list) else [when] if when else []
    lines = []
    for condition in conditions:
        line = f"{condition.get('source', '')} {condition.get('op', 'truthy')}"
        if condition.get("value") is not None:
            line += " " + json.dumps(condition["value"], ensure_ascii=False)
        lines.append(line)
    return "\n".join(lines)


def json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# ---- text → JSON spec ---------------------------------------------------------------------


def split_args(text: str) -> list[str]:
    """Split on commas outside quotes, brackets and braces."""
    parts, depth, quoted, escaped, current = [], 0, False, False, ""
    for char in text:
        if quoted:
            escaped = char == "\\" and not escaped
            quoted = not (char == '"' and not escaped)
        elif char == '"':
            quoted = True
        elif char in "[{(":
            depth += 1
        elif char in "]})":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
            continue
        current += char
    if quoted or depth:
        raise TextError("a quote or bracket is not closed")
    if current.strip():
        parts.append(current.strip())
    return parts


def parse_arg(text: str) -> dict[str, Any]:
    if text == "_":
        return {"previous": True}
    if JSON_START.match(text):
        return {"const": parse_json(text)}
    return {"source": text}


def parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise TextError(f"{text!r} is not valid JSON ({error.msg})") from None
    except RecursionError:
        raise TextError("the JSON value is nested too deeply") from None


def parse_steps(text: str) -> list[dict[str, Any]]:
    steps = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = CALL.match(line)
        if not match:
            unclosed = "(" in line and not line.rstrip().endswith(")")
            reason = (
                "a bracket is not closed" if unclosed else "write a call like upper or round(2)"
            )
            raise TextError(f"line {number}: {reason}")
        try:
            args = [parse_arg(a) for a in split_args(match.group(2) or "")]
        except TextError as error:
            raise TextError(f"line {number}: {error}") from None
        steps.append({"fn": match.group(1), "args": args} if args else {"fn": match.group(1)})
    return steps


def parse_conditions(text: str) -> list[dict[str, Any]]:
    conditions = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.strip().split(None, 2)
        condition: dict[str, Any] = {"source": parts[0]}
        if len(parts) > 1:
            condition["op"] = parts[1]
        if len(parts) > 2:
            try:
                condition["value"] = parse_json(parts[2])
            except TextError as error:
                raise TextError(f"line {number}: {error}") from None
        conditions.append(condition)
    return conditions
