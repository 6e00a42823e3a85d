"""The data generators: realistic Dutch shop data, deterministic with a seed."""

from __future__ import annotations

import random
import re

import pytest
from django.core.management import call_command

from connectors.feeddex.sandbox import seed
from connectors.feeddex.sandbox.models import Customer, Order, Product, WebhookDelivery
from connectors.feeddex.sandbox.schemas import ean_check_digit_ok

from .conftest import make_account

pytestmark = pytest.mark.django_db


def snapshot(account):
    customers = list(
        Customer.objects.filter(account=account)
        .order_by("id")
        .values_list("email", "last_name", "company_name", "billing_address")
    )
    orders = list(
        Order.objects.filter(account=account)
        .order_by("id")
        .values_list("number", "lines", "payment_status", "customer_data", "shipping_cost")
    )
    return customers, orders


def test_the_same_seed_gives_the_same_data():
    first, second, other = make_account(), make_account(), make_account()
    for account in (first, second):
        assert seed.seed_account(account, customers=20, orders=30, seed=11) == {
            "products": seed.GENERATED_PRODUCTS, "customers": 20, "orders": 30,
        }  # fmt: skip
    seed.seed_account(other, customers=20, orders=30, seed=12)
    assert snapshot(first) == snapshot(second)
    assert snapshot(first) != snapshot(other)


def test_seeded_data_looks_like_a_dutch_shop():
    account = make_account()
    seed.seed_account(account, customers=40, orders=80, seed=5)
    for product in Product.objects.filter(account=account):
        assert product.ean
        assert ean_check_digit_ok(product.ean)
    customers = Customer.objects.filter(account=account)
    assert customers.filter(company_name__isnull=False).exists()
    assert customers.filter(company_name__isnull=True).exists()
    for customer in customers:
        address = customer.billing_address
        assert re.fullmatch(r"\d{4} [A-Z]{2}", address["postalCode"])
        assert address["houseNumber"].isdigit()
        assert address["countryCode"] == "NL"
    orders = Order.objects.filter(account=account)
    assert {o.payment_status for o in orders} == {"paid", "pending"}
    assert orders.filter(customer__isnull=True).exists()  # guests
    assert orders.filter(customer__isnull=False).exists()
    assert max(len(o.lines) for o in orders) > 1
    assert any(o.shipping_cost["amount"] > 0 for o in orders)
    assert orders.filter(payment_method="invoice", payment_term_days__isnull=False).exists()


def test_given_skus_are_used_for_the_lines():
    account = make_account()
    counts = seed.seed_account(account, customers=3, orders=10, seed=2, skus=["ART-1", "ART-2"])
    assert counts["products"] == 0
    skus = {line["sku"] for o in Order.objects.filter(account=account) for line in o.lines}
    assert skus <= {"ART-1", "ART-2"}


def test_valid_ean_always_has_a_right_check_digit():
    rng = random.Random(1)
    assert all(ean_check_digit_ok(seed.valid_ean(rng)) for _ in range(200))


def test_the_shop_simulator_places_orders_and_fires_webhooks(settings, receiver):
    settings.FEEDDEX_SANDBOX_WEBHOOK_DELIVERY = "manual"
    settings.APICENTER_ALLOW_PRIVATE_URLS = True
    account = make_account()
    from connectors.feeddex.sandbox import services
    from connectors.feeddex.sandbox.schemas import WebhookIn

    services.webhook_subscribe(account=account, data=WebhookIn(
        url=receiver.url, events=["order.created"], secret="s" * 16))  # fmt: skip
    call_command("sandbox_shop", "--rate", "1000", "--count", "3", "--seed", "5",
                 "--organization", account.organization)  # fmt: skip
    assert Order.objects.filter(account=account).count() == 3
    assert WebhookDelivery.objects.filter(account=account, status="delivered").count() == 3
    assert len(receiver.received) == 3
