"""Orders cancelled or refunded after booking: one credit invoice, or one "needs action" mark
that the dashboard shows and one incident email groups. Never silent, never twice."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from connectors.asperion.sandbox import models as asperion_db
from connectors.asperion.sandbox import services as asperion_sandbox
from connectors.feeddex.sandbox import services as feeddex_sandbox
from connectors.feeddex.sandbox.schemas import OrderPatchIn
from flows import services
from flows.models import Action, LedgerEntry, RecordLog
from monitoring.incidents import incidents_reconcile
from monitoring.messages import incident_message
from monitoring.models import Incident, IncidentKind
from tests.flows.conftest import (
    Synced,
    article_codes,
    assert_succeeded,
    code_of,
    place,
    sales_orders,
)


def invoicing(shop: Synced) -> dict[str, object]:
    return {
        "book_as": "salesinvoice",
        "invoice_journal_id": code_of(shop, asperion_db.Journal, "Verkoopboek"),
        "revenue_ledger_account_id": 8000,
    }


def cancel(order) -> None:
    feeddex_sandbox.order_patch(
        order=order, data=OrderPatchIn(status="cancelled"), now=timezone.now()
    )


def invoices_of(shop: Synced, word: str):
    return [
        i
        for i in asperion_db.SalesInvoice.objects.filter(administration=shop.administration)
        if word in (i.description or "").replace(",", " ").replace(":", " ").split()
    ]


def test_a_cancelled_invoiced_order_gets_one_credit_invoice_referring_to_the_original(shop):
    shop.configure("orders", **invoicing(shop))
    order = place(shop, email="retour@example.nl", skus=article_codes(shop, 1))
    assert_succeeded(shop.run("orders"))
    (original,) = invoices_of(shop, order.number)
    cancel(order)
    run = shop.run("orders")
    assert_succeeded(run)
    (credit,) = invoices_of(shop, f"C-{order.number}")
    assert original.invoice_number in credit.description
    assert credit.amount_incl_vat == -original.amount_incl_vat < Decimal(0)
    assert RecordLog.objects.get(run=run, entity="order reversal").action == Action.CREATED
    # Read everything again: still one credit invoice.
    services.flow_reset_cursor(flow=shop.flow("orders"))
    assert_succeeded(shop.run("orders"))
    assert len(invoices_of(shop, f"C-{order.number}")) == 1


def test_cancelled_sales_orders_are_marked_shown_and_grouped_into_one_incident(shop, client):
    first = place(shop, email="een@example.nl", skus=article_codes(shop, 1))
    second = place(shop, email="twee@example.nl", skus=article_codes(shop, 1))
    assert_succeeded(shop.run("orders"))
    cancel(first)
    cancel(second)
    run = shop.run("orders")
    assert_succeeded(run)
    logs = RecordLog.objects.filter(run=run, entity="order reversal")
    assert logs.count() == 2
    assert all(log.reason.startswith("Needs action in Asperion") for log in logs)
    assert {first.number, second.number} <= {w for log in logs for w in log.reason.split()}
    services.integration_go_live(integration=shop.integration)
    shop.integration.flows.update(enabled=True)
    incidents_reconcile(tenant=shop.tenant)
    incident = Incident.objects.get(tenant=shop.tenant, kind=IncidentKind.ACCOUNTING_ACTION)
    assert incident.details["count"] == 2
    email = incident_message(incident, recovery=False)
    assert {item.name for item in email.items} == {first.number, second.number}
    # The flow's page lists them.
    client.force_login(shop.owner)
    page = client.get(reverse("dashboard:flow_detail", args=[shop.flow("orders").pk]))
    assert first.number in page.content.decode()
    assert second.number in page.content.decode()
    # Again: no second mark, no second log line.
    services.flow_reset_cursor(flow=shop.flow("orders"))
    again = shop.run("orders")
    assert not RecordLog.objects.filter(run=again, entity="order reversal").exists()
    # The bookkeeper cancels one in Asperion: its mark clears.
    booked = sales_orders(shop).get(reference=first.number)
    asperion_sandbox.order_set_status(order=booked, status=9)
    assert_succeeded(shop.run("orders"))
    waiting = LedgerEntry.objects.filter(
        flow=shop.flow("orders"), source_key__startswith="reversal:", payload_hash="needs_action"
    )
    assert list(waiting.values_list("source_label", flat=True)) == [second.number]


def test_an_order_cancelled_in_asperion_first_needs_no_action(shop):
    order = place(shop, email="asp@example.nl", skus=article_codes(shop, 1))
    assert_succeeded(shop.run("orders"))
    asperion_sandbox.order_set_status(
        order=sales_orders(shop).get(reference=order.number), status=9
    )
    assert_succeeded(shop.run("orders"))  # the shop follows: cancelled
    order.refresh_from_db()
    assert order.status == "cancelled"
    run = shop.run("orders")
    assert not RecordLog.objects.filter(run=run, entity="order reversal").exists()
