"""The mapping editor's function-chain builder: a rule's steps as rows of selects and inputs.

Each step is a function picked from the catalogue and one input per argument; an argument is
a source field, a value (a number or JSON when it reads as one, text otherwise) or the value
so far. The builder works as a plain form: its rows are rendered by the server, "add" and
"remove" are submit buttons. It reads and writes the rule's steps in the stored JSON form, so
the text mode (one call per line) and the builder are two views of the same steps; when both
are sent, the text wins if it was edited (it differs from the text the page was given).
"""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.http import QueryDict
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language, gettext, pgettext

from dashboard import mapping_text
from mapping.functions import FUNCTIONS

KINDS = ("source", "const", "previous")


@dataclass
class ChainArg:
    index: int
    label: str
    kind: str = "const"
    value: str = ""


@dataclass
class ChainStep:
    index: int
    fn: str = ""
    args: list[ChainArg] = field(default_factory=list)

    @property
    def known(self) -> bool:
        return self.fn in FUNCTIONS


# ---- steps JSON → builder rows ---------------------------------------------------------------


def param_names(fn: str) -> tuple[list[str], str | None]:
    """The function's positional parameters and its variadic one (concat(*values))."""
    function = FUNCTIONS.get(fn)
    if function is None:
        return [], None
    params = inspect.signature(function.impl).parameters.values()
    positional = [p.name for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
    variadic = next((p.name for p in params if p.kind is p.VAR_POSITIONAL), None)
    return positional, variadic


def shown_value(arg: dict[str, Any]) -> tuple[str, str]:
    """An argument as (kind, input text); text that would read as JSON keeps its quotes."""
    if "source" in arg:
        return "source", str(arg["source"])
    if "previous" in arg:
        return "previous", ""
    value = arg.get("const")
    if isinstance(value, str) and not reads_as_json(value):
        return "const", value
    return "const", json.dumps(value, ensure_ascii=False)


def reads_as_json(text: str) -> bool:
    try:
        json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return False
    return True


def chain_step(index: int, step: dict[str, Any], *, starts_empty: bool) -> ChainStep:
    """One step with an input per argument: the given ones, then the function's missing ones
    (and one spare for a function that takes any number)."""
    fn = str(step.get("fn", ""))
    given = list(step.get("args") or [])
    positional, variadic = param_names(fn)
    explicit = any("previous" in a for a in given)
    # The value so far is the first argument unless a `_` places it or there is none yet.
    visible = positional if explicit or starts_empty else positional[1:]
    slots = max(len(given), len(visible) + (1 if variadic else 0))
    args = []
    for k in range(slots):
        name = visible[k] if k < len(visible) else (variadic or "")
        # The parameter's name in the reader's language (the text mode keeps the code names).
        label = pgettext("function argument", name) if name else ""
        kind, value = shown_value(given[k]) if k < len(given) else ("const", "")
        args.append(ChainArg(index=k, label=label, kind=kind, value=value))
    return ChainStep(index=index, fn=fn, args=args)


def chain_rows(steps_text: str, *, starts_empty: bool) -> list[ChainStep] | None:
    """The builder's rows for a rule's steps, or None when the text cannot be read (the text
    mode then shows where)."""
    try:
        steps = mapping_text.parse_steps(steps_text)
    except mapping_text.TextError:
        return None
    return [
        chain_step(j, step, starts_empty=starts_empty and j == 0) for j, step in enumerate(steps)
    ]


# ---- the form → steps JSON -------------------------------------------------------------------


def arg_from_input(kind: str, text: str) -> dict[str, Any]:
    if kind == "previous":
        return {"previous": True}
    if kind == "source":
        return {"source": text.strip()}
    return {"const": json.loads(text) if reads_as_json(text) else text}


def step_from_post(data: QueryDict, prefix: str) -> dict[str, Any] | None:
    fn = str(data.get(f"{prefix}-fn", "")).strip()
    if not fn:
        return None
    count = str(data.get(f"{prefix}-args", "0"))
    args = []
    for k in range(min(int(count) if count.isdigit() else 0, 50)):
        kind = str(data.get(f"{prefix}-kind-{k}", "const"))
        text = str(data.get(f"{prefix}-arg-{k}", ""))
        args.append((kind if kind in KINDS else "const", text))
    # Inputs left empty at the end are arguments not given (a spare, an optional one).
    while args and args[-1][0] != "previous" and not args[-1][1].strip():
        args.pop()
    step: dict[str, Any] = {"fn": fn}
    if args:
        step["args"] = [arg_from_input(kind, text) for kind, text in args]
    return step


def steps_from_post(data: QueryDict, rule: int, *, removed: int | None) -> str | None:
    """The rule's steps as the builder sends them, in the text form; None when the form has
    no builder for this rule or its text was edited (then the text is what counts)."""
    count = str(data.get(f"rule-{rule}-chain", ""))
    if not count.isdigit():
        return None
    if data.get(f"rule-{rule}-steps", "") != data.get(f"rule-{rule}-steps_was", ""):
        return None
    steps = []
    for j in range(min(int(count), 50)):
        step = step_from_post(data, f"rule-{rule}-step-{j}")
        if step is not None and j != removed:
            steps.append(step)
    return mapping_text.steps_text(steps)


def chain_action(data: QueryDict) -> tuple[str, int, int | None] | None:
    """The builder's button that sent the form: ("add", rule, None) or ("remove", rule, step)."""
    parts = str(data.get("chain_action", "")).split(":")
    if len(parts) == 2 and parts[0] == "add" and parts[1].isdigit():
        return "add", int(parts[1]), None
    if len(parts) == 3 and parts[0] == "remove" and parts[1].isdigit() and parts[2].isdigit():
        return "remove", int(parts[1]), int(parts[2])
    return None


# ---- the function select -------------------------------------------------------------------


@cache
def _options_html(language: str) -> str:
    """Every function as an option, by category, with its description in the language (built
    once per language: an editor has a select per step of every rule)."""
    groups = []
    by_category: dict[str, list[Any]] = {}
    for function in sorted(FUNCTIONS.values(), key=lambda f: (f.category, f.name)):
        by_category.setdefault(function.category, []).append(function)
    for category, functions in sorted(by_category.items()):
        options = format_html_join(
            "",
            '<option value="{}">{} — {}</option>',
            ((f.name, f.name, short_help(f.help)) for f in functions),
        )
        groups.append(format_html('<optgroup label="{}">{}</optgroup>', gettext(category), options))
    return "".join(groups)


def short_help(text: str) -> str:
    """What a function does, in a line: the catalogue beside the editor has the whole text."""
    first = gettext(text).split(". ")[0].rstrip(".")
    return Truncator(first).chars(70)


def function_options(selected: str) -> SafeString:
    html = _options_html(get_language() or "en")
    if selected in FUNCTIONS:
        html = html.replace(f'<option value="{selected}">', f'<option value="{selected}" selected>')
    return mark_safe(html)  # noqa: S308 - built from escaped parts above
