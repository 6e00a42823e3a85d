"""Asperion's step of the wizard: the OAuth client, a refresh token obtained elsewhere, and
the administration to sync. Secret fields render empty and are never filled back in."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from connectors.asperion.connector import DEFAULT_API_BASE_URL
from connectors.asperion.oauth import DEFAULT_IDENTITY_BASE_URL
from connectors.forms import secret_field, usable_url


class AsperionOAuthForm(forms.Form):
    """Start Asperion's consent: the client registered for this platform at Asperion."""

    client_id = forms.CharField(label=_("Client id"), max_length=200)
    client_secret = secret_field(_("Client secret"))
    api_base_url = forms.URLField(
        label=_("API address"),
        initial=DEFAULT_API_BASE_URL,
        assume_scheme="https",
        validators=[usable_url],
    )
    identity_base_url = forms.URLField(
        label=_("Identity server address"),
        initial=DEFAULT_IDENTITY_BASE_URL,
        assume_scheme="https",
        validators=[usable_url],
    )

    def config(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "client_id": data["client_id"],
            "api_base_url": data["api_base_url"].rstrip("/"),
            "identity_base_url": data["identity_base_url"].rstrip("/"),
        }


class AsperionTokenForm(AsperionOAuthForm):
    """Connect Asperion with a refresh token obtained elsewhere (no browser consent)."""

    refresh_token = secret_field(
        _("Refresh token"), _("Asperion replaces it after each use; the platform keeps the newest.")
    )
    administration_id = forms.IntegerField(
        label=_("Administration id"),
        required=False,
        min_value=1,
        help_text=_("Leave empty to choose it from the list after connecting."),
    )

    def secrets(self) -> dict[str, Any]:
        return {
            "client_secret": self.cleaned_data["client_secret"],
            "refresh_token": self.cleaned_data["refresh_token"],
        }

    def config(self) -> dict[str, Any]:
        config = super().config()
        if self.cleaned_data.get("administration_id"):
            config["administration_id"] = self.cleaned_data["administration_id"]
        return config


class AdministrationForm(forms.Form):
    administration_id = forms.ChoiceField(label=_("Administration"))

    def __init__(self, *args: Any, options: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["administration_id"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = options


# The form that saves (or replaces) a connection's credentials in one step.
CredentialsForm = AsperionTokenForm
