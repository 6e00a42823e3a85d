"""Django forms generated from the pydantic settings schemas of flows/settings_schemas.py.

The schema stays the single source of truth (types, defaults, bounds, help texts): a form
field per schema field, the schema validates what the form produced, and its errors land at
the field they name. The connected systems' own lists fill the selects where a field holds
one of their ids.
"""

from __future__ import annotations

import types
import typing
from typing import Any, Literal, Union

from annotated_types import Ge, Le
from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from dashboard.choice_words import choice_words
from dashboard.map_tables import MAP_TABLES, map_table_field, parse_pairs

# Labels in the user's language (the schema only has English descriptions).
FIELD_LABELS: dict[str, Any] = {
    "debtor_kind_company": gettext_lazy("Debtor kind for companies"),
    "debtor_kind_person": gettext_lazy("Debtor kind for persons"),
    "payment_condition_id": gettext_lazy("Payment condition"),
    "customer_number_start": gettext_lazy("Customer numbers from"),
    "customer_number_end": gettext_lazy("Customer numbers until"),
    "update_existing": gettext_lazy("Update existing products"),
    "log_unchanged": gettext_lazy("Log unchanged records"),
    "active_only": gettext_lazy("Active articles only"),
    "price_includes_vat": gettext_lazy("Prices including VAT"),
    "currency": gettext_lazy("Currency"),
    "attribute_names": gettext_lazy("Attribute names"),
    "stock_calculation": gettext_lazy("Stock calculation"),
    "feeddex_manages_stock": gettext_lazy("Feeddex manages stock"),
    "negative_stock": gettext_lazy("Stock below zero"),
    "batch_size": gettext_lazy("Batch size"),
    "match_by": gettext_lazy("Match customers by"),
    "payment_statuses": gettext_lazy("Payment statuses to book"),
    "order_statuses": gettext_lazy("Order statuses to book"),
    "book_as": gettext_lazy("Book orders as"),
    "invoice_journal_id": gettext_lazy("Sales journal"),
    "revenue_ledger_account_id": gettext_lazy("Revenue ledger account"),
    "revenue_ledger_by_country": gettext_lazy("Revenue ledger account per country"),
    "use_collective_debtor": gettext_lazy("Use one collective debtor"),
    "collective_debtor_number": gettext_lazy("Collective debtor number"),
    "payment_method_map": gettext_lazy("Payment methods"),
    "payment_term_map": gettext_lazy("Payment terms"),
    "vat_code_map": gettext_lazy("VAT codes"),
    "rounding_line": gettext_lazy("Book rounding differences"),
    "rounding_article_code": gettext_lazy("Rounding article"),
    "rounding_ledger_account_id": gettext_lazy("Rounding ledger account"),
    "rounding_vat_code": gettext_lazy("VAT code of the rounding line"),
    "debtor_update": gettext_lazy("Debtor update"),
    "debtor_match_by": gettext_lazy("Match debtors by"),
    "vat_code_intra_eu": gettext_lazy("VAT code for intra-community supplies"),
    "vat_code_export": gettext_lazy("VAT code for exports"),
    "oss_registered": gettext_lazy("Registered for OSS"),
    "vat_oss_map": gettext_lazy("OSS VAT codes"),
    "vat_invalid_number": gettext_lazy("Invalid VAT number"),
    "deactivate_inactive": gettext_lazy("Set inactive products inactive"),
    "accounting_package": gettext_lazy("Asperion package"),
    "reference_format": gettext_lazy("Reference format"),
    "shipping_article_code": gettext_lazy("Shipping cost article"),
    "write_back_number": gettext_lazy("Write the Asperion number back"),
    "follow_status": gettext_lazy("Order status follows Asperion"),
    "paid_only": gettext_lazy("Paid invoices only"),
    "delay_days": gettext_lazy("Days before the invitation"),
    "unit_id": gettext_lazy("Feeddex unit"),
}

# Which fields hold an id from one of the applications' lists: (role, reference kind).
REFERENCE_FIELDS: dict[str, tuple[str, str]] = {
    "debtor_kind_company": ("accounting", "debtorkinds"),
    "debtor_kind_person": ("accounting", "debtorkinds"),
    "payment_condition_id": ("accounting", "paymentconditions"),
    "unit_id": ("shop", "units"),
    "invoice_journal_id": ("accounting", "journals"),
    "shipping_article_code": ("accounting", "shipping_articles"),
    "rounding_article_code": ("accounting", "rounding_articles"),
    # Maps: the values are ids from these lists (a select in each row of the table).
    "payment_method_map": ("accounting", "paymentmethods"),
    "payment_term_map": ("accounting", "paymentconditions"),
    "vat_code_map": ("accounting", "vatcodes"),
    "vat_code_intra_eu": ("accounting", "vatcodes"),
    "vat_code_export": ("accounting", "vatcodes"),
    "rounding_vat_code": ("accounting", "vatcodes"),
    "vat_oss_map": ("accounting", "vatcodes"),
}

Choices = list[tuple[str, str]]


def unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    """Return (inner type, whether None is allowed) for `X | None`."""
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def bound(info: FieldInfo, kind: type[Ge] | type[Le]) -> Any:
    for item in info.metadata:
        if isinstance(item, Ge) and kind is Ge:
            return item.ge
        if isinstance(item, Le) and kind is Le:
            return item.le
    return None


def label_for(name: str) -> Any:
    return FIELD_LABELS.get(name) or capfirst(name.replace("_", " "))


def help_for(info: FieldInfo) -> str:
    return _(info.description) if info.description else ""


def with_current(options: Choices | None, value: Any) -> Choices | None:
    """Keep the stored value selectable even when the application's list lacks it."""
    if options is None or value in (None, "") or str(value) in {k for k, _ in options}:
        return options
    return [*options, (str(value), str(value))]


class LinesWidget(forms.Textarea):
    def __init__(self) -> None:
        super().__init__(attrs={"rows": 4})


def field_for(name: str, info: FieldInfo, options: Choices | None) -> forms.Field:
    """The form field for one schema field."""
    annotation, optional = unwrap_optional(info.annotation)
    common: dict[str, Any] = {"label": label_for(name), "help_text": help_for(info)}
    origin = typing.get_origin(annotation)
    if annotation is bool:
        return forms.BooleanField(required=False, **common)
    if origin is Literal:
        values = [str(v) for v in typing.get_args(annotation)]
        # Not sent (an older form, an API-minded script): the schema's default applies.
        return forms.ChoiceField(
            choices=[(v, choice_words(v)) for v in values], required=False, **common
        )
    if options is not None and origin not in (list, dict):
        # None, or an empty default ("" = not used, e.g. no VAT code for exports), may stay.
        may_be_empty = optional or info.default == ""
        empty: Choices = [("", "—")] if may_be_empty else []
        return forms.ChoiceField(choices=empty + options, required=not may_be_empty, **common)
    if annotation is int:
        return forms.IntegerField(
            required=not optional, min_value=bound(info, Ge), max_value=bound(info, Le), **common
        )
    if origin is list:
        return forms.CharField(required=False, widget=LinesWidget(), **common)
    if origin is dict:
        return forms.CharField(required=False, widget=LinesWidget(), **common)
    # The schema decides whether an empty text is allowed (some mean "none", e.g. no line).
    return forms.CharField(required=False, **common)


def initial_for(annotation: Any, value: Any) -> Any:
    inner, _optional = unwrap_optional(annotation)
    origin = typing.get_origin(inner)
    if origin is list:
        return "\n".join(str(v) for v in value or [])
    if origin is dict:
        return "\n".join(f"{k} = {v}" for k, v in (value or {}).items())
    return value


def parse_lines(text: str) -> list[str]:
    lines = [line.strip() for line in (text or "").splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines


class SchemaForm(forms.Form):
    """A form for one settings schema; `.to_data()` gives the JSON the schema validates."""

    schema: type[BaseModel]
    references: dict[str, tuple[str, str]]

    def __init__(
        self,
        *args: Any,
        schema: type[BaseModel],
        current: BaseModel,
        options: dict[str, Choices] | None = None,
        map_keys: dict[str, list[str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.schema = schema
        options = options or {}
        for name, info in schema.model_fields.items():
            value = getattr(current, name)
            if name in MAP_TABLES:
                self.fields[name] = map_table_field(
                    name,
                    default=info.get_default(call_default_factory=True) or {},
                    stored=value or {},
                    options=options.get(name),
                    proposed=(map_keys or {}).get(name, []),
                    label=label_for(name),
                    help_text=help_for(info),
                )
                self.initial.setdefault(name, dict(value or {}))
                continue
            self.fields[name] = field_for(name, info, with_current(options.get(name), value))
            self.initial.setdefault(name, initial_for(info.annotation, value))
        self.references = {n: REFERENCE_FIELDS[n] for n in self.fields if n in REFERENCE_FIELDS}

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name, info in self.schema.model_fields.items():
            data[name] = self.json_value(name, info, self.cleaned_data.get(name))
        return data

    def json_value(self, name: str, info: FieldInfo, value: Any) -> Any:
        annotation, optional = unwrap_optional(info.annotation)
        origin = typing.get_origin(annotation)
        if origin is list:
            return parse_lines(value)
        if origin is dict:
            return value if isinstance(value, dict) else parse_pairs(value)
        if value in ("", None) and optional:
            return None
        if value in ("", None) and origin is Literal:
            return info.get_default(call_default_factory=True)
        if annotation is int and isinstance(value, str):
            return int(value) if value.lstrip("-").isdigit() else value
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name, info in self.schema.model_fields.items():
            is_dict = typing.get_origin(unwrap_optional(info.annotation)[0]) is dict
            if is_dict and isinstance(data.get(name), str):
                try:
                    parse_pairs(data[name])
                except forms.ValidationError as error:
                    self.add_error(name, error)
        return data

    def add_schema_errors(self, field_errors: dict[str, list[str]]) -> None:
        """Put the schema's errors at the fields they name (a nested path at its first part)."""
        for path, problems in field_errors.items():
            name = path.split(".")[0]
            target = name if name in self.fields else None
            for problem in problems:
                self.add_error(target, problem)
