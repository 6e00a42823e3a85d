"""Odd Feeddex orders through the orders flow to Asperion, and odd Asperion debtors through
the customers flow to Feeddex: each fails alone with the field named, the rest is booked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from connectors.feeddex.sandbox import models as feeddex_db
from flows.models import Action, RecordLog
from tests.badinput.conftest import EMOJI, article, assert_each_ended_with_a_reason, debtor
from tests.flows.conftest import place, sales_orders

Change = Callable[[feeddex_db.Order], dict[str, Any]]


def line(**changes: Any) -> dict[str, Any]:
    good = {
        "sku": "ORD-A",
        "name": "A",
        "quantity": 2,
        "unitPrice": 12.1,
        "priceIncludesVat": True,
        "vatRate": 21,
    }
    return {k: v for k, v in {**good, **changes}.items() if v is not ...}


def customer(order: feeddex_db.Order, **changes: Any) -> dict[str, Any]:
    data = {**order.customer_data, **changes}
    return {k: v for k, v in data.items() if v is not ...}


def billing(order: feeddex_db.Order, **changes: Any) -> dict[str, Any]:
    data = {**order.billing_address, **changes}
    return {k: v for k, v in data.items() if v is not ...}


# name: (what to change in the stored order, the action, a word the reason must contain)
ORDERS: dict[str, tuple[Change, str, str]] = {
    "qty-negative": (lambda o: {"lines": [line(quantity=-2)]}, "failed", "quantity"),
    "qty-zero": (lambda o: {"lines": [line(quantity=0)]}, "failed", "quantity"),
    "qty-fraction": (lambda o: {"lines": [line(quantity=1.5)]}, "failed", "quantity"),
    "qty-text": (lambda o: {"lines": [line(quantity="twee")]}, "failed", "quantity"),
    "no-sku": (lambda o: {"lines": [line(sku=...)]}, "failed", "sku"),
    "null-sku": (lambda o: {"lines": [line(sku=None)]}, "failed", "sku"),
    "no-lines": (lambda o: {"lines": []}, "failed", "lines"),
    "price-text": (lambda o: {"lines": [line(unitPrice="abc")]}, "failed", "unitPrice"),
    "vat-7": (lambda o: {"lines": [line(vatRate=7)]}, "failed", "vat"),
    "no-email": (lambda o: {"customer_data": customer(o, email=...)}, "failed", "email"),
    "bad-email": (lambda o: {"customer_data": customer(o, email="geen-email")}, "failed", "mail"),
    "no-postcode": (
        lambda o: {"billing_address": billing(o, postalCode=...)},
        "failed",
        "postalCode",
    ),
    "country-name": (
        lambda o: {"billing_address": billing(o, countryCode="Nederland")},
        "failed",
        "country",
    ),
    "huge-street": (
        lambda o: {"billing_address": billing(o, street="Straat" * 10_000)},
        "failed",
        "Address",
    ),
    "odd-payment": (lambda o: {"payment_status": "weird"}, "failed", "paymentStatus"),
    "shipping-text": (
        lambda o: {"shipping_cost": {"amount": "gratis", "priceIncludesVat": True, "vatRate": 21}},
        "failed",
        "shippingCost",
    ),
    "emoji-and-huge-note": (
        lambda o: {
            "customer_data": customer(o, firstName=EMOJI, lastName="🚲" * 300),
            "note": "n" * 200_000,
        },
        "created",
        "",
    ),
    "good": (lambda o: {}, "created", ""),
}


def odd_order(bare, name: str, change: Change) -> feeddex_db.Order:
    order = place(bare, email=f"{name}@example.nl", skus=["ORD-A", "ORD-B"])
    for field, value in change(order).items():
        setattr(order, field, value)
    order.save()
    return order


def test_odd_orders_fail_one_by_one_naming_the_field_and_the_rest_is_booked(bare):
    article(bare, "ORD-A")
    article(bare, "ORD-B")
    orders = {name: odd_order(bare, name, change) for name, (change, _, _) in ORDERS.items()}
    run = bare.run("orders")
    logs = assert_each_ended_with_a_reason(run, [str(o.pk) for o in orders.values()])
    wrong = []
    for name, (_change, action, word) in ORDERS.items():
        log = logs[str(orders[name].pk)]
        if log.action != action or word.lower() not in log.reason.lower():
            wrong.append(f"{name}: {log.action} {log.reason[:200]!r}")
    assert not wrong, "\n".join(wrong)
    booked = set(sales_orders(bare).values_list("reference", flat=True))
    assert booked == {orders["good"].number, orders["emoji-and-huge-note"].number}


def customer_logs(run) -> dict[str, RecordLog]:
    """The run's logs by Asperion customer number (a record that does not parse has none)."""
    return {
        str((log.source or {}).get("customer_number") or log.key): log
        for log in RecordLog.objects.filter(run=run)
    }


DEBTORS: dict[str, tuple[dict[str, Any], str, str]] = {
    "20003": ({"email_address": None}, "skipped", "email"),
    "20004": ({"email_address": "geen-email"}, "failed", "email"),
    "20005": ({"address": "Postbus"}, "failed", "house number"),
    "20009": ({"name": ""}, "failed", "lastName"),
    "20010": ({"post_code": "", "city": ""}, "failed", "postalCode"),
    "20011": ({"address": ""}, "failed", "street"),
    "20013": (
        {
            "delivery_address": "Damrak 1",
            "delivery_city": "Amsterdam",
            "delivery_country_code": "NL",
        },
        "failed",
        "shippingAddress.postalCode",
    ),
    "20008": ({"name": EMOJI[:100], "comments": "c" * 200_000}, "created", ""),
    "20012": ({"email_address": "  spaced@example.nl "}, "created", ""),
    "20099": ({}, "created", ""),
}


def test_odd_debtors_fail_one_by_one_naming_the_field_and_the_rest_is_sent(bare):
    for number, (fields, _action, _word) in DEBTORS.items():
        debtor(bare, number, **fields)
    debtor(bare, "20006", country_code="nl")  # read as NL: sources type codes in any case
    run = bare.run("customers")
    logs = customer_logs(run)
    assert_each_ended_with_a_reason(run, [])
    wrong = []
    for number, (_fields, action, word) in DEBTORS.items():
        log = logs.get(number)
        if log is None or log.action != action or word.lower() not in log.reason.lower():
            wrong.append(f"{number}: {log and log.action} {log and log.reason[:200]!r}")
    assert not wrong, "\n".join(wrong)
    assert logs["20006"].action == Action.CREATED
    lowercase = feeddex_db.Customer.objects.get(account=bare.account, customer_code="20006")
    assert lowercase.billing_address["countryCode"] == "NL"
    emoji = feeddex_db.Customer.objects.get(account=bare.account, customer_code="20008")
    assert emoji.last_name == EMOJI[:100]
    spaced = feeddex_db.Customer.objects.get(account=bare.account, customer_code="20012")
    assert spaced.email == "spaced@example.nl"


def test_a_second_debtor_with_the_same_email_fails_instead_of_overwriting(bare):
    debtor(bare, "30001", email_address="dubbel@example.nl", name="Eerste Klant")
    debtor(bare, "30002", email_address="DUBBEL@example.nl", name="Tweede Klant")
    run = bare.run("customers")
    logs = customer_logs(run)
    assert logs["30001"].action == Action.CREATED
    assert logs["30002"].action == Action.FAILED
    assert "30001" in logs["30002"].reason
    shop_customer = feeddex_db.Customer.objects.get(account=bare.account, email="dubbel@example.nl")
    assert shop_customer.customer_code == "30001"


def test_a_debtor_matched_by_number_cannot_take_the_email_of_another(bare):
    # Matched by number, the two debtors have two ledger keys: Feeddex's 409 on the email
    # finds the first one's customer, which the ledger says is the first debtor's.
    bare.configure("customers", match_by="customer_number")
    debtor(bare, "30011", email_address="gedeeld@example.nl", name="Eerste Klant")
    debtor(bare, "30012", email_address="Gedeeld@Example.nl", name="Tweede Klant")
    run = bare.run("customers")
    logs = customer_logs(run)
    assert logs["30011"].action == Action.CREATED
    assert logs["30012"].action == Action.FAILED
    assert "debtor 30011" in logs["30012"].reason
    shop_customer = feeddex_db.Customer.objects.get(
        account=bare.account, email="gedeeld@example.nl"
    )
    assert shop_customer.customer_code == "30011"
