"""The function library of the mapping: safe, documented transforms over JSON-like values.

Every function is a plain Python callable registered with a name, a signature line, a help
text and examples (arguments → result) that the mapping editor shows and the tests check.
Nothing here evaluates user text: a mapping names a function and gives it arguments.

Conventions, so that mappings stay short and records with gaps never crash a run:
- A value that is missing (None) passes through text and number functions as None; the
  rule's default or the target's required check decides what that means.
- Bad input (a number that is not a number, an unknown country, a house number that cannot
  be found) raises FunctionError with a message in the user's terms; the engine turns it
  into a FieldError naming the target field and the function.
- Money is Decimal, rounded half up; numbers arrive as Decimal, int, float or text
  (canonical records give Decimal fields as text in their JSON form).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import re2  # type: ignore[import-untyped]

from mapping.amounts import Charged, line_amount, unit_price_for
from mapping.countries import COUNTRIES, country_code_for, country_name_for

_MISSING: Any = object()
F = TypeVar("F", bound=Callable[..., Any])


class FunctionError(ValueError):
    """Bad input for a mapping function; the message says what is wrong, in plain words."""


@dataclass(frozen=True)
class Example:
    args: tuple[Any, ...]
    result: Any


@dataclass(frozen=True)
class Function:
    name: str
    impl: Callable[..., Any]
    signature: str
    help: str
    category: str
    returns: str
    examples: tuple[Example, ...]
    min_args: int
    max_args: int | None  # None: takes any number of arguments
    params: tuple[str, ...] = ()
    # Checks of constant arguments, by parameter name, run when a mapping is validated, so
    # that a pattern that can never work is an error at its rule before any record is read.
    checks: dict[str, Callable[[Any], object]] = field(default_factory=dict)

    def call(self, args: list[Any]) -> Any:
        return self.impl(*args)

    def describe(self) -> dict[str, Any]:
        """Return what the mapping editor shows for this function."""
        return {
            "name": self.name,
            "signature": self.signature,
            "help": self.help,
            "category": self.category,
            "returns": self.returns,
            "examples": [{"args": list(e.args), "result": e.result} for e in self.examples],
        }


FUNCTIONS: dict[str, Function] = {}


def register(
    name: str,
    *,
    signature: str,
    help: str,  # noqa: A002 - the word the UI uses
    category: str,
    returns: str,
    examples: Iterable[tuple[tuple[Any, ...], Any]],
    checks: dict[str, Callable[[Any], object]] | None = None,
) -> Callable[[F], F]:
    def decorate(impl: F) -> F:
        low, high = _arity(impl)
        params = tuple(inspect.signature(impl).parameters)
        FUNCTIONS[name] = Function(
            name=name,
            impl=impl,
            signature=signature,
            help=help,
            category=category,
            returns=returns,
            examples=tuple(Example(a, r) for a, r in examples),
            min_args=low,
            max_args=high,
            params=params,
            checks=dict(checks or {}),
        )
        return impl

    return decorate


def _arity(impl: Callable[..., Any]) -> tuple[int, int | None]:
    params = inspect.signature(impl).parameters.values()
    positional = [p for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
    required = sum(1 for p in positional if p.default is p.empty)
    variadic = any(p.kind is p.VAR_POSITIONAL for p in params)
    return required, None if variadic else len(positional)


def catalogue() -> list[dict[str, Any]]:
    """Return every function as the mapping editor lists it, grouped by category."""
    return [f.describe() for f in sorted(FUNCTIONS.values(), key=lambda f: (f.category, f.name))]


# ---- coercion helpers -------------------------------------------------------------------------


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        return format(value, "g")
    raise FunctionError(f"expected text, got {_shown(value)}")


# Amounts, quantities and rates never need more; the bound keeps a hostile "1e999999999"
# from turning into a billion-digit integer.
MAX_DIGITS = 20


def as_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise FunctionError(f"expected a number, got {_shown(value)}")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, str):
        number = _parse_decimal(value)
    else:
        raise FunctionError(f"expected a number, got {_shown(value)}")
    if not number.is_finite():
        raise FunctionError(f"expected a finite number, got {_shown(value)}")
    if number and not -MAX_DIGITS <= number.adjusted() <= MAX_DIGITS:
        raise FunctionError(f"the number {_shown(value)} is out of range")
    return number


def _parse_decimal(text: str) -> Decimal:
    cleaned = text.strip().replace(" ", "")
    # Dutch notation "1.234,50" or "12,50": comma is the decimal separator.
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        raise FunctionError(f"expected a number, got {_shown(text)}") from None


def as_int(value: Any, what: str = "a whole number") -> int:
    number = as_decimal(value)
    if number != number.to_integral_value():
        raise FunctionError(f"expected {what}, got {_shown(value)}")
    return int(number)


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    raise FunctionError(f"expected a list, got {_shown(value)}")


def as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, str) and value.strip().lower() in {"true", "yes", "ja", "1", "on"}:
        return True
    if isinstance(value, str) and value.strip().lower() in {"false", "no", "nee", "0", "off", ""}:
        return False
    if isinstance(value, int | Decimal | float):
        return bool(value)
    raise FunctionError(f"expected true or false, got {_shown(value)}")


def is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | dict):
        return not value
    return False


def _text_or_none(value: Any) -> str | None:
    return None if value is None else as_text(value)


CENT = Decimal("0.01")


def round_half_up(number: Decimal, decimals: int = 2) -> Decimal:
    return number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


# ---- text -------------------------------------------------------------------------------------


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


# ---- Dutch and Belgian addresses ---------------------------------------------------------------

# The house number is the last number that is followed only by an addition; a number inside
# the street ("2e Hugo de Grootstraat", "Plein 1944") stays part of the street. An addition
# is letters ("A", "bis", "hs"), a Belgian box ("bus 3", "bte 2"), or after - or / a number
# ("12-14"); a bare number after a space is never an addition, so "Plein 1944 12" works.
_WORD_ADDITION = r"(?:bus|bte|boîte|box)\.?\s*[0-9A-Za-z]{1,6}|[A-Za-z]{1,4}\.?(?:\s*[0-9]{1,3})?"
_ADDRESS = re.compile(
    r"^(?P<street>.*?\S)\s*,?\s+(?P<number>[0-9]{1,5})(?:"
    r"\s*[-/]\s*(?P<after_dash>[0-9]{1,4}(?:[A-Za-z]{1,2}|-[A-Za-z]{1,6})?|" + _WORD_ADDITION + r")"
    r"|\s+(?P<after_space>" + _WORD_ADDITION + r")"
    r"|(?P<glued>[A-Za-z]{1,3})"
    r")?\s*$"
)
_STARTS_WITH_DIGIT = re.compile(r"^[0-9]")


@dataclass(frozen=True)
class AddressParts:
    street: str
    number: str
    addition: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"street": self.street, "number": self.number, "addition": self.addition}


def parse_address_line(line: str) -> AddressParts:
    """Return the street, house number and addition of a one-line Dutch or Belgian address."""
    if len(line) > 200:
        raise FunctionError("an address line is at most 200 characters")
    text = " ".join(line.replace(",", " , ").split()).replace(" , ", ", ").strip(" ,")
    match = _ADDRESS.match(text)
    if not match:
        raise FunctionError(f"no house number found in {_shown(line)}")
    addition = match["after_dash"] or match["after_space"] or match["glued"]
    return AddressParts(match["street"].rstrip(" ,"), match["number"], addition or None)


def format_address_line(street: str, number: str, addition: str | None) -> str:
    """Return the one line: a single letter sticks to the number ("123A"), a number follows a
    dash ("12-14"), anything else a space ("5 bis", "16 bus 3")."""
    line = f"{street} {number}"
    if not addition:
        return line
    if len(addition) == 1 and addition.isalpha():
        return line + addition
    if _STARTS_WITH_DIGIT.match(addition):
        return f"{line}-{addition}"
    return f"{line} {addition}"


_ADDRESS_PARTS = {"street", "number", "addition"}


@register(
    "split_address",
    signature="split_address(line, part=None)",
    category="address",
    returns="any",
    help="Split a Dutch or Belgian one-line address into street, house number and addition. "
    "With part 'street', 'number' or 'addition' only that part; without, all three.",
    examples=[
        (("Keizersgracht 123A", "street"), "Keizersgracht"),
        (("Keizersgracht 123A", "number"), "123"),
        (("Keizersgracht 123A", "addition"), "A"),
        (("Dorpsstraat 5 bis",), {"street": "Dorpsstraat", "number": "5", "addition": "bis"}),
        (("Rue de la Loi 16 bus 3", "addition"), "bus 3"),
        (("Laan van Meerdervoort 12-14", "addition"), "14"),
        (("Dorpsstraat 152-2-hoog", "addition"), "2-hoog"),
        (("2e Hugo de Grootstraat 3 hs", "street"), "2e Hugo de Grootstraat"),
    ],
)
def split_address(line: Any, part: Any = None) -> Any:
    if part is not None and part not in _ADDRESS_PARTS:
        raise FunctionError(f"part must be street, number or addition, got {_shown(part)}")
    text = _text_or_none(line)
    if text is None or not text.strip():
        return None
    parts = parse_address_line(text).as_dict()
    return parts if part is None else parts[part]


@register(
    "join_address",
    signature="join_address(street, number, addition=None)",
    category="address",
    returns="string",
    help="Join street, house number and addition into one line, the way Asperion keeps it.",
    examples=[
        (("Keizersgracht", "123", "A"), "Keizersgracht 123A"),
        (("Dorpsstraat", 5, "bis"), "Dorpsstraat 5 bis"),
        (("Laan van Meerdervoort", "12", "14"), "Laan van Meerdervoort 12-14"),
        (("Dorpsstraat", "152", "2-hoog"), "Dorpsstraat 152-2-hoog"),
        ((None, None, None), None),
    ],
)
def join_address(street: Any, number: Any, addition: Any = None) -> str | None:
    name, house, extra = (trim(street), trim(number), trim(addition))
    if not name and not house:
        return None
    if not name:
        raise FunctionError(f"house number {_shown(house)} has no street")
    if not house:
        return name
    return format_address_line(name, house, extra or None)


# ---- person names -----------------------------------------------------------------------------

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


# ---- numbers and money ------------------------------------------------------------------------


@register(
    "number",
    signature="number(value)",
    category="number",
    returns="number",
    help="Read a number from text ('12,50' and '1.234,50' are read the Dutch way).",
    examples=[(("12,50",), Decimal("12.50")), (("1.234,50",), Decimal("1234.50"))],
)
def number(value: Any) -> Decimal | None:
    return None if is_empty(value) else as_decimal(value)


@register(
    "integer",
    signature="integer(value, rounding='down')",
    category="number",
    returns="integer",
    help="A whole number: rounding 'down' (towards zero, for stock), 'half_up' or 'exact' "
    "(an error when there is a fraction).",
    examples=[(("5.000",), 5), (("2.7",), 2), (("2.5", "half_up"), 3)],
)
def integer(value: Any, rounding: Any = "down") -> int | None:
    if is_empty(value):
        return None
    modes = {"down": ROUND_DOWN, "half_up": ROUND_HALF_UP}
    if rounding == "exact":
        return as_int(value)
    if rounding not in modes:
        raise FunctionError(f"rounding must be down, half_up or exact, got {_shown(rounding)}")
    return int(as_decimal(value).to_integral_value(rounding=modes[rounding]))


@register(
    "round",
    signature="round(value, decimals=2)",
    category="number",
    returns="number",
    help="Round half up (2.345 → 2.35) to a number of decimals.",
    examples=[(("2.345",), Decimal("2.35")), ((Decimal("7.5"), 0), Decimal("8"))],
)
def round_number(value: Any, decimals: Any = 2) -> Decimal | None:
    places = _decimals(decimals)
    return None if is_empty(value) else round_half_up(as_decimal(value), places)


def _decimals(value: Any) -> int:
    places = as_int(value)
    if not 0 <= places <= 10:
        raise FunctionError(f"decimals must be between 0 and 10, got {places}")
    return places


@register(
    "format_number",
    signature="format_number(value, decimals=2, decimal_separator=',', thousands_separator='.')",
    category="number",
    returns="string",
    help="Write a number as text, rounded half up, with the separators you choose "
    "(Dutch style by default).",
    examples=[(("1234.5",), "1.234,50"), ((1234.5, 1, ".", ","), "1,234.5")],
)
def format_number(
    value: Any, decimals: Any = 2, decimal_separator: Any = ",", thousands_separator: Any = "."
) -> str | None:
    places = _decimals(decimals)
    if is_empty(value):
        return None
    text = f"{round_half_up(as_decimal(value), places):,.{places}f}"
    swap = {",": as_text(thousands_separator), ".": as_text(decimal_separator)}
    return "".join(swap.get(ch, ch) for ch in text)


@register(
    "add",
    signature="add(value, ...)",
    category="number",
    returns="number",
    help="The sum of the values; empty values count as 0.",
    examples=[(("10.00", 2), Decimal("12.00"))],
)
def add(*values: Any) -> Decimal:
    return sum((as_decimal(v) for v in values if not is_empty(v)), Decimal(0))


@register(
    "subtract",
    signature="subtract(value, other)",
    category="number",
    returns="number",
    help="value − other; an empty other counts as 0 (e.g. current stock − reservations).",
    examples=[(("12", "3"), Decimal("9")), (("12", None), Decimal("12"))],
)
def subtract(value: Any, other: Any) -> Decimal | None:
    if is_empty(value):
        return None
    return as_decimal(value) - (Decimal(0) if is_empty(other) else as_decimal(other))


@register(
    "multiply",
    signature="multiply(value, factor)",
    category="number",
    returns="number",
    help="value × factor.",
    examples=[(("2.50", 3), Decimal("7.50"))],
)
def multiply(value: Any, factor: Any) -> Decimal | None:
    return None if is_empty(value) else as_decimal(value) * as_decimal(factor)


@register(
    "clamp",
    signature="clamp(value, minimum=None, maximum=None)",
    category="number",
    returns="number",
    help="Keep a number within bounds (e.g. stock never below 0).",
    examples=[((-3, 0), Decimal("0")), ((7, 0, 5), Decimal("5"))],
)
def clamp(value: Any, minimum: Any = None, maximum: Any = None) -> Decimal | None:
    if is_empty(value):
        return None
    result = as_decimal(value)
    if minimum is not None:
        result = max(result, as_decimal(minimum))
    if maximum is not None:
        result = min(result, as_decimal(maximum))
    return result


@register(
    "sum",
    signature="sum(list)",
    category="list",
    returns="number",
    help="The sum of a list of numbers (e.g. all line quantities).",
    examples=[((["1.50", 2, "0.25"],), Decimal("3.75")), (([],), Decimal("0"))],
)
def sum_list(values: Any) -> Decimal:
    return add(*as_list(values))


@register(
    "count",
    signature="count(list)",
    category="list",
    returns="integer",
    help="How many items a list has.",
    examples=[((["a", "b"],), 2)],
)
def count(values: Any) -> int:
    return len(as_list(values))


@register(
    "first",
    signature="first(list)",
    category="list",
    returns="any",
    help="The first item of a list, or nothing when it is empty.",
    examples=[((["a", "b"],), "a"), (([],), None)],
)
def first(values: Any) -> Any:
    items = as_list(values)
    return items[0] if items else None


@register(
    "name_value_list",
    signature="name_value_list(names, value, ...)",
    category="list",
    returns="list",
    help="Pairs of names (a list) and values into [{name, value}], leaving out pairs with an "
    "empty name or value: Asperion's characteristics → Feeddex attributes.",
    examples=[((["Kleur", "Maat"], "rood", None), [{"name": "Kleur", "value": "rood"}])],
)
def name_value_list(names: Any, *values: Any) -> list[dict[str, str]]:
    labels = as_list(names)
    pairs = []
    for label, value in zip(labels, values, strict=False):
        if not is_empty(label) and not is_empty(value):
            pairs.append({"name": as_text(label), "value": as_text(value)})
    return pairs


def _rate(rate: Any) -> Decimal:
    value = as_decimal(rate)
    if not 0 <= value <= 100:
        raise FunctionError(f"a VAT rate is a percentage from 0 to 100, got {_shown(rate)}")
    return value


@register(
    "price_incl_vat",
    signature="price_incl_vat(price, rate, includes_vat=False)",
    category="money",
    returns="number",
    help="The price including VAT at a rate in percent, rounded half up to cents. When the "
    "price includes VAT already (third argument true) it is only rounded.",
    examples=[
        (("10.00", 21), Decimal("12.10")),
        (("8.26", "21"), Decimal("9.99")),
        (("12.10", 21, True), Decimal("12.10")),
    ],
)
def price_incl_vat(price: Any, rate: Any, includes_vat: Any = False) -> Decimal | None:
    factor = 1 + _rate(rate) / 100
    if is_empty(price):
        return None
    amount = as_decimal(price)
    return round_half_up(amount if as_bool(includes_vat) else amount * factor)


@register(
    "price_excl_vat",
    signature="price_excl_vat(price, rate, includes_vat=True)",
    category="money",
    returns="number",
    help="The price excluding VAT at a rate in percent, rounded half up to cents. When the "
    "price excludes VAT already (third argument false) it is only rounded.",
    examples=[
        (("12.10", 21), Decimal("10.00")),
        (("9.99", 21), Decimal("8.26")),
        (("10.00", 21, False), Decimal("10.00")),
    ],
)
def price_excl_vat(price: Any, rate: Any, includes_vat: Any = True) -> Decimal | None:
    factor = 1 + _rate(rate) / 100
    if is_empty(price):
        return None
    amount = as_decimal(price)
    return round_half_up(amount / factor if as_bool(includes_vat) else amount)


@register(
    "line_price_excl_vat",
    signature="line_price_excl_vat(unit_price, quantity, discount, rate, includes_vat=True)",
    category="money",
    returns="number",
    help="A line's unit price excl. VAT with four decimals, its discount amount folded in, "
    "chosen so that the accounting system's line (amount rounded to cents, VAT rounded per "
    "line) adds up to the line as the shop charged it, to the cent.",
    examples=[
        (("11.64", 3, "0", 21, True), Decimal("9.6200")),
        (("10.00", 2, "1.00", 21, False), Decimal("9.5000")),
    ],
)
def line_price_excl_vat(
    unit_price: Any, quantity: Any, discount: Any, rate: Any, includes_vat: Any = True
) -> Decimal | None:
    if is_empty(unit_price):
        return None
    line = Charged.of(
        unit_price=as_decimal(unit_price),
        quantity=as_decimal(quantity),
        rate=_rate(rate),
        includes_vat=as_bool(includes_vat),
        discount=Decimal(0) if is_empty(discount) else as_decimal(discount),
    )
    if line.quantity <= 0:
        raise FunctionError(f"a quantity must be more than 0, got {_shown(quantity)}")
    return unit_price_for(line_amount(line), line.quantity)


@register(
    "discount_percentage",
    signature="discount_percentage(discount, unit_price, quantity=1)",
    category="money",
    returns="number",
    help="A line's discount amount as a percentage of unit price × quantity, rounded to two "
    "decimals (Asperion lines take a percentage, shops give an amount).",
    examples=[(("5.00", "25.00", 2), Decimal("10.00")), ((0, "25.00", 1), Decimal("0.00"))],
)
def discount_percentage(discount: Any, unit_price: Any, quantity: Any = 1) -> Decimal:
    amount = Decimal(0) if is_empty(discount) else as_decimal(discount)
    gross = as_decimal(unit_price) * as_decimal(quantity)
    if amount == 0:
        return Decimal("0.00")
    if gross <= 0 or not 0 <= amount <= gross:
        raise FunctionError(f"a discount of {amount} does not fit a line worth {gross}")
    return round_half_up(amount * 100 / gross)


# ---- dates and times --------------------------------------------------------------------------


def _zone(name: Any) -> ZoneInfo:
    try:
        return ZoneInfo(as_text(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise FunctionError(f"unknown time zone {_shown(name)}") from None


def as_datetime(value: Any) -> datetime:
    """Return an aware datetime from one or an ISO 8601 text; a naive one is an error."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise FunctionError(f"expected a date and time, got {_shown(value)}") from None
    else:
        raise FunctionError(f"expected a date and time, got {_shown(value)}")
    if moment.tzinfo is None:
        raise FunctionError(f"{_shown(value)} has no time zone")
    return moment


def as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    if isinstance(value, str):
        return as_datetime(value).date()
    raise FunctionError(f"expected a date, got {_shown(value)}")


_SAFE_FORMAT = re.compile(r"^(?:[^%]|%[aAbBdHIjmMpSyYzZfGuV%])*$")


def _format(value: Any) -> str:
    text = as_text(value)
    if len(text) > 64 or not _SAFE_FORMAT.match(text):
        raise FunctionError(f"unsupported format {_shown(value)}")
    return text


@register(
    "format_datetime",
    signature="format_datetime(value, format='iso', time_zone=None)",
    category="date",
    returns="string",
    help="Write a date and time in a time zone (e.g. 'Europe/Amsterdam') and format: 'iso' "
    "(2024-05-02T10:00:00+02:00), 'iso_utc' (…Z) or a strftime pattern such as "
    "'%d-%m-%Y %H:%M'.",
    examples=[
        (("2024-05-02T08:00:00Z", "iso", "Europe/Amsterdam"), "2024-05-02T10:00:00+02:00"),
        (("2024-05-02T08:00:00+00:00", "%d-%m-%Y %H:%M", "Europe/Amsterdam"), "02-05-2024 10:00"),
        (("2024-05-02T10:00:00+02:00", "iso_utc"), "2024-05-02T08:00:00Z"),
    ],
)
def format_datetime(value: Any, format: Any = "iso", time_zone: Any = None) -> str | None:  # noqa: A002
    if is_empty(value):
        return None
    moment = as_datetime(value)
    if time_zone is not None:
        moment = moment.astimezone(_zone(time_zone))
    if format == "iso":
        return moment.isoformat()
    if format == "iso_utc":
        return moment.astimezone(ZoneInfo("UTC")).isoformat().replace("+00:00", "Z")
    return moment.strftime(_format(format))


@register(
    "format_date",
    signature="format_date(value, format='%Y-%m-%d', time_zone=None)",
    category="date",
    returns="string",
    help="Write the date of a date or date-and-time (taken in the time zone, when given).",
    examples=[
        (("2024-05-02",), "2024-05-02"),
        (("2024-05-02", "%d-%m-%Y"), "02-05-2024"),
        (("2024-05-01T23:30:00Z", "%Y-%m-%d", "Europe/Amsterdam"), "2024-05-02"),
    ],
)
def format_date(value: Any, format: Any = "%Y-%m-%d", time_zone: Any = None) -> str | None:  # noqa: A002
    if is_empty(value):
        return None
    if time_zone is not None and not (isinstance(value, str) and len(value.strip()) == 10):
        day = as_datetime(value).astimezone(_zone(time_zone)).date()
    else:
        day = as_date(value)
    return day.strftime(_format(format))


@register(
    "parse_datetime",
    signature="parse_datetime(text, format, time_zone)",
    category="date",
    returns="string",
    help="Read a date and time written in a strftime pattern, in a time zone; gives ISO 8601.",
    examples=[
        (("02-05-2024 10:00", "%d-%m-%Y %H:%M", "Europe/Amsterdam"), "2024-05-02T10:00:00+02:00")
    ],
)
def parse_datetime(text: Any, format: Any, time_zone: Any) -> str | None:  # noqa: A002
    if is_empty(text):
        return None
    zone = _zone(time_zone)
    try:
        moment = datetime.strptime(as_text(text).strip(), _format(format))  # noqa: DTZ007
    except ValueError:
        raise FunctionError(f"{_shown(text)} does not match the format {format}") from None
    return moment.replace(tzinfo=moment.tzinfo or zone).isoformat()


@register(
    "to_time_zone",
    signature="to_time_zone(value, time_zone)",
    category="date",
    returns="string",
    help="The same moment in another time zone, as ISO 8601.",
    examples=[(("2024-01-15T12:00:00Z", "Europe/Amsterdam"), "2024-01-15T13:00:00+01:00")],
)
def to_time_zone(value: Any, time_zone: Any) -> str | None:
    return format_datetime(value, "iso", time_zone)


# ---- countries --------------------------------------------------------------------------------


@register(
    "country_code",
    signature="country_code(name)",
    category="country",
    returns="string",
    help=f"The ISO 3166 two-letter code of a country name in Dutch or English, or of a code "
    f"({len(COUNTRIES)} countries: Europe and the main trading partners).",
    examples=[
        (("Nederland",), "NL"),
        (("Belgium",), "BE"),
        (("Duitsland",), "DE"),
        (("nl",), "NL"),
    ],
)
def country_code(name: Any) -> str | None:
    text = trim(name)
    if not text:
        return None
    code = country_code_for(text)
    if code is None:
        raise FunctionError(f"unknown country {_shown(name)}")
    return code


@register(
    "country_name",
    signature="country_name(code, language='nl')",
    category="country",
    returns="string",
    help="The name of a country from its ISO code, in Dutch ('nl') or English ('en').",
    examples=[(("BE",), "België"), (("DE", "en"), "Germany")],
)
def country_name(code: Any, language: Any = "nl") -> str | None:
    if language not in {"nl", "en"}:
        raise FunctionError(f"language must be nl or en, got {_shown(language)}")
    text = trim(code)
    if not text:
        return None
    name = country_name_for(text.upper(), language)
    if name is None:
        raise FunctionError(f"unknown country code {_shown(code)}")
    return name


# ---- EAN / GTIN -------------------------------------------------------------------------------


def gtin_check_digit(body: str) -> int:
    """Return the GS1 check digit for the digits before it (weights 3, 1, 3, … from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def gtin_problem(code: str) -> str:
    """Return what is wrong with a GTIN-8/12/13/14, or '' when it is valid."""
    if not code.isdigit() or len(code) not in {8, 12, 13, 14}:
        return f"{_shown(code)} is not an EAN: 8, 12, 13 or 14 digits expected"
    expected = gtin_check_digit(code[:-1])
    if int(code[-1]) != expected:
        return f"EAN {code} has check digit {code[-1]}, expected {expected}"
    return ""


@register(
    "ean",
    signature="ean(code, on_invalid='error')",
    category="product",
    returns="string",
    help="Check an EAN/GTIN (8, 12, 13 or 14 digits) and its check digit. An invalid code is "
    "an error, or with on_invalid 'empty' it is left out.",
    examples=[
        (("8712345678906",), "8712345678906"),
        ((" 4006381333931 ",), "4006381333931"),
        (("8712345678901", "empty"), None),
    ],
)
def ean(code: Any, on_invalid: Any = "error") -> str | None:
    if on_invalid not in {"error", "empty"}:
        raise FunctionError(f"on_invalid must be error or empty, got {_shown(on_invalid)}")
    text = trim(code)
    if not text:
        return None
    text = text.replace(" ", "")
    problem = gtin_problem(text)
    if problem and on_invalid == "error":
        raise FunctionError(problem)
    return None if problem else text


@register(
    "is_valid_ean",
    signature="is_valid_ean(code)",
    category="product",
    returns="boolean",
    help="True when the code is an EAN/GTIN with a correct check digit.",
    examples=[(("8712345678906",), True), (("8712345678901",), False)],
)
def is_valid_ean(code: Any) -> bool:
    text = trim(code)
    return text is not None and bool(text) and not gtin_problem(text.replace(" ", ""))


# The one rule feature that is not a function, shown beside the functions in the editor.
LIST_ITEMS_HELP = (
    "Map over list items: give a rule `items` (a sub-mapping) and a source list; every item "
    "is mapped by the sub-mapping, whose source paths are relative to the item ($root. reads "
    "the whole record). Used for order lines."
)
