"""Text functions, lookups and the linear-time regex replace."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import re2  # type: ignore[import-untyped]

from mapping.functions.coercion import (
    _shown,
    _text_or_none,
    as_bool,
    as_decimal,
    as_int,
    as_text,
    is_empty,
)
from mapping.functions.registry import _MISSING, FunctionError, register


@register(
    "concat",
    signature="concat(value, ...)",
    category="text",
    returns="string",
    help="Glue values together without a separator; empty values are left out.",
    examples=[(("INV-", "2024", "-", 7), "INV-2024-7"), (("A", None, "B"), "AB")],
)
def concat(*values: Any) -> str:
    return "".join(as_text(v) for v in _flatten(values) if not is_empty(v))


@register(
    "join",
    signature="join(separator, value, ...)",
    category="text",
    returns="string",
    help="Join values with a separator; empty values are left out, lists are joined item by item.",
    examples=[((", ", "Amsterdam", None, "NL"), "Amsterdam, NL"), ((" / ", ["a", "b"]), "a / b")],
)
def join(separator: Any, *values: Any) -> str:
    return as_text(separator).join(as_text(v).strip() for v in _flatten(values) if not is_empty(v))


def _flatten(values: Iterable[Any]) -> list[Any]:
    flat: list[Any] = []
    for value in values:
        flat.extend(value if isinstance(value, list | tuple) else [value])
    return flat


@register(
    "trim",
    signature="trim(text)",
    category="text",
    returns="string",
    help="Remove spaces at both ends and collapse runs of spaces inside to one.",
    examples=[(("  Jan   Jansen ",), "Jan Jansen"), ((None,), None)],
)
def trim(text: Any) -> str | None:
    value = _text_or_none(text)
    return None if value is None else " ".join(value.split())


@register(
    "upper",
    signature="upper(text)",
    category="text",
    returns="string",
    help="Capital letters.",
    examples=[(("nl",), "NL")],
)
def upper(text: Any) -> str | None:
    value = _text_or_none(text)
    return None if value is None else value.upper()


@register(
    "lower",
    signature="lower(text)",
    category="text",
    returns="string",
    help="Small letters.",
    examples=[(("Info@Shop.NL",), "info@shop.nl")],
)
def lower(text: Any) -> str | None:
    value = _text_or_none(text)
    return None if value is None else value.lower()


@register(
    "title",
    signature="title(text)",
    category="text",
    returns="string",
    help="Each word with a capital letter, the rest small.",
    examples=[(("JAN JANSEN",), "Jan Jansen")],
)
def title(text: Any) -> str | None:
    value = _text_or_none(text)
    return None if value is None else value.title()


@register(
    "truncate",
    signature="truncate(text, length, ellipsis='')",
    category="text",
    returns="string",
    help="Cut text to at most `length` characters; with an ellipsis ('…') the cut shows.",
    examples=[(("Keizersgracht", 6), "Keizer"), (("Keizersgracht", 6, "…"), "Keize…")],
)
def truncate(text: Any, length: Any, ellipsis: Any = "") -> str | None:
    value = _text_or_none(text)
    limit = as_int(length)
    mark = as_text(ellipsis)
    if limit < 0 or len(mark) > limit:
        raise FunctionError(f"length must be at least {len(mark)}, got {limit}")
    if value is None or len(value) <= limit:
        return value
    return value[: limit - len(mark)] + mark


@register(
    "replace",
    signature="replace(text, old, new)",
    category="text",
    returns="string",
    help="Replace every occurrence of `old` by `new` (plain text, not a pattern).",
    examples=[(("06-12345678", "-", ""), "0612345678")],
)
def replace(text: Any, old: Any, new: Any) -> str | None:
    value = _text_or_none(text)
    needle = as_text(old)
    if not needle:
        raise FunctionError("the text to replace is empty")
    return None if value is None else value.replace(needle, as_text(new))


@register(
    "default_if_empty",
    signature="default_if_empty(value, default)",
    category="logic",
    returns="any",
    help="The value, or the default when the value is missing or empty text.",
    examples=[(("", "onbekend"), "onbekend"), (("Jan", "onbekend"), "Jan")],
)
def default_if_empty(value: Any, default: Any) -> Any:
    return default if is_empty(value) else value


@register(
    "coalesce",
    signature="coalesce(value, ...)",
    category="logic",
    returns="any",
    help="The first value that is not empty.",
    examples=[((None, "", "Shop BV", "Jan"), "Shop BV")],
)
def coalesce(*values: Any) -> Any:
    return next((v for v in values if not is_empty(v)), None)


@register(
    "if_true",
    signature="if_true(condition, then, else=None)",
    category="logic",
    returns="any",
    help="`then` when the condition is true (true, 'yes', 1), else `else`.",
    examples=[((True, "B", "P"), "B"), ((False, "B", "P"), "P")],
)
def if_true(condition: Any, then: Any, otherwise: Any = None) -> Any:
    return then if as_bool(condition) else otherwise


@register(
    "lookup",
    signature="lookup(value, table, default)",
    category="logic",
    returns="any",
    help="Look the value up in a table {from: to}, e.g. a payment method → Asperion payment "
    "method id or a VAT rate → VAT code. Without a default an unknown value is an error "
    "that names it. Numbers match however they are written (21, '21', '21.00').",
    examples=[
        (("ideal", {"ideal": "IDL", "paypal": "PP"}), "IDL"),
        (("21.00", {"21": "H21", "9": "L9"}), "H21"),
        (("cash", {"ideal": "IDL"}, "OVERIG"), "OVERIG"),
    ],
)
def lookup(value: Any, table: Any, default: Any = _MISSING) -> Any:
    if not isinstance(table, dict):
        raise FunctionError(f"the lookup table must be an object {{from: to}}, got {_shown(table)}")
    for key in _lookup_keys(value):
        if key in table:
            return table[key]
    if default is not _MISSING:
        return default
    raise FunctionError(f"no entry for {_shown(value)} in the lookup table")


def _lookup_keys(value: Any) -> list[str]:
    if value is None:
        return []
    text = as_text(value)
    keys = [text, text.strip(), text.strip().lower()]
    try:
        number = as_decimal(value).normalize()
        keys.append(format(number, "f"))
    except FunctionError:
        pass
    return keys


# Why RE2 and not the stdlib `re` with a guard: `re` backtracks, so a bounded repeat inside a
# repeat (`^(?:a{0,2}){30}$`) takes exponential time, has no timeout and holds the GIL; a
# hand-made guard missed such patterns. RE2 matches in time linear in the text for every
# pattern it accepts. Its program size is capped (REGEX_MAX_MEMORY), and with the pattern and
# text caps one call stays within milliseconds.
REGEX_MAX_PATTERN = 200
REGEX_MAX_TEXT = 10_000
REGEX_MAX_MEMORY = 1 << 20
# What RE2 says, and what a user should read, for the constructs it leaves out by design.
_UNSUPPORTED = (
    ("(?=", "look-ahead"),
    ("(?!", "look-ahead"),
    ("(?<=", "look-behind"),
    ("(?<!", "look-behind"),
    ("(?P=", "back-reference"),
    ("(?>", "atomic group"),
    ("++", "possessive repeat"),
    ("*+", "possessive repeat"),
    ("?+", "possessive repeat"),
)


def _regex_options() -> Any:
    options = re2.Options()
    options.max_mem = REGEX_MAX_MEMORY
    options.log_errors = False  # the error is ours to report, not RE2's to print
    return options


@lru_cache(maxsize=256)
def linear_regex(pattern: str) -> Any:
    """Return the pattern compiled by RE2, or raise FunctionError saying why it cannot be
    used: too long, invalid, or a construct that linear-time matching leaves out."""
    if len(pattern) > REGEX_MAX_PATTERN:
        raise FunctionError(f"the pattern is longer than {REGEX_MAX_PATTERN} characters")
    try:
        return re2.compile(pattern, _regex_options())
    except re2.error as error:
        raise FunctionError(_regex_problem(pattern, error)) from None


def _regex_problem(pattern: str, error: Exception) -> str:
    detail = error.args[0] if error.args else error
    reason = detail.decode(errors="replace") if isinstance(detail, bytes) else str(detail)
    if re.search(r"\\[1-9]", pattern):
        return f"a back-reference cannot be used ({reason}): patterns run in linear time"
    for marker, name in _UNSUPPORTED:
        if marker in pattern:
            return f"a {name} cannot be used ({reason}): patterns run in linear time"
    return f"invalid pattern: {reason}"


@register(
    "regex_replace",
    signature="regex_replace(text, pattern, replacement)",
    category="text",
    returns="string",
    help="Replace what a regular expression matches (RE2 syntax, close to Python's; \\1 in "
    "the replacement is the first group). Patterns run in time linear in the text, so no "
    "pattern can hang a run: look-ahead, look-behind, back-references and possessive or "
    "atomic repeats are not available. At most 200 characters of pattern and "
    "10,000 of text.",
    examples=[
        (("Tel: 020-1234567", r"[^0-9]", ""), "0201234567"),
        (("2024-05-02", r"(\d+)-(\d+)-(\d+)", r"\3-\2-\1"), "02-05-2024"),
    ],
    checks={"pattern": lambda pattern: linear_regex(as_text(pattern))},
)
def regex_replace(text: Any, pattern: Any, replacement: Any) -> str | None:
    value = _text_or_none(text)
    compiled = linear_regex(as_text(pattern))
    if value is None:
        return None
    if len(value) > REGEX_MAX_TEXT:
        raise FunctionError(
            f"the text is too long for a pattern ({len(value)} characters, at most "
            f"{REGEX_MAX_TEXT})"
        )
    try:
        return str(compiled.sub(as_text(replacement), value))
    except (re2.error, IndexError) as error:
        raise FunctionError(f"bad replacement: {error}") from None
