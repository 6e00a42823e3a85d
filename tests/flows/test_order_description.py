"""Orders carry what a bookkeeper looks for: the note, a reference format, invoices for
administrations without sales orders."""

from __future__ import annotations

import pytest

from connectors.asperion.sandbox import models as asperion_db
from flows import services
from flows.models import LedgerEntry
from flows.settings_schemas import OrderSettings, SettingsInvalid, parse_settings
from tests.flows.conftest import article_codes, assert_succeeded, code_of, place, sales_orders


def test_the_note_goes_into_the_description_and_the_reference_follows_its_format(shop):
    shop.configure("orders", reference_format="{shop}-{number}")
    order = place(
        shop, email="noot@example.nl", skus=article_codes(shop, 1), note="Graag bij de buren"
    )
    assert_succeeded(shop.run("orders"))
    shop_name = shop.integration.shop.name
    booked = sales_orders(shop).get()
    assert booked.reference == f"{shop_name}-{order.number}"[:50]
    assert booked.description == f"Feeddex order {order.number}: Graag bij de buren"
    # Found again by that reference: the ledger and the write-back lost, no second booking.
    LedgerEntry.objects.filter(flow=shop.flow("orders"), source_key=str(order.pk)).delete()
    order.external_reference = None
    order.save()
    services.flow_reset_cursor(flow=shop.flow("orders"))
    assert_succeeded(shop.run("orders"))
    assert sales_orders(shop).count() == 1


def test_choosing_inbalance_books_invoices(shop):
    with pytest.raises(SettingsInvalid, match="invoice_journal_id"):
        parse_settings("orders", {"accounting_package": "inBalance"})
    flow = shop.configure(
        "orders",
        accounting_package="inBalance",
        book_as="salesorder",
        invoice_journal_id=code_of(shop, asperion_db.Journal, "Verkoopboek"),
        revenue_ledger_account_id=8000,
    )
    assert flow.settings["book_as"] == "salesinvoice"
    order = place(shop, email="inbalance@example.nl", skus=article_codes(shop, 1))
    assert_succeeded(shop.run("orders"))
    assert not sales_orders(shop).exists()
    invoices = asperion_db.SalesInvoice.objects.filter(administration=shop.administration)
    assert any(order.number in (i.description or "").split() for i in invoices)


@pytest.mark.parametrize(
    ("template", "problem"),
    [("{shop}-{nummer}", "unknown placeholder: nummer"), ("{shop}", "needs {number} or {id}")],
)
def test_a_reference_format_must_name_the_order(template, problem):
    with pytest.raises(ValueError, match=problem):
        OrderSettings(reference_format=template)
