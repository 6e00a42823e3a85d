"""A record's page in a person's words: its title, and its differences as a table of fields.

Nested values become one row per leaf ("lines 1 · sku"); values are shown as money, dates or
yes/no; differences that change nothing a person cares about (a date at another precision,
an empty field the target added, 10 against 10.00) are marked harmless and folded away.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dashboard.diffs import Change

ENTITY_WORDS: dict[str, Any] = {
    "product": gettext_lazy("Product"),
    "stock": gettext_lazy("Stock"),
    "customer": gettext_lazy("Customer"),
    "order": gettext_lazy("Order"),
    "order status": gettext_lazy("Order status"),
    "invitation": gettext_lazy("Review invitation"),
}
MONEY_WORDS = ("price", "amount", "total", "cost", "prijs", "bedrag")
ISO_DATE = re.compile(
    r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$"
)
# A value one side does not carry at all (the other side's extra field).
MISSING = object()


def record_title(record: Any) -> str:
    """ "Order FDX-100018 → sales order 2026-00016": what, which one, and what it became."""
    entity = str(ENTITY_WORDS.get(record.entity, record.entity.capitalize()))
    source = record.source if isinstance(record.source, dict) else {}
    name = source.get("number") or source.get("code") or source.get("sku") or record.key
    title = f"{entity} {name}"
    answer = record.response if isinstance(record.response, dict) else {}
    if answer.get("orderNumber"):
        return f"{title} → {_('sales order')} {answer['orderNumber']}"
    if answer.get("invoiceNumber"):
        return f"{title} → {_('sales invoice')} {answer['invoiceNumber']}"
    if record.target_id:
        return f"{title} → #{record.target_id}"
    return title


@dataclass(frozen=True)
class FieldRow:
    field: str
    before: str
    after: str
    harmless: bool


def field_rows(changes: list[Change], *, sent_after: bool) -> list[FieldRow]:
    """One row per changed leaf of the changed fields, harmless ones marked.

    Only the leaves of what was (or would be) sent count: the other side is the target's
    whole record, whose extra fields (ids, timestamps) are no difference. `sent_after`: the
    sent values are the changes' `after` (a dry run's diff), else their `before`."""
    rows: list[FieldRow] = []
    for change in changes:
        before = dict(leaves(change.field, change.before))
        after = dict(leaves(change.field, change.after))
        for path in after if sent_after else before:
            old, new = before.get(path, MISSING), after.get(path, MISSING)
            if same(old, new):
                continue
            rows.append(FieldRow(path, shown(path, old), shown(path, new), harmless(old, new)))
    return rows


def leaves(path: str, value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        if set(value) == {"_data"} or set(value) == {"_data", "_meta"}:
            return leaves(path, value["_data"])  # an API's envelope is no field of its own
        found = [leaves(f"{path} · {key}", item) for key, item in value.items()]
        return [leaf for group in found for leaf in group] or [(path, None)]
    if isinstance(value, list) and any(isinstance(item, dict | list) for item in value):
        found = [leaves(f"{path} {i}", item) for i, item in enumerate(value, start=1)]
        return [leaf for group in found for leaf in group]
    return [(path, value)]


def same(old: Any, new: Any) -> bool:
    return old == new and type(old) is type(new)


def harmless(old: Any, new: Any) -> bool:
    """Whether the difference changes nothing: empty against empty, equal numbers, or the
    same moment written at another precision."""
    if empty(old) and empty(new):
        return True
    if number(old) is not None and number(old) == number(new):
        return True
    if is_date(old) and is_date(new):
        shorter, longer = sorted((old, new), key=len)
        return longer.startswith(shorter) or moment(old) == moment(new)
    return False


def is_date(value: Any) -> bool:
    return isinstance(value, str) and bool(ISO_DATE.match(value))


def empty(value: Any) -> bool:
    return value is MISSING or value is None or value == "" or value == [] or value == {}


def number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is MISSING or value is None:
        return None
    if isinstance(value, int | float | Decimal) or (
        isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value)
    ):
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return None
    return None


def moment(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def shown(path: str, value: Any) -> str:
    """The value as a person reads it, in the active language."""
    if value is MISSING or value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    money = any(word in path.lower() for word in MONEY_WORDS)
    amount = number(value)
    if amount is not None and money:
        return "€ " + formats.number_format(amount, 2, use_l10n=True, force_grouping=True)
    if amount is not None and not isinstance(value, str):
        return formats.number_format(amount, use_l10n=True)
    if isinstance(value, str) and ISO_DATE.match(value):
        return shown_moment(value)
    if isinstance(value, list):
        return ", ".join(shown(path, item) for item in value) or "—"
    return str(value)


def shown_moment(text: str) -> str:
    if len(text) == 10:
        try:
            return formats.date_format(date.fromisoformat(text), "SHORT_DATE_FORMAT")
        except ValueError:
            return text
    parsed = moment(text)
    if parsed is None:
        return text
    return formats.date_format(parsed, "SHORT_DATETIME_FORMAT")
