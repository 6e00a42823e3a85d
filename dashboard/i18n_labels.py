# ruff: noqa: E501  (the texts must match their definitions exactly, so they are not wrapped)
"""Texts defined outside the dashboard that its pages show, marked for translation.

The help texts of the settings schemas are plain English where they are defined (a pydantic
schema wants plain strings); listing them here puts them in the nl and da catalogues, and the
pages translate them at run time (the `label` filter, SchemaForm help texts). A test checks
that every one of them is translated, so a new text cannot slip through untranslated. Model
choice labels are translated where they are defined (gettext_lazy).
"""

from __future__ import annotations

from django.utils.translation import gettext_noop

SETTINGS_HELP_TEXTS = [
    gettext_noop(
        "Update products that exist in Feeddex already. Off: only create new products and never overwrite data enriched in Feeddex."
    ),
    gettext_noop("Send only active articles."),
    gettext_noop("Send the price including VAT (on) or excluding VAT (off)."),
    gettext_noop("Currency of the prices."),
    gettext_noop(
        "Feeddex attribute name for each of Asperion's five characteristics; leave one empty to not send that characteristic."
    ),
    gettext_noop(
        "available = current stock minus sales reservations; current = current stock only."
    ),
    gettext_noop("Let Feeddex manage stock (it refuses orders when stock runs out)."),
    gettext_noop(
        "When more is reserved than in stock, the figure is below zero: send 0 (the default: Feeddex shows the product as sold out), or send the negative figure (Feeddex accepts it, e.g. for a shop that takes backorders)."
    ),
    gettext_noop("Stock updates per API call."),
    gettext_noop(
        "Keep a log row for every record that is unchanged since the last run. Off: the run only counts them, which keeps the activity log short and the runs fast."
    ),
    gettext_noop("How a debtor is matched with a Feeddex customer."),
    gettext_noop("Only orders with one of these payment statuses are booked."),
    gettext_noop("Only orders with one of these order statuses are booked."),
    gettext_noop("Book every order on one collective debtor instead of per customer."),
    gettext_noop("Customer number of the collective debtor (when that is on)."),
    gettext_noop("Feeddex payment method → Asperion payment method id."),
    gettext_noop("Payment term in days → Asperion payment condition id."),
    gettext_noop("VAT rate → Asperion VAT code."),
    gettext_noop("Article code of the shipping-cost line (empty: no line)."),
    gettext_noop("Write the Asperion order number back to the Feeddex order."),
    gettext_noop(
        "When Asperion delivers, invoices or cancels the order, set the Feeddex order's status to shipped, completed or cancelled."
    ),
    gettext_noop("Invite only for invoices that are paid."),
    gettext_noop("Days after the invoice before Feeddex sends the invitation."),
    gettext_noop("The Feeddex unit (location or brand) the feedback belongs to."),
    gettext_noop("Debtor kind (business booking group) for companies."),
    gettext_noop("Debtor kind (booking group) for private persons."),
    gettext_noop("Payment condition given to new debtors (Asperion's list)."),
    gettext_noop("New debtors get the next free customer number from this range."),
    gettext_noop("Last number of that range."),
]

# The choices of the settings' fixed lists, shown with spaces for underscores.
CHOICE_VALUES = [
    gettext_noop("available"),
    gettext_noop("current"),
    gettext_noop("send zero"),
    gettext_noop("send negative"),
    gettext_noop("email"),
    gettext_noop("customer number"),
]
