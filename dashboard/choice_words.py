"""What the settings' fixed choices are called on a form: the stored values are for programs
("salesorder"), a person picks from words ("a sales order, invoiced later")."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext, gettext_lazy

CHOICE_WORDS: dict[str, Any] = {
    "salesorder": gettext_lazy("a sales order (Asperion invoices it later)"),
    "salesinvoice": gettext_lazy("a sales invoice, booked at once"),
    "email": gettext_lazy("the email address"),
    "customer_number": gettext_lazy("the customer number"),
    "available": gettext_lazy("current stock minus sales reservations"),
    "current": gettext_lazy("current stock only"),
    "inTrade": gettext_lazy("inTrade, or another package with sales orders"),
    "inBalance": gettext_lazy("inBalance, without sales orders: orders are booked as invoices"),
    "unknown": gettext_lazy("not known: book orders as chosen below"),
}


def choice_words(value: str) -> str:
    """The words for a stored choice; an unknown value reads with spaces for underscores."""
    words = CHOICE_WORDS.get(value)
    return str(words) if words is not None else gettext(value.replace("_", " "))
