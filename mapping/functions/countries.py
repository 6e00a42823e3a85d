"""Countries: names to ISO codes and back."""

from __future__ import annotations

from typing import Any

from mapping.countries import COUNTRIES, country_code_for, country_name_for
from mapping.functions.coercion import _shown
from mapping.functions.registry import FunctionError, register
from mapping.functions.text import trim


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
