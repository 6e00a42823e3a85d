from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from tenants import throttle
from tenants.addresses import client_address
from tenants.models import User


class SignupForm(forms.Form):
    company_name = forms.CharField(label=_("Company name"), max_length=200)
    email = forms.EmailField(label=_("Email"))
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)

    def clean_email(self) -> str:
        # Whether the address has an account is never said here: the mail tells its holder.
        email: str = self.cleaned_data["email"].strip().lower()
        return email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password = data.get("password")
        if password:
            candidate = User(email=data.get("email", ""))
            try:
                password_validation.validate_password(password, candidate)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return data


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, but the lookup and the mail happen in a task: the answer takes
    the same time whether or not the address has an account."""

    def save(self, *args: Any, **kwargs: Any) -> None:
        from tenants.tasks import password_reset_mail_task

        email = self.cleaned_data["email"]
        transaction.on_commit(lambda: password_reset_mail_task.delay(email))


class ThrottledLoginForm(AuthenticationForm):
    """Django's login form, refusing attempts after too many failures."""

    error_messages = {  # noqa: RUF012
        **AuthenticationForm.error_messages,
        "throttled": _("Too many failed sign-in attempts. Try again in 15 minutes."),
    }

    def _ip(self) -> str:
        return client_address(self.request) if self.request else ""

    def clean(self) -> dict[str, Any]:
        """The backend counts and refuses attempts (tenants.backends); the form only says
        so in words when the refusal was the throttle's."""
        email = self.cleaned_data.get("username") or ""
        if throttle.is_locked(email, self._ip()):
            raise forms.ValidationError(self.error_messages["throttled"], code="throttled")
        try:
            return super().clean()
        except forms.ValidationError:
            if throttle.is_locked(email, self._ip(), beyond=1):
                raise forms.ValidationError(
                    self.error_messages["throttled"], code="throttled"
                ) from None
            raise
