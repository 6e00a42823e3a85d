"""The demo data: valid EANs and IBANs, consistent stock, deterministic for a seed."""

from __future__ import annotations

import io
import re
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command

from connectors.asperion.sandbox import seed
from connectors.asperion.sandbox.models import (
    Article,
    ContactPerson,
    Debtor,
    InvoiceStatus,
    OrderStatus,
    SalesInvoice,
    SalesOrderLine,
)
from connectors.asperion.sandbox.tests.conftest import Sandbox

ONE_LINE_ADDRESS = re.compile(r"\D.* [0-9]+(?:[A-Z]| bis| hs|-[0-9]|-I{1,3})?")


def ean_is_valid(code: str) -> bool:
    digits = [int(char) for char in code]
    total = sum(d * (3 if i % 2 else 1) for i, d in enumerate(reversed(digits[:-1]), start=1))
    return (10 - total % 10) % 10 == digits[-1]


def iban_is_valid(iban: str) -> bool:
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(char, 36)) for char in moved)) % 97 == 1


def test_ean_and_iban_check_digits() -> None:
    assert seed.ean13("871234567890") == "8712345678906"
    assert iban_is_valid(seed.iban_nl("INGB", "0001234567"))
    assert not iban_is_valid("NL00INGB0001234567")


def test_articles_are_realistic_and_consistent(sandbox: Sandbox) -> None:
    rows = list(Article.objects.filter(administration=sandbox.administration))
    assert len(rows) == 40
    assert sum(a.is_variant for a in rows) == 4
    eans = [a.ean_code for a in rows if a.ean_code]
    assert eans
    assert all(len(code) == 13 and ean_is_valid(code) for code in eans)
    assert len(set(eans)) == len(eans)
    variants = [a for a in rows if a.is_variant]
    assert all(" maat " in a.description and a.characteristic3 for a in variants)
    open_lines = SalesOrderLine.objects.filter(
        order__administration=sandbox.administration,
        order__status__in=[OrderStatus.OPEN, OrderStatus.PARTLY_DELIVERED],
    )
    reserved: dict[int, Decimal] = defaultdict(Decimal)
    for line in open_lines:
        reserved[line.article_id] += line.quantity
    assert {a.pk: a.reserved_stock for a in rows if a.reserved_stock} == dict(reserved)


def test_debtors_are_companies_with_contacts_and_private_persons(db: None) -> None:
    user, _client = seed.ensure_demo_user()
    administration = user.administrations.order_by("pk")[0]
    made = seed.seed_administration(administration, articles=20, debtors=120, seed=11)
    debtors = list(
        Debtor.objects.filter(administration=administration).select_related("debtor_kind")
    )
    companies = [d for d in debtors if d.debtor_kind.is_business]
    persons = [d for d in debtors if not d.debtor_kind.is_business]
    assert made["companies"] == len(companies) > 0
    assert persons
    assert all(ONE_LINE_ADDRESS.fullmatch(d.address) for d in debtors if d.country_code == "NL")
    assert all(
        re.fullmatch(r"[1-9][0-9]{3} [A-Z]{2}", d.post_code)
        for d in debtors
        if d.country_code == "NL"
    )
    assert all(d.coc_number and d.attention_to and iban_is_valid(d.iban or "") for d in companies)
    assert all(d.coc_number is None for d in persons)
    emails = [d.email_address for d in debtors]
    assert len(set(emails)) == len(emails)
    contacts = ContactPerson.objects.filter(debtor__administration=administration)
    assert contacts.count() == made["contact_persons"]
    assert contacts.filter(is_primary=True).count() == len(companies)
    statuses = set(
        SalesInvoice.objects.filter(administration=administration).values_list("status", flat=True)
    )
    assert {InvoiceStatus.PAID, InvoiceStatus.PAYABLE} <= statuses


def test_the_same_seed_gives_the_same_data(db: None) -> None:
    user, _client = seed.ensure_demo_user()
    administration = user.administrations.order_by("pk")[0]

    def snapshot(value: int) -> list[tuple[str, str, str | None]]:
        seed.seed_administration(administration, articles=30, debtors=10, seed=value)
        articles = Article.objects.filter(administration=administration).order_by("pk")
        debtors = Debtor.objects.filter(administration=administration).order_by("pk")
        return [(a.code, a.description, a.ean_code) for a in articles] + [
            (d.customer_number, d.name, d.address) for d in debtors
        ]

    first = snapshot(5)
    assert snapshot(5) == first
    assert snapshot(6) != first
    catalogue = Article.objects.filter(administration=administration)
    assert catalogue.exclude(code=seed.SHIPPING_ARTICLE_CODE).count() == 30


def test_the_command_seeds_both_sandboxes_and_prints_credentials(db: None) -> None:
    out = io.StringIO()
    call_command(
        "sandbox_seed", articles=300, debtors=40, seed=3, customers=5, orders=3, stdout=out
    )
    printed = out.getvalue()
    assert "300 articles, 30 variant articles" in printed
    assert f"client_id={seed.DEMO_CLIENT_ID}" in printed
    assert f"login {seed.DEMO_USERNAME} / {seed.DEMO_PASSWORD}" in printed
    assert "Feeddex" in printed
    user = seed.demo_user()
    assert user is not None
    catalogues = [
        a.article_set.exclude(code=seed.SHIPPING_ARTICLE_CODE).count()
        for a in user.administrations.order_by("pk")
    ]
    assert catalogues == [300, 100]


@pytest.mark.parametrize("share", [0.0, 0.5])
def test_the_variant_share_is_exact(db: None, share: float) -> None:
    user, _client = seed.ensure_demo_user()
    administration = user.administrations.order_by("pk")[0]
    made = seed.seed_administration(
        administration, articles=50, debtors=2, seed=1, variant_share=share
    )
    assert made["variant_articles"] == round(50 * share)
