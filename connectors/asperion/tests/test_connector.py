"""The Asperion connector against the Asperion sandbox, over real HTTP."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from connectors.asperion.connector import AsperionConnector
from connectors.asperion.sandbox import services as sandbox_services
from connectors.asperion.sandbox.models import Article as SandboxArticle
from connectors.asperion.sandbox.models import Debtor as SandboxDebtor
from connectors.asperion.sandbox.models import SalesOrder as SandboxOrder
from connectors.base import BadRecord, ConnectorError, RecordRejected
from connectors.records import Customer, Invoice, Product, SalesOrderState, StockLevel
from connectors.tests.support import Calls, connect

from .conftest import AsperionSandbox

DEBTOR = {
    "customerNumber": "20001",
    "name": "Jan de Vries",
    "address": "Keizersgracht 123A",
    "postCode": "1015 CJ",
    "city": "Amsterdam",
    "countryCode": "NL",
    "emailAddress": "jan.devries@example.nl",
    "debtorKindId": "PART",
}


def connector(asperion: AsperionSandbox, calls: Calls | None = None) -> AsperionConnector:
    made = connect(asperion.connection, calls)
    assert isinstance(made, AsperionConnector)
    return made


def all_records(made: AsperionConnector, stream: str, **kwargs: Any) -> list[Any]:
    return [r for page in made.read(stream, **kwargs) for r in page.records]


def article_count(asperion: AsperionSandbox) -> int:
    """Articles in the administration: the seeded ones and the shipping-cost article."""
    return SandboxArticle.objects.filter(administration=asperion.administration).count()


def age_everything(asperion: AsperionSandbox) -> None:
    """Move every change an hour back, beyond the cursor's overlap."""
    hour_ago = timezone.now() - timedelta(hours=1)
    SandboxArticle.objects.filter(administration=asperion.administration).update(
        date_last_change=hour_ago
    )


# ---- connection ------------------------------------------------------------------------------


def test_check_connection_refreshes_and_sends_the_administration(asperion):
    calls = Calls()
    connector(asperion, calls).check_connection()
    assert [(c.method, c.path.split("?")[0], c.status) for c in calls.calls] == [
        ("POST", "/connect/token", 200),
        ("GET", "/v1/administrations", 200),
    ]
    asperion.connection.refresh_from_db()
    assert asperion.connection.secrets["access_token"]


def test_an_administration_out_of_reach_is_a_permanent_error(asperion):
    asperion.configure(administration_id=987654)
    with pytest.raises(ConnectorError) as raised:
        connector(asperion).check_connection()
    assert raised.value.permanent
    assert "987654" in str(raised.value)


def test_a_403_for_the_administration_is_permanent(asperion):
    asperion.configure(administration_id=987654)
    calls = Calls()
    with pytest.raises(ConnectorError) as raised:
        connector(asperion, calls).reference_data("vatcodes")
    assert raised.value.permanent
    assert raised.value.status == 403
    assert calls.count(403) == 1


def test_every_reference_list_is_read(asperion):
    made = connector(asperion)
    administrations = made.reference_data("administrations")
    assert str(asperion.administration.pk) in {o.id for o in administrations}
    for kind in (
        "vatcodes",
        "paymentconditions",
        "paymentmethods",
        "salestypes",
        "debtorkinds",
        "journals",
    ):
        options = made.reference_data(kind)
        assert options
        assert all(o.id and o.label for o in options)
    assert any(o.id == "VH" and "21" in o.label for o in made.reference_data("vatcodes"))


# ---- reading ---------------------------------------------------------------------------------


def test_articles_are_read_page_by_page_and_resumed_from_a_cursor(asperion):
    made_counts = asperion.seed(articles=229)
    assert article_count(asperion) == 230
    made = connector(asperion)
    pages = list(made.read("articles", page_size=100))
    assert [len(p.records) for p in pages] == [100, 100, 30]
    products = [r for p in pages for r in p.records]
    assert all(isinstance(p, Product) for p in products)
    assert sum(p.is_variant for p in products) == made_counts["variant_articles"]
    assert len({p.key for p in products}) == 230
    resumed = all_records(made, "articles", cursor=pages[0].cursor, page_size=100)
    assert [p.key for p in resumed] == [p.key for p in products[100:]]


def test_the_next_read_starts_where_this_one_began(asperion):
    asperion.seed(articles=40)
    age_everything(asperion)
    made = connector(asperion)
    pages = list(made.read("articles"))
    assert all_records(made, "articles", cursor=pages[-1].cursor) == []
    article = SandboxArticle.objects.filter(administration=asperion.administration).first()
    assert article is not None
    made.update("articles", str(article.pk), {"description": "Fietsbel messing (nieuw)"})
    changed = all_records(made, "articles", cursor=pages[-1].cursor)
    assert [(p.key, p.name) for p in changed] == [(article.code, "Fietsbel messing (nieuw)")]


def test_no_article_is_lost_when_pages_change_while_paging(asperion):
    asperion.seed(articles=120)
    made = connector(asperion)
    pages = made.read("articles", page_size=40)
    seen = [p.source_id for p in next(pages).records]
    # Meanwhile: an article of page 1 changes, one of page 2 goes inactive, one is added.
    first = SandboxArticle.objects.get(pk=int(seen[0]))
    made.update("articles", str(first.pk), {"description": "Gewijzigd tijdens het lezen"})
    later = SandboxArticle.objects.filter(administration=asperion.administration).order_by("pk")[50]
    made.update("articles", str(later.pk), {"active": False})
    added = made.create(
        "articles",
        {
            "code": "NEW-0001",
            "description": "Nieuw artikel",
            "salesTypeId": first.sales_type_id,
            "salesPrice": 5,
        },
    )
    seen += [p.source_id for page in pages for p in page.records]
    expected = {
        str(pk)
        for pk in SandboxArticle.objects.filter(administration=asperion.administration).values_list(
            "pk", flat=True
        )
    }
    assert set(seen) == expected
    assert added.target_id in seen


def test_stock_levels_come_from_the_articles_and_by_sku(asperion):
    asperion.seed(articles=20)
    made = connector(asperion)
    levels = all_records(made, "stock")
    assert len(levels) == article_count(asperion)
    assert all(isinstance(level, StockLevel) for level in levels)
    codes = [level.key for level in levels[:3]]
    pages = list(made.read("stock", keys=[*codes, "NO-SUCH-CODE"]))
    assert [p.cursor for p in pages] == [None]
    assert [r.key for r in pages[0].records] == codes


def test_debtors_become_customers_with_their_contact_person(asperion):
    counts = asperion.seed(debtors=30)
    customers = all_records(connector(asperion), "debtors")
    assert len(customers) == 30
    assert all(isinstance(c, Customer) for c in customers)
    companies = [c for c in customers if c.is_company]
    assert len(companies) == counts["companies"]
    with_contact = [c for c in companies if c.last_name]
    assert with_contact
    persons = [c for c in customers if not c.is_company]
    assert all(c.last_name for c in persons)
    assert all(c.billing.line for c in customers)


def test_an_invoice_gets_its_debtors_email_when_asked(asperion):
    counts = asperion.seed(articles=20, debtors=20)
    reader = connector(asperion)
    invoices = all_records(reader, "salesinvoices")
    assert len(invoices) == counts["sales_invoices"]
    assert all(isinstance(i, Invoice) for i in invoices)
    assert sum(i.paid for i in invoices) == counts["paid_invoices"]
    # Reading costs no call per debtor; the customer is read for an invoice to be written.
    assert not any(i.customer_email for i in invoices)
    completed = [reader.with_customer(i) for i in invoices]
    assert any(i.customer_email for i in completed)


def test_sales_orders_are_read_with_their_raw_status(asperion):
    counts = asperion.seed(articles=60, debtors=10)
    orders = all_records(connector(asperion), "salesorders")
    assert len(orders) == counts["sales_orders"]
    assert all(isinstance(o, SalesOrderState) for o in orders)
    assert {o.status for o in orders} <= {1, 2, 3, 4, 9}


def test_an_article_that_does_not_fit_becomes_a_bad_record(asperion):
    asperion.seed(articles=5)
    article = SandboxArticle.objects.filter(administration=asperion.administration).first()
    assert article is not None
    SandboxArticle.objects.filter(pk=article.pk).update(sales_price=-5)
    records = all_records(connector(asperion), "articles")
    (bad,) = [r for r in records if isinstance(r, BadRecord)]
    assert bad.key == article.code
    assert "price_excl_vat" in bad.error


# ---- lookups ---------------------------------------------------------------------------------


def test_lookups_match_exactly(asperion):
    asperion.seed(articles=10, debtors=15)
    made = connector(asperion)
    article = SandboxArticle.objects.filter(administration=asperion.administration).first()
    assert article is not None
    found = made.lookup("articles", article.code.lower())
    assert found is not None
    assert found["id"] == article.pk
    assert made.lookup("articles", article.code[:-1]) is None  # "contains" is not enough
    debtor = (
        SandboxDebtor.objects.filter(administration=asperion.administration)
        .exclude(email_address=None)
        .first()
    )
    assert debtor is not None
    assert made.lookup("debtors", debtor.email_address.upper())["id"] == debtor.pk
    assert made.lookup("debtors_by_number", "1000") is None  # 10001.. contain "1000"
    assert made.lookup("debtors_by_number", "10001")["customerNumber"] == "10001"


def test_a_sales_order_is_created_and_found_by_reference(asperion):
    asperion.seed(articles=10, debtors=3)
    made = connector(asperion)
    article = SandboxArticle.objects.filter(
        administration=asperion.administration, active=True, is_variant=False
    ).first()
    assert article is not None
    reserved_before = article.reserved_stock
    payload = {
        "date": "2024-05-02T10:00:00",
        "debtorCustomerNumber": "10001",
        "reference": "FDX-100231",
        "lines": [{"articleCode": article.code, "quantity": 2}],
    }
    created = made.create("salesorders", payload)
    assert created.response["reference"] == "FDX-100231"
    found = made.lookup("salesorders", "FDX-100231")
    assert found is not None
    assert str(found["id"]) == created.target_id
    assert made.lookup("salesorders", "FDX-10023") is None
    article.refresh_from_db()
    assert article.reserved_stock == reserved_before + 2
    order = SandboxOrder.objects.get(pk=int(created.target_id))
    sandbox_services.order_set_status(order=order, status=3)
    (state,) = [o for o in all_records(made, "salesorders") if o.source_id == created.target_id]
    assert (state.reference, state.status) == ("FDX-100231", 3)


# ---- writing ---------------------------------------------------------------------------------


def test_a_debtor_just_looked_up_is_updated_in_part_without_reading_it_again(asperion):
    made = connector(asperion)
    created = made.create("debtors", {**DEBTOR, "comments": "klant sinds 2019"})
    found = made.lookup("debtors", DEBTOR["emailAddress"])
    assert found is not None
    calls = Calls()
    made = connector(asperion, calls)
    updated = made.update(
        "debtors", created.target_id, {"phoneNumber": "020-1234567"}, current=found
    )
    assert (updated.response["phoneNumber"], updated.response["address"]) == (
        "020-1234567",
        "Keizersgracht 123A",
    )
    assert updated.response["comments"] == "klant sinds 2019"
    assert [c.method for c in calls.calls if c.path.startswith("/v1/")] == ["PUT"]
    # A masked value would overwrite the real one: such a record is read again.
    masked = {**found, "comments": "[redacted]"}
    calls.calls.clear()
    again = made.update(
        "debtors", created.target_id, {"phoneNumber": "020-7654321"}, current=masked
    )
    assert again.response["comments"] == "klant sinds 2019"
    assert [c.method for c in calls.calls if c.path.startswith("/v1/")] == ["GET", "PUT"]


def test_a_debtor_is_created_updated_in_part_and_gets_a_contact_person(asperion):
    made = connector(asperion)
    created = made.create(
        "debtors", {**DEBTOR, "debtorKindId": "ZAK", "name": "Bakkerij De Vries B.V."}
    )
    calls = Calls()
    made = connector(asperion, calls)
    updated = made.update("debtors", created.target_id, {"phoneNumber": "020-1234567"})
    assert updated.response["phoneNumber"] == "020-1234567"
    assert updated.response["address"] == "Keizersgracht 123A"  # kept: merged, not wiped
    assert [c.method for c in calls.calls if c.path.startswith("/v1/")] == ["GET", "PUT"]
    contact = made.create(
        "contactpersons",
        {
            "debtorId": int(created.target_id),
            "firstName": "Jan",
            "lastName": "de Vries",
            "isPrimary": True,
        },
    )
    assert contact.target_id
    customer = all_records(made, "debtors")[0]
    assert (customer.first_name, customer.last_name) == ("Jan", "de Vries")


def test_a_contact_person_without_its_debtor_is_rejected_before_any_call(asperion):
    calls = Calls()
    with pytest.raises(RecordRejected) as raised:
        connector(asperion, calls).create("contactpersons", {"lastName": "de Vries"})
    assert "debtorId" in raised.value.field_errors
    assert calls.calls == []


def test_a_duplicate_customer_number_comes_back_with_asperions_words(asperion):
    made = connector(asperion)
    made.create("debtors", DEBTOR)
    with pytest.raises(RecordRejected) as raised:
        made.create("debtors", {**DEBTOR, "emailAddress": "other@example.nl"})
    assert raised.value.status in {400, 409}
    assert raised.value.api_message
    assert any("customernumber" in name.lower() for name in raised.value.field_errors)


def test_an_unknown_reference_is_refused_with_field_errors(asperion):
    with pytest.raises(RecordRejected) as raised:
        connector(asperion).create("debtors", {**DEBTOR, "debtorKindId": "NOPE"})
    assert raised.value.status == 400
    assert raised.value.field_errors


def test_asperion_cannot_update_sales_orders(asperion):
    with pytest.raises(ConnectorError) as raised:
        connector(asperion).update("salesorders", "1", {"reference": "x"})
    assert raised.value.permanent


# ---- customer numbers ------------------------------------------------------------------------


def test_the_next_customer_number_is_the_first_free_one(asperion):
    asperion.seed(debtors=37)  # 10001 .. 10037
    calls = Calls()
    made = connector(asperion, calls)
    assert made.next_customer_number(10001, 19999) == "10038"
    lookups = [c for c in calls.calls if c.path.startswith("/v1/debtors")]
    assert len(lookups) <= 14  # about 2·log2(37), not 37
    # Handed out but not yet created: the next caller gets the one after.
    assert made.next_customer_number(10001, 19999) == "10039"
    assert made.next_customer_number(30000, 30010) == "30000"


def test_a_gap_before_the_used_numbers_is_not_taken_for_their_end(asperion):
    # The range starts at 10000, the bookkeeper's debtors at 10001: 10000 alone is free, and
    # a counter seeded there would hand out 10001, 10002, ... all refused as taken.
    asperion.seed(debtors=37)  # 10001 .. 10037
    calls = Calls()
    made = connector(asperion, calls)
    assert made.next_customer_number(10000, 19999) == "10038"
    lookups = [c for c in calls.calls if c.path.startswith("/v1/debtors")]
    assert len(lookups) <= 16
    assert made.next_customer_number(10000, 19999) == "10039"


def test_a_full_customer_number_range_is_refused(asperion):
    asperion.seed(debtors=5)  # 10001 .. 10005
    with pytest.raises(RecordRejected):
        connector(asperion).next_customer_number(10001, 10005)


# ---- faults ----------------------------------------------------------------------------------


def test_asperions_429s_and_broken_answers_are_waited_out(asperion):
    asperion.seed(articles=60)
    # One request per 2-s window: a page read comes faster than that on any machine, so a
    # 429 comes whatever the machine's speed.
    asperion.set_knobs(rate_per_second=0.5, burst=1, malformed_rate=0.2)
    calls = Calls()
    products = all_records(connector(asperion, calls), "articles", page_size=15)
    assert len(products) == article_count(asperion)
    assert calls.count(429) >= 1
    assert all(c.error and "answered 429" in c.error for c in calls.calls if c.status == 429)
