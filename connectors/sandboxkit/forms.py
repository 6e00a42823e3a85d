"""The knobs form of the sandbox admin pages: one field per knob, help text from the model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import annotated_types
from django import forms
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template import Context, Engine
from django.utils.safestring import SafeString, mark_safe
from pydantic.fields import FieldInfo

from connectors.sandboxkit.knobs import Knobs

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
# The kit is a plain package, not an installed app, so it brings its own template engine.
_engine = Engine(dirs=[str(TEMPLATES_DIR)], app_dirs=False, autoescape=True)


def _bounds(info: FieldInfo) -> dict[str, Any]:
    bounds: dict[str, Any] = {}
    for item in info.metadata:
        if isinstance(item, annotated_types.Ge):
            bounds["min_value"] = item.ge
        elif isinstance(item, annotated_types.Le):
            bounds["max_value"] = item.le
    return bounds


def _field_for(name: str, info: FieldInfo) -> forms.Field:
    common: dict[str, Any] = {
        "label": name.replace("_", " ").capitalize(),
        "help_text": info.description or "",
        "initial": info.default,
        **_bounds(info),
    }
    if info.annotation is bool:
        return forms.BooleanField(required=False, **common)
    if info.annotation is int:
        return forms.IntegerField(**common)
    return forms.FloatField(**common)


# The sandbox's clock is for tests that must not wait (they set it through the knobs' JSON);
# the admin page leaves it out, and saving the page sets the clock going again.
CLOCK_KNOBS = frozenset({"clock_offset_seconds", "clock_frozen_at"})


class KnobsForm(forms.Form):
    """One field per knob (the clock aside); `.to_knobs()` gives the validated Knobs."""

    def __init__(self, *args: Any, knobs: Knobs | None = None, **kwargs: Any) -> None:
        if knobs is not None and "initial" not in kwargs:
            kwargs["initial"] = knobs.dump()
        super().__init__(*args, **kwargs)
        for name, info in Knobs.model_fields.items():
            if name not in CLOCK_KNOBS:
                self.fields[name] = _field_for(name, info)

    def to_knobs(self) -> Knobs:
        return Knobs.model_validate({name: self.cleaned_data[name] for name in self.fields})


def render_knobs_form(
    request: HttpRequest, form: forms.Form, *, action: str, title: str = "Knobs"
) -> SafeString:
    """Return the shared `sandboxkit/_knobs_form.html` partial, ready for a page template."""
    template = _engine.get_template("sandboxkit/_knobs_form.html")
    context = Context(
        {"form": form, "action": action, "title": title, "csrf_token": get_token(request)}
    )
    return mark_safe(template.render(context))  # noqa: S308 - rendered with autoescape on
