"""Forms of the dashboard: credentials, flow choice, activity filters.

Secret fields render empty and are never filled back in (render_value=False): a secret, once
stored, is never shown again.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from connectors.asperion.connector import DEFAULT_API_BASE_URL as ASPERION_API_URL
from connectors.asperion.oauth import DEFAULT_IDENTITY_BASE_URL as ASPERION_IDENTITY_URL
from connectors.feeddex.connector import DEFAULT_API_BASE_URL as FEEDDEX_API_URL
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


class AsperionOAuthForm(forms.Form):
    """Start Asperion's consent: the client registered for this platform at Asperion."""

    client_id = forms.CharField(label=_("Client id"), max_length=200)
    client_secret = secret_field(_("Client secret"))
    api_base_url = forms.URLField(
        label=_("API address"),
        initial=ASPERION_API_URL,
        assume_scheme="https",
        validators=[usable_url],
    )
    identity_base_url = forms.URLField(
        label=_("Identity server address"),
        initial=ASPERION_IDENTITY_URL,
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


class FeeddexForm(forms.Form):
    organization = forms.CharField(label=_("Organization"), max_length=200)
    auth_code = secret_field(_("Auth code"), _("Issued by Feeddex together with the password."))
    password = secret_field(_("Password"))
    api_base_url = forms.URLField(
        label=_("API address"),
        initial=FEEDDEX_API_URL,
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


class FlowChoiceForm(forms.Form):
    flows = forms.MultipleChoiceField(
        label=_("Flows"), widget=forms.CheckboxSelectMultiple, required=True
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["flows"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = choices
        field.error_messages["required"] = _("Choose at least one flow.")


class LanguageForm(forms.Form):
    language = forms.CharField(max_length=8)
    next = forms.CharField(required=False, max_length=2000)


def start_of_day(day: Any) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class ActivityFilterForm(forms.Form):
    """The activity log's filters; every field optional, bad values are field errors."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        help_text=_("SKU, email or order number (starts with)."),
    )
    flow = forms.TypedChoiceField(label=_("Flow"), required=False, coerce=int, empty_value=None)
    action = forms.ChoiceField(label=_("Outcome"), required=False)
    status = forms.ChoiceField(label=_("Run status"), required=False)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    run = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        flows: list[tuple[int, str]],
        actions: list[tuple[str, str]],
        statuses: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        any_choice: list[tuple[Any, StrOrPromise]] = [("", _("All"))]
        self.fields["flow"].choices = any_choice + list(flows)  # type: ignore[attr-defined]
        self.fields["action"].choices = any_choice + list(actions)  # type: ignore[attr-defined]
        self.fields["status"].choices = any_choice + list(statuses)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end date is before the start date."))
        return data
