"""Forms of the dashboard: flow choice, language, activity filters. Each connector's
credentials forms live in its package (connectors/<system>/forms.py)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise


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
