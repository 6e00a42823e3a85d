"""Forms: the monitoring settings and the confirmation of an account deletion."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from monitoring.models import MonitoringSettings
from tenants.models import Tenant, User

WRONG_PASSWORD = _("The password is not right.")
WRONG_COMPANY_NAME = _("Type the company name exactly as shown.")


class MonitoringSettingsForm(forms.ModelForm[MonitoringSettings]):
    recipients = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Who gets the emails"),
        help_text=_("None chosen: every owner and admin."),
    )

    class Meta:
        model = MonitoringSettings
        fields = (
            "recipients",
            "failure_threshold_count",
            "failure_threshold_percent",
            "silence_multiple",
            "stuck_run_minutes",
            "no_orders_hours",
            "payload_retention_days",
            "metadata_retention_days",
            "mask_personal_data",
        )

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["recipients"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = User.objects.filter(memberships__tenant=tenant).order_by("email")


class AccountDeleteForm(forms.Form):
    password = forms.CharField(label=_("Your password"), widget=forms.PasswordInput, strip=False)
    company_name = forms.CharField(label=_("Type the company name to confirm"))

    def __init__(self, *args: Any, user: User, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.tenant = tenant

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(WRONG_PASSWORD)
        return password

    def clean_company_name(self) -> str:
        name: str = self.cleaned_data["company_name"].strip()
        if name != self.tenant.name.strip():
            raise forms.ValidationError(WRONG_COMPANY_NAME)
        return name
