"""The settings that map the shop's values to Asperion's (VAT rates, OSS country and rate,
payment terms, payment methods) as tables: one row per shop value, each with a select of
Asperion's own list.

The rows are the shop's values that Feeddex has a fixed list of (its VAT rates and payment
methods, the schema's defaults), the keys already set, what Asperion's lists propose (its
payment conditions' days, its OSS codes' country and rate), and one empty row to add one.
The form posts the rows as `<name>-key-<n>` and `<name>-value-<n>`; the stored value stays
the dict the flows read. A script may still post the old text form (`key = value` per line).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from connectors.base import Option
from flows.bookkeeping_defaults import propose_vat_settings
from mapping.vat import EU_COUNTRIES, HOME

Rows = list[tuple[str, str]]
Choices = list[tuple[str, str]]


@dataclass(frozen=True)
class MapTable:
    key_header: Any
    value_header: Any
    key_kind: str  # "rate", "oss", "days" or "method"


MAP_TABLES: dict[str, MapTable] = {
    "vat_code_map": MapTable(
        gettext_lazy("VAT rate in the shop"), gettext_lazy("Asperion VAT code"), "rate"
    ),
    "vat_oss_map": MapTable(
        gettext_lazy("Country and VAT rate"), gettext_lazy("Asperion VAT code"), "oss"
    ),
    "payment_term_map": MapTable(
        gettext_lazy("Payment term in the shop"),
        gettext_lazy("Asperion payment condition"),
        "days",
    ),
    "payment_method_map": MapTable(
        gettext_lazy("Payment method in the shop"),
        gettext_lazy("Asperion payment method"),
        "method",
    ),
}

METHOD_NAMES: dict[str, Any] = {
    "ideal": "iDEAL",
    "creditcard": gettext_lazy("Credit card"),
    "banktransfer": gettext_lazy("Bank transfer"),
    "paypal": "PayPal",
    "invoice": gettext_lazy("On invoice (pay later)"),
    "other": gettext_lazy("Other"),
}


# ---- the rows --------------------------------------------------------------------------------


def keys_from_lists(name: str, items: list[Option]) -> list[str]:
    """The rows Asperion's list proposes for a map: its payment conditions' days, its OSS
    VAT codes' country and rate."""
    kind = MAP_TABLES[name].key_kind
    if kind == "days":
        return [str(int(o.facts["days"])) for o in items if o.facts.get("days") is not None]
    if kind == "oss":
        rows = [{"id": o.id, "description": o.label, **o.facts} for o in items]
        return list(propose_vat_settings(rows)["vat_oss_map"])
    return []


def sort_key(kind: str, key: str) -> tuple[Any, ...]:
    if kind in ("rate", "days"):
        number = as_number(key)
        # The highest rate first (as a VAT return lists them), the shortest term first.
        if number is not None:
            return (0, -number if kind == "rate" else number, key)
        return (1, 0, key)
    return (0, 0, key)


def as_number(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def ordered_keys(kind: str, *groups: list[str]) -> list[str]:
    keys = list(dict.fromkeys(k for group in groups for k in group if k))
    if kind == "method":
        return keys  # the shop's own order (its list), then the ones added
    return sorted(keys, key=lambda k: sort_key(kind, k))


def key_label(kind: str, key: str) -> str:
    """What a row's shop value reads as: "21 %", "BE · 21 %", "14 days", "Bank transfer"."""
    if kind == "rate":
        return f"{key} %"
    if kind == "oss":
        country, _sep, rate = key.partition(":")
        return f"{country} · {rate} %"
    if kind == "days" and key.isdigit():
        return ngettext("%(days)s day", "%(days)s days", int(key)) % {"days": key}
    return str(METHOD_NAMES.get(key, key))


def key_problem(kind: str, key: str) -> str | None:
    """Why a typed shop value cannot be a row's key (None when it can)."""
    if kind == "rate":
        number = as_number(key)
        if number is None or not 0 <= number <= 100:
            return _("“%(key)s” is not a VAT rate (a percentage, e.g. 21)") % {"key": key}
    if kind == "days" and not key.isdigit():
        return _("“%(key)s” is not a number of days") % {"key": key}
    if kind == "oss":
        country, sep, rate = key.partition(":")
        number = as_number(rate) if sep else None
        if country.upper() not in EU_COUNTRIES - {HOME} or number is None:
            return _("“%(key)s” is not a country and rate, e.g. BE:21") % {"key": key}
    return None


def normal_key(kind: str, key: str) -> str:
    if kind == "oss":
        country, _sep, rate = key.partition(":")
        return f"{country.strip().upper()}:{rate.strip()}"
    return key


# ---- the widget ------------------------------------------------------------------------------


def rows_of(value: Any) -> Rows:
    """The rows of a stored dict, of posted rows, or of the old text form."""
    if isinstance(value, dict):
        return [(str(k), "" if v is None else str(v)) for k, v in value.items()]
    if isinstance(value, str):
        pairs = [line.partition("=") for line in value.splitlines()]
        return [(k.strip(), v.strip()) for k, sep, v in pairs if sep]
    return [(str(k), str(v)) for k, v in value or []]


class MapTableWidget(forms.Widget):
    template_name = "dashboard/widgets/map_table.html"

    def __init__(self, *, table: MapTable, keys: list[str], options: Choices | None) -> None:
        super().__init__()
        self.table = table
        self.keys = keys  # the rows shown whatever is set
        self.options = options  # None: the list cannot be read now, a text input per row

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if name in data:  # the old text form
            return data.get(name)
        prefix = f"{name}-key-"
        indexes = sorted(
            int(k[len(prefix) :])
            for k in data
            if k.startswith(prefix) and k[len(prefix) :].isdigit()
        )
        if not indexes:
            return None
        return [
            (data.get(f"{name}-key-{i}", "").strip(), data.get(f"{name}-value-{i}", "").strip())
            for i in indexes
        ]

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and not any(k.startswith(f"{name}-key-") for k in data)

    def id_for_label(self, id_: str) -> str:
        return f"{id_}-value-0" if id_ else id_

    def get_context(self, name: str, value: Any, attrs: Any) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        kind = self.table.key_kind
        values = dict(rows_of(value))
        # Typed rows that are not among the fixed ones stay as typed (nothing is lost).
        fixed = ordered_keys(kind, self.keys, [k for k in values if not key_problem(kind, k)])
        free = [(k, v) for k, v in rows_of(value) if k not in fixed and (k or v)]
        rows = [
            {"key": k, "label": key_label(kind, k), "value": values.get(k, ""), "fixed": True}
            for k in fixed
        ]
        rows += [{"key": k, "label": k, "value": v, "fixed": False} for k, v in free]
        rows.append({"key": "", "label": "", "value": "", "fixed": False})
        context["widget"].update(
            rows=rows,
            options=self.with_unknown(rows),
            key_header=self.table.key_header,
            value_header=self.table.value_header,
            key_placeholder=KEY_EXAMPLES[kind],
            described_by=(attrs or {}).get("aria-describedby", ""),
        )
        return context

    def with_unknown(self, rows: list[dict[str, Any]]) -> Choices | None:
        """The list, plus a value set (or sent) that it lacks, so that it shows as chosen."""
        if self.options is None:
            return None
        known = {k for k, _label in self.options}
        lacking = sorted({r["value"] for r in rows if r["value"] and r["value"] not in known})
        missing = _("not in Asperion's list")
        return [*self.options, *((v, f"{v} ({missing})") for v in lacking)]


KEY_EXAMPLES = {"rate": "21", "oss": "BE:21", "days": "30", "method": "ideal"}


# ---- the field -------------------------------------------------------------------------------


class MapTableField(forms.Field):
    """Rows in, the stored dict out; a row's code must be in Asperion's list (when it can be
    read), or the one set already."""

    def __init__(
        self,
        *,
        table: MapTable,
        keys: list[str],
        options: Choices | None,
        stored: dict[str, Any],
        **kwargs: Any,
    ) -> None:
        super().__init__(
            required=False, widget=MapTableWidget(table=table, keys=keys, options=options), **kwargs
        )
        self.table = table
        self.allowed = None
        if options is not None:
            self.allowed = {k for k, _label in options} | {str(v) for v in stored.values()}

    def to_python(self, value: Any) -> dict[str, str]:
        if value is None:
            return {}
        if isinstance(value, str):
            return parse_pairs(value)
        kind = self.table.key_kind
        pairs: dict[str, str] = {}
        for key, code in rows_of(value):
            if not key and not code:
                continue
            if not key:
                raise forms.ValidationError(
                    _("The row with “%(code)s” has no value from the shop."), params={"code": code}
                )
            if problem := key_problem(kind, key):
                raise forms.ValidationError(problem)
            if code:  # a row left on "—" maps nothing
                pairs[normal_key(kind, key)] = code
        return pairs

    def validate(self, value: Any) -> None:
        super().validate(value)
        if self.allowed is None:
            return
        unknown = [code for code in dict.fromkeys(value.values()) if code not in self.allowed]
        if unknown:
            raise forms.ValidationError(
                _("Not in Asperion's list: %(codes)s. Choose a code from the list."),
                params={"codes": ", ".join(f"“{c}”" for c in unknown)},
            )


def parse_pairs(text: str) -> dict[str, str]:
    """'21 = H21' per line → {'21': 'H21'}; a line without '=' is a form error."""
    pairs: dict[str, str] = {}
    for line in (line.strip() for line in (text or "").splitlines()):
        if not line:
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise forms.ValidationError(
                _("Write one pair per line as: value = value (found: %(line)s)"),
                params={"line": line},
            )
        pairs[key.strip()] = value.strip()
    return pairs


def map_table_field(
    name: str,
    *,
    default: dict[str, Any],
    stored: dict[str, Any],
    options: Choices | None,
    proposed: list[str],
    **kwargs: Any,
) -> MapTableField:
    table = MAP_TABLES[name]
    keys = ordered_keys(table.key_kind, list(default), list(stored), proposed)
    return MapTableField(table=table, keys=keys, options=options, stored=stored, **kwargs)
