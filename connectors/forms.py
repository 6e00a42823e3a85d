"""What every connector's credentials form shares: secret fields that never render their
value, and addresses parsed as the connectors parse them."""

from __future__ import annotations

from django import forms
from django_stubs_ext import StrOrPromise

from connectors.netguard import url_problem


def secret_field(label: StrOrPromise, help_text: StrOrPromise = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        max_length=4000,
    )


def usable_url(value: str) -> None:
    """The connectors' own parse of an address (Django's is more lenient: a port above
    65535, an IPv4 address with leading zeros), so a saved address never fails to parse."""
    problem = url_problem(value)
    if problem:
        raise forms.ValidationError(problem)
