"""The debtor of an order: found by the chosen key, and changed only as the policy allows.

A bookkeeper keeps debtors by hand (kind, name, booking group, payment method, customer
number); an order may change only what the setting "debtor update" allows: the contact
details (email, phone, addresses: the default), everything the mapping sends, or nothing.
A business order for an existing business debtor adds its contact person when the debtor has
none with that name or email.
"""

from __future__ import annotations

from typing import Any

from connectors.records import Order
from flows.engine import RunContext

# What "contact details" means on a debtor of the accounting system.
CONTACT_FIELDS = frozenset(
    {
        "address",
        "addressLine2",
        "addressLine3",
        "postCode",
        "city",
        "countryCode",
        "deliveryAddress",
        "deliveryPostCode",
        "deliveryCity",
        "deliveryCountryCode",
        "attentionTo",
        "phoneNumber",
        "mobileNumber",
        "faxNumber",
        "emailAddress",
    }
)


def debtor_changes(
    existing: dict[str, Any], payload: dict[str, Any], policy: str
) -> dict[str, Any]:
    """The fields to update on an existing debtor: what differs and the policy allows."""
    if policy == "never":
        return {}
    allowed = (
        payload
        if policy == "everything"
        else {k: v for k, v in payload.items() if k in CONTACT_FIELDS}
    )
    changed = {k: v for k, v in allowed.items() if existing.get(k) != v}
    changed.pop("customerNumber", None)  # never renumbered: other documents refer to it
    return changed


def match_key(ctx: RunContext, order: Order) -> tuple[str, str]:
    """(lookup entity, key) of the debtor of this order, by the setting "match debtors by"."""
    how = ctx.settings.debtor_match_by
    if how == "vat_number" and order.customer.company_name and order.customer.vat_number:
        return "debtors_by_vat_number", order.customer.vat_number
    if how == "customer_number":
        number = shop_customer_number(ctx, order)
        if number:
            return "debtors_by_number", number
    return "debtors", order.customer.email or ""


def shop_customer_number(ctx: RunContext, order: Order) -> str:
    """The customer number the shop keeps for this customer (its customer code), if any."""
    if not order.customer.email:
        return ""
    found = ctx.connector("shop").lookup("customers", order.customer.email)
    return str((found or {}).get("customerCode") or "")


def is_business_debtor(ctx: RunContext, existing: dict[str, Any]) -> bool:
    kind = str(existing.get("debtorKindId") or "")
    return kind == ctx.customer_defaults.debtor_kind_company


def has_contact(persons: list[dict[str, Any]], contact: dict[str, Any]) -> bool:
    """Whether one of the persons is this contact (by email, or by first and last name)."""
    email = str(contact.get("emailAddress") or "").casefold()
    name = (
        str(contact.get("firstName") or "").casefold(),
        str(contact.get("lastName") or "").casefold(),
    )
    for person in persons:
        if email and str(person.get("emailAddress") or "").casefold() == email:
            return True
        other = (
            str(person.get("firstName") or "").casefold(),
            str(person.get("lastName") or "").casefold(),
        )
        if other == name:
            return True
    return False
