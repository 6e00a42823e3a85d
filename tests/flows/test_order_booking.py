"""The orders flow: booking as invoices, and what it asks Asperion once instead of per order."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connectors.asperion.sandbox import models as asperion_db
from flows import services
from flows.models import Action, ApiCallLog, FlowRun, LedgerEntry, RecordLog
from flows.settings_schemas import SettingsInvalid
from tests.flows.conftest import (
    Synced,
    article_codes,
    assert_succeeded,
    code_of,
    place,
    sales_orders,
    vat_code,
)


def invoicing(shop: Synced) -> dict[str, object]:
    return {
        "book_as": "salesinvoice",
        "invoice_journal_id": sales_journal(shop),
        "revenue_ledger_account_id": 8000,
        "revenue_ledger_by_country": {"be": 8100},
    }


def sales_journal(shop: Synced) -> str:
    return code_of(shop, asperion_db.Journal, "Verkoopboek")


def invoices(shop: Synced):
    return asperion_db.SalesInvoice.objects.filter(administration=shop.administration)


def calls(run: FlowRun, method: str, path_start: str) -> int:
    return ApiCallLog.objects.filter(run=run, method=method, path__istartswith=path_start).count()


def test_orders_become_sales_invoices_on_the_revenue_account_of_their_country(shop):
    shop.configure("orders", **invoicing(shop))
    before = set(invoices(shop).values_list("pk", flat=True))
    dutch = place(shop, email="nl@example.nl", skus=article_codes(shop, 1))
    belgian = place(shop, email="be@example.be", skus=article_codes(shop, 1), country="BE")
    run = shop.run("orders")
    assert_succeeded(run)
    assert run.created == 2
    assert not sales_orders(shop).exists()
    made = invoices(shop).exclude(pk__in=before)
    assert made.count() == 2
    for order, account in ((dutch, 8000), (belgian, 8100)):
        invoice = next(i for i in made if order.number in (i.description or "").split())
        assert invoice.journal.code == sales_journal(shop)
        lines = list(invoice.lines.all())
        # 2 × 12.10 incl. 21% VAT = 20.00 excl. VAT; then the shipping line 4.95 → 4.09.
        assert [line.amount for line in lines] == [Decimal("20.00"), Decimal("4.09")]
        assert {line.ledger_account_id for line in lines} == {account}
        assert {line.vat_code for line in lines} == {vat_code(shop, "21")}
        order.refresh_from_db()
        assert order.external_reference == invoice.invoice_number


def test_an_invoice_booked_before_the_ledger_knew_is_found_and_not_booked_twice(shop):
    shop.configure("orders", **invoicing(shop))
    order = place(shop, email="twee@example.nl", skus=article_codes(shop, 1))
    assert_succeeded(shop.run("orders"))
    count = invoices(shop).count()
    # The ledger is lost and the write-back undone: only Asperion still knows.
    LedgerEntry.objects.filter(flow=shop.flow("orders"), source_key=str(order.pk)).delete()
    order.external_reference = None
    order.save(update_fields=["external_reference"])
    services.flow_reset_cursor(flow=shop.flow("orders"))
    again = shop.run("orders")
    assert_succeeded(again)
    assert invoices(shop).count() == count
    log = RecordLog.objects.get(run=again, key=str(order.pk))
    assert log.action == Action.SKIPPED
    assert "in Asperion already" in log.reason


def test_booking_invoices_needs_a_journal_and_a_revenue_account(shop):
    flow = shop.flow("orders")
    with pytest.raises(SettingsInvalid) as raised:
        services.flow_update_settings(flow=flow, data={"book_as": "salesinvoice"})
    assert "invoice_journal_id" in str(raised.value)
    with pytest.raises(SettingsInvalid) as raised:
        services.flow_update_settings(
            flow=flow, data={**invoicing(shop), "revenue_ledger_by_country": {"Belgium": 8100}}
        )
    assert "Belgium" in str(raised.value)


def test_a_sales_order_booked_before_the_ledger_knew_is_found_in_a_listing_of_the_page(shop):
    orders = [place(shop, email=f"k{n}@example.nl", skus=article_codes(shop, 1)) for n in range(4)]
    assert_succeeded(shop.run("orders"))
    LedgerEntry.objects.filter(flow=shop.flow("orders")).delete()
    for order in orders:
        order.external_reference = None
        order.save(update_fields=["external_reference"])
    services.flow_reset_cursor(flow=shop.flow("orders"))
    again = shop.run("orders")
    assert_succeeded(again)
    assert sales_orders(shop).count() == 4
    assert again.skipped == 4
    # Four orders to check: one listing of the day's sales orders, not four look-ups.
    assert calls(again, "GET", "/v1/salesorderswithlines?page=1&pageSize=100&Date_from") == 1


def test_a_returning_customer_and_known_articles_cost_no_lookups(shop):
    assert_succeeded(shop.run("products"))  # the products ledger now knows the articles
    skus = article_codes(shop, 2)
    place(shop, email="vaste.klant@example.nl", skus=skus)
    first = shop.run("orders")
    assert_succeeded(first)
    assert calls(first, "POST", "/v1/debtors") == 1
    place(shop, email="Vaste.Klant@example.nl", skus=skus)
    second = shop.run("orders")
    assert_succeeded(second)
    assert second.created == 1
    # The two SKUs are known from the products ledger; the shipping-cost article (which the
    # products flow skips) is looked up once by each run.
    assert calls(second, "GET", "/v1/articles") == 1
    # One read of the debtors changed since the first run; no look-up, no write.
    assert calls(second, "GET", "/v1/debtors") == 1
    assert calls(second, "POST", "/v1/debtors") == 0
    assert calls(second, "PUT", "/v1/debtors") == 0
    debtors = asperion_db.Debtor.objects.filter(
        administration=shop.administration, email_address__iexact="vaste.klant@example.nl"
    )
    assert debtors.count() == 1
    assert {o.debtor_id for o in sales_orders(shop)} == {debtors.get().pk}


def test_an_article_is_looked_up_once_per_run_and_again_by_the_next_run(shop):
    skus = article_codes(shop, 2)
    for email in ("een@example.nl", "twee@example.nl", "drie@example.nl"):
        place(shop, email=email, skus=skus)
    first = shop.run("orders")
    assert_succeeded(first)
    assert first.created == 3
    # Two SKUs and the shipping article: a look-up each, or one read of the article list
    # where that takes fewer calls; either way once for the run's three orders.
    looked_up = calls(first, "GET", "/v1/articles")
    assert 1 <= looked_up <= 3
    # Articles get renamed and removed in Asperion: the next run does not trust the last.
    place(shop, email="vier@example.nl", skus=skus)
    second = shop.run("orders")
    assert_succeeded(second)
    assert second.created == 1
    assert calls(second, "GET", "/v1/articles") == looked_up


def test_a_debtor_made_in_asperion_is_found_by_email_and_booked_on(shop):
    existing = (
        asperion_db.Debtor.objects.filter(administration=shop.administration)
        .filter(blocked=False)  # Asperion refuses orders of a blocked debtor
        .exclude(email_address=None)
        .exclude(email_address="")
        .first()
    )
    count = asperion_db.Debtor.objects.filter(administration=shop.administration).count()
    place(shop, email=existing.email_address.upper(), skus=article_codes(shop, 1))
    assert_succeeded(shop.run("orders"))
    assert sales_orders(shop).get().debtor_id == existing.pk
    assert asperion_db.Debtor.objects.filter(administration=shop.administration).count() == count


def test_a_customer_number_taken_by_hand_meanwhile_is_passed_over(shop):
    services.integration_update_customer_defaults(
        integration=shop.integration,
        data={
            **shop.integration.customer_defaults,
            "customer_number_start": 70000,
            "customer_number_end": 70999,
        },
    )
    place(shop, email="eerste@example.nl", skus=article_codes(shop, 1))
    assert_succeeded(shop.run("orders"))
    admin = shop.administration
    first = asperion_db.Debtor.objects.get(administration=admin, email_address="eerste@example.nl")
    taken = str(int(first.customer_number) + 1)
    by_hand = asperion_db.Debtor.objects.filter(administration=admin).exclude(pk=first.pk).first()
    by_hand.pk = None
    by_hand.customer_number = taken
    by_hand.email_address = "met.de.hand@example.nl"
    by_hand.save()
    place(shop, email="tweede@example.nl", skus=article_codes(shop, 1))
    run = shop.run("orders")
    assert_succeeded(run)
    assert run.failed == 0
    second = asperion_db.Debtor.objects.get(administration=admin, email_address="tweede@example.nl")
    assert second.customer_number == "70002"
