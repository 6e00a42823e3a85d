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

SETTINGS_LABELS = [
    gettext_noop("Asperion package"),
    gettext_noop("Book rounding differences"),
    gettext_noop("Debtor update"),
    gettext_noop("Invalid VAT number"),
    gettext_noop("Match debtors by"),
    gettext_noop("Needs action in Asperion"),
    gettext_noop("Needs action in the accounting system"),
    gettext_noop("OSS VAT codes"),
    gettext_noop("Only when creating (an update leaves this field as the target keeps it)"),
    gettext_noop("Reference format"),
    gettext_noop("Registered for OSS"),
    gettext_noop("Rounding article"),
    gettext_noop("Rounding ledger account"),
    gettext_noop("Set inactive products inactive"),
    gettext_noop(
        "These orders were cancelled or refunded in the shop after they were booked as sales orders. Asperion's API cannot cancel a sales order: cancel or credit each one there by hand. The mark clears once the sales order is cancelled in Asperion."
    ),
    gettext_noop("VAT code for exports"),
    gettext_noop("VAT code for intra-community supplies"),
    gettext_noop("VAT code of the rounding line"),
    gettext_noop("sales order"),
]

SETTINGS_HELP_TEXTS = [
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
    gettext_noop(
        "Update products that exist in Feeddex already. Per field: mapping rules marked 'only when creating' (by default the descriptions) are never overwritten, so prices update while texts enriched in Feeddex stay. Off: only create new products."
    ),
    gettext_noop(
        "When an article is made inactive in Asperion, set its product inactive in Feeddex (so it can no longer be sold)."
    ),
    gettext_noop(
        "Asperion package of the administration. inBalance has no sales orders: its orders are booked as sales invoices. (Asperion's API does not tell; the wizard asks.)"
    ),
    gettext_noop(
        "Reference of the sales order in Asperion, from {shop} (the shop connection's name), {number} (the order number) and {id} (the shop's order id), e.g. {shop}-{number}; at most 50 characters are kept."
    ),
    gettext_noop(
        "What an order changes of a debtor that exists already: contact_details = email, phone and addresses only (kind, name, booking group, payment method and customer number stay as the bookkeeper keeps them); everything = all that the mapping sends; never = nothing."
    ),
    gettext_noop(
        "How an order's customer is found among the debtors: by email, by the customer number Feeddex keeps for the customer, or by VAT number (business orders; others by email)."
    ),
    gettext_noop(
        "VAT code for intra-community supplies: EU businesses (outside the Netherlands) with a valid-looking VAT number, at 0 % (reverse charge, ICP listing)."
    ),
    gettext_noop("VAT code for exports: deliveries outside the EU at 0 %."),
    gettext_noop(
        "Registered for the OSS scheme: sales to consumers in other EU countries are booked on the OSS VAT codes per country and rate below. Off: on the Dutch codes."
    ),
    gettext_noop(
        "Country and rate → Asperion VAT code for OSS sales, e.g. BE:21 = a code for Belgian VAT at 21 %."
    ),
    gettext_noop(
        "An EU business order whose VAT number does not look valid for its country: book it as a consumer sale (consumer) or fail it (fail)."
    ),
    gettext_noop(
        "Book a difference of a cent or two between Asperion's total (it rounds VAT per line) and the shop's on a rounding line at 0 % VAT. Off: such an order fails with the difference named."
    ),
    gettext_noop(
        "Article of the rounding line on sales orders (empty: the order fails naming the difference)."
    ),
    gettext_noop(
        "Ledger account of the rounding line on sales invoices (empty: the order fails naming the difference)."
    ),
    gettext_noop("VAT code of the rounding line (empty: the VAT code for 0 % above)."),
]

# The choices of the settings' fixed lists, shown with spaces for underscores.
CHOICE_VALUES = [
    gettext_noop("available"),
    gettext_noop("current"),
    gettext_noop("send zero"),
    gettext_noop("send negative"),
    gettext_noop("email"),
    gettext_noop("customer number"),
    gettext_noop("consumer"),
    gettext_noop("contact details"),
    gettext_noop("everything"),
    gettext_noop("fail"),
    gettext_noop("inBalance"),
    gettext_noop("inTrade"),
    gettext_noop("never"),
    gettext_noop("unknown"),
    gettext_noop("vat number"),
]
