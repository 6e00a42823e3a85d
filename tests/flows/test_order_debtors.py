"""The debtor policy: an order changes an existing debtor only as far as the setting allows."""

from __future__ import annotations

import pytest

from connectors.asperion.sandbox import models as asperion_db
from flows.models import ApiCallLog
from tests.flows.conftest import (
    Synced,
    article_codes,
    assert_succeeded,
    code_of,
    debtor_kind,
    place,
    sales_orders,
)


def bakery(shop: Synced, *, email: str = "inkoop@bakkerij.nl") -> asperion_db.Debtor:
    """A business debtor the bookkeeper keeps, with a payment method of its own."""
    admin = shop.administration
    debtor = asperion_db.Debtor.objects.filter(administration=admin).order_by("pk")[0]
    debtor.pk = None
    debtor.customer_number = "55501"
    debtor.name = "Bakkerij De Vries B.V."
    debtor.email_address = email
    debtor.vat_number = "NL123456789B01"
    debtor.blocked = False  # the seed blocks a few debtors; this one is a good customer
    debtor.address = "Dorpsstraat 1"
    debtor.debtor_kind = asperion_db.DebtorKind.objects.get(
        administration=admin, code=debtor_kind(shop, business=True)
    )
    debtor.payment_method = asperion_db.PaymentMethod.objects.get(
        administration=admin, code=direct_debit(shop)
    )
    debtor.save()
    return debtor


def direct_debit(shop: Synced) -> str:
    return code_of(shop, asperion_db.PaymentMethod, "Automatische incasso")


def test_by_default_an_order_updates_only_the_contact_details_of_an_existing_debtor(shop):
    debtor = bakery(shop)
    place(shop, email="inkoop@bakkerij.nl", skus=article_codes(shop, 1))  # a private order
    run = shop.run("orders")
    assert_succeeded(run)
    # Found by its email in a listing that gives the whole debtor: updated without a read.
    reads = ApiCallLog.objects.filter(run=run, method="GET", path__regex=r"^/v1/debtors/[0-9]+")
    assert not reads.exists()
    assert ApiCallLog.objects.filter(run=run, method="PUT", path__startswith="/v1/debtors/")
    debtor.refresh_from_db()
    assert sales_orders(shop).get().debtor_id == debtor.pk
    assert debtor.name == "Bakkerij De Vries B.V."
    assert debtor.debtor_kind.code == debtor_kind(shop, business=True)
    assert debtor.payment_method.code == direct_debit(shop)
    assert debtor.customer_number == "55501"
    assert debtor.address == "Keizersgracht 123A"  # contact details do follow
    assert debtor.phone_number == "0612345678"


def test_update_everything_lets_the_order_rewrite_the_debtor(shop):
    shop.configure("orders", debtor_update="everything")
    debtor = bakery(shop)
    place(shop, email="inkoop@bakkerij.nl", skus=article_codes(shop, 1))
    assert_succeeded(shop.run("orders"))
    debtor.refresh_from_db()
    assert debtor.name == "Eva de Vries"
    assert debtor.debtor_kind.code == debtor_kind(shop, business=False)
    assert debtor.customer_number == "55501"  # a number is never changed


def test_never_update_leaves_the_debtor_alone(shop):
    shop.configure("orders", debtor_update="never")
    debtor = bakery(shop)
    place(shop, email="inkoop@bakkerij.nl", skus=article_codes(shop, 1), company="Bakkerij")
    assert_succeeded(shop.run("orders"))
    debtor.refresh_from_db()
    assert debtor.address == "Dorpsstraat 1"
    assert not debtor.contacts.filter(last_name="de Vries").exists()


def test_a_business_order_adds_its_contact_person_to_a_business_debtor_once(shop):
    debtor = bakery(shop)
    debtor.contacts.all().delete()
    for _ in range(2):
        place(shop, email="inkoop@bakkerij.nl", skus=article_codes(shop, 1), company="Bakkerij")
        assert_succeeded(shop.run("orders"))
    contact = debtor.contacts.get()
    assert (contact.first_name, contact.last_name) == ("Eva", "de Vries")


@pytest.mark.parametrize("match_by", ["vat_number", "email"])
def test_debtors_can_be_matched_by_vat_number(shop, match_by):
    shop.configure("orders", debtor_match_by=match_by)
    debtor = bakery(shop)
    place(
        shop,
        email="andere@bakkerij.nl",
        skus=article_codes(shop, 1),
        company="Bakkerij",
        vat_number="NL 1234.56789.B01",
    )
    assert_succeeded(shop.run("orders"))
    found = sales_orders(shop).get().debtor_id == debtor.pk
    assert found is (match_by == "vat_number")


def test_debtors_can_be_matched_by_the_customer_number_feeddex_keeps(shop):
    from django.utils import timezone

    from connectors.feeddex.sandbox import models as feeddex_db

    shop.configure("orders", debtor_match_by="customer_number")
    debtor = bakery(shop)
    now = timezone.now()
    feeddex_db.Customer.objects.create(
        account=shop.account,
        email="nieuw.adres@bakkerij.nl",
        last_name="de Vries",
        customer_code="55501",
        billing_address={},
        created_at=now,
        updated_at=now,
    )
    place(shop, email="nieuw.adres@bakkerij.nl", skus=article_codes(shop, 1))
    assert_succeeded(shop.run("orders"))
    assert sales_orders(shop).get().debtor_id == debtor.pk
    debtor.refresh_from_db()
    assert debtor.email_address == "nieuw.adres@bakkerij.nl"  # a contact detail: it follows
