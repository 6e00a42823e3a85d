"""Person names: split into first name and last name (with Dutch prefixes), and joined."""

from __future__ import annotations

from typing import Any

from mapping.functions.coercion import _shown
from mapping.functions.registry import FunctionError, register
from mapping.functions.text import trim

# Dutch and Belgian name prefixes (tussenvoegsels); the last name starts at the first one.
NAME_PREFIXES = frozenset(
    {
        "van",
        "de",
        "der",
        "den",
        "het",
        "'t",
        "t",
        "ter",
        "ten",
        "te",
        "in",
        "op",
        "aan",
        "bij",
        "uit",
        "uijt",
        "onder",
        "over",
        "voor",
        "tot",
        "la",
        "le",
        "du",
        "d'",
        "des",
        "dos",
        "da",
        "di",
        "von",
        "vom",
        "zu",
        "zum",
        "l'",
        "el",
        "al",
    }
)


def parse_full_name(full: str) -> tuple[str | None, str]:
    """Return (first, last) of a full name: the last name starts at the first name prefix
    ("Jan van der Berg" → "Jan", "van der Berg"), else it is the last word."""
    words = full.split()
    if len(words) == 1:
        return None, words[0]
    for index, word in enumerate(words[1:], start=1):
        if word.lower() in NAME_PREFIXES and index < len(words) - 1:
            return " ".join(words[:index]), " ".join(words[index:])
    return " ".join(words[:-1]), words[-1]


@register(
    "split_name",
    signature="split_name(full_name, part)",
    category="name",
    returns="string",
    help="Split a full name into first name and last name (part 'first' or 'last'); Dutch "
    "prefixes such as 'van der' stay with the last name. One word is a last name.",
    examples=[
        (("Jan van der Berg", "first"), "Jan"),
        (("Jan van der Berg", "last"), "van der Berg"),
        (("Maria José Garcia", "first"), "Maria José"),
        (("Cher", "first"), None),
    ],
)
def split_name(full_name: Any, part: Any) -> str | None:
    if part not in {"first", "last"}:
        raise FunctionError(f"part must be first or last, got {_shown(part)}")
    text = trim(full_name)
    if not text:
        return None
    first, last = parse_full_name(text)
    return first if part == "first" else last


@register(
    "join_name",
    signature="join_name(first, last)",
    category="name",
    returns="string",
    help="First and last name in one, with a single space; either may be empty.",
    examples=[(("Jan", "van der Berg"), "Jan van der Berg"), ((None, "Jansen"), "Jansen")],
)
def join_name(first: Any, last: Any) -> str | None:
    return " ".join(p for p in (trim(first), trim(last)) if p) or None
