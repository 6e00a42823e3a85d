"""Feeddex's step of the wizard: the organization and its credentials. Secret fields render
empty and are never filled back in."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from connectors.feeddex.connector import DEFAULT_API_BASE_URL
from connectors.forms import secret_field, usable_url


class FeeddexForm(forms.Form):
    organization = forms.CharField(label=_("Organization"), max_length=200)
    auth_code = secret_field(_("Auth code"), _("Issued by Feeddex together with the password."))
    password = secret_field(_("Password"))
    api_base_url = forms.URLField(
        label=_("API address"),
        initial=DEFAULT_API_BASE_URL,
        assume_scheme="https",
        validators=[usable_url],
    )

    def config(self) -> dict[str, Any]:
        return {
            "organization": self.cleaned_data["organization"],
            "api_base_url": self.cleaned_data["api_base_url"].rstrip("/"),
        }

    def secrets(self) -> dict[str, Any]:
        return {
            "auth_code": self.cleaned_data["auth_code"],
            "password": self.cleaned_data["password"],
        }


# The form that saves (or replaces) a connection's credentials in one step.
CredentialsForm = FeeddexForm
