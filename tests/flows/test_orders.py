"""The orders flow: Feeddex orders booked in Asperion once, with the customer rules."""

from __future__ import annotations

from django.utils import timezone

from connectors.asperion.sandbox import models as asperion_db
from flows import services
from flows.models import Action, FlowRun, LedgerEntry, RecordLog
from tests.flows.conftest import (
    article_codes,
    assert_succeeded,
    debtor_kind,
    place,
    sales_orders,
    shipping_code,
)


def test_a_paid_order_is_booked_once_with_its_number_written_back(shop):
    order = place(shop, email="eva@example.nl", skus=article_codes(shop, 2))
    run = shop.run("orders")
    assert_succeeded(run)
    assert run.created == 1
    booked = sales_orders(shop).get(reference=order.number)
    codes = sorted(booked.lines.values_list("article__code", flat=True))
    assert codes == sorted([*article_codes(shop, 2), shipping_code(shop)])
    order.refresh_from_db()
    assert order.external_reference == booked.order_number
    # Run it again from the start: the ledger and the external reference keep it at one.
    services.flow_reset_cursor(flow=shop.flow("orders"))
    again = shop.run("orders")
    assert_succeeded(again)
    assert sales_orders(shop).filter(reference=order.number).count() == 1
    assert again.created == 0


def test_a_pending_order_waits_with_a_reason(shop):
    place(shop, email="wacht@example.nl", skus=article_codes(shop, 1), paid=False)
    run = shop.run("orders")
    log = RecordLog.objects.get(run=run, entity="order")
    assert log.action == Action.SKIPPED
    assert "payment status is pending" in log.reason
    assert not sales_orders(shop).exists()


def test_an_order_with_unknown_skus_fails_naming_them_and_the_rest_goes_on(shop):
    bad = place(shop, email="a@example.nl", skus=["BESTAAT-NIET-1", *article_codes(shop, 1)])
    good = place(shop, email="b@example.nl", skus=article_codes(shop, 1))
    run = shop.run("orders")
    assert run.failed == 1
    assert run.created == 1
    failed = RecordLog.objects.get(run=run, action=Action.FAILED)
    assert failed.key == str(bad.pk)
    assert "BESTAAT-NIET-1: no article with this code in Asperion" in failed.reason
    assert sales_orders(shop).filter(reference=good.number).exists()


def test_an_order_with_a_removed_and_an_inactive_article_names_each_and_why(shop):
    assert_succeeded(shop.run("products"))  # the products ledger knows them all as live
    removed, inactive, fine = article_codes(shop, 3)
    admin = shop.administration
    # Meanwhile in Asperion: one article renamed, one made inactive; the ledger knows neither.
    asperion_db.Article.objects.filter(administration=admin, code=removed).update(code="HERNOEMD-1")
    asperion_db.Article.objects.filter(administration=admin, code=inactive).update(active=False)
    LedgerEntry.objects.filter(
        flow=shop.flow("products"), source_key__in=[removed, inactive]
    ).update(last_outcome="failed")
    order = place(shop, email="c@example.nl", skus=[removed, inactive, fine])
    run = shop.run("orders")
    assert run.failed == 1
    reason = RecordLog.objects.get(run=run, key=str(order.pk)).reason
    assert f"{removed}: no article with this code in Asperion (renamed or removed?)" in reason
    assert f"{inactive}: the article is inactive in Asperion" in reason
    assert fine not in reason


def test_asperions_refusal_of_a_line_names_the_line_and_its_sku(shop):
    assert_succeeded(shop.run("products"))
    renamed, fine = article_codes(shop, 2)
    # Renamed in Asperion after the products flow saw it: the ledger still knows it as live.
    asperion_db.Article.objects.filter(administration=shop.administration, code=renamed).update(
        code="HERNOEMD-2"
    )
    order = place(shop, email="d@example.nl", skus=[fine, renamed])
    run = shop.run("orders")
    assert run.failed == 1
    reason = RecordLog.objects.get(run=run, key=str(order.pk)).reason
    assert f"line 2 (SKU {renamed}) article code" in reason
    assert "Lines[1]" not in reason


def test_a_new_company_gets_a_business_debtor_with_contact_and_a_number_from_the_range(shop):
    services.integration_update_customer_defaults(
        integration=shop.integration,
        data={
            **shop.integration.customer_defaults,
            "customer_number_start": 70000,
            "customer_number_end": 70999,
        },
    )
    place(
        shop, email="inkoop@bakkerij.nl", skus=article_codes(shop, 1), company="Bakkerij de Vries"
    )
    assert_succeeded(shop.run("orders"))
    debtor = asperion_db.Debtor.objects.get(
        administration=shop.administration, email_address="inkoop@bakkerij.nl"
    )
    assert 70000 <= int(debtor.customer_number) <= 70999
    assert debtor.name == "Bakkerij de Vries"
    assert debtor.debtor_kind.code == debtor_kind(shop, business=True)
    assert debtor.address == "Keizersgracht 123A"
    contact = debtor.contacts.get()
    assert (contact.first_name, contact.last_name) == ("Eva", "de Vries")


def test_a_private_customer_gets_a_private_debtor_and_is_found_again_by_email(shop):
    place(shop, email="jan@example.nl", skus=article_codes(shop, 1))
    place(shop, email="JAN@example.nl", skus=article_codes(shop, 1))
    run = shop.run("orders")
    assert run.created == 2
    debtors = asperion_db.Debtor.objects.filter(
        administration=shop.administration, email_address__iexact="jan@example.nl"
    )
    assert debtors.count() == 1
    assert debtors.get().debtor_kind.code == debtor_kind(shop, business=False)
    assert {o.debtor_id for o in sales_orders(shop)} == {debtors.get().pk}


def test_the_collective_debtor_setting_books_on_one_debtor(shop):
    collective = asperion_db.Debtor.objects.filter(administration=shop.administration).first()
    shop.configure(
        "orders", use_collective_debtor=True, collective_debtor_number=collective.customer_number
    )
    before = asperion_db.Debtor.objects.filter(administration=shop.administration).count()
    place(shop, email="nieuw@example.nl", skus=article_codes(shop, 1))
    assert_succeeded(shop.run("orders"))
    assert sales_orders(shop).get().debtor_id == collective.pk
    assert asperion_db.Debtor.objects.filter(administration=shop.administration).count() == before


def test_a_booking_interrupted_after_the_write_is_not_booked_twice(shop):
    order = place(shop, email="crash@example.nl", skus=article_codes(shop, 1))
    # What a worker killed between Asperion's answer and the ledger update leaves behind.
    first = shop.run("orders", trigger="dry_run")
    flow = shop.flow("orders")
    LedgerEntry.objects.create(
        tenant=shop.tenant,
        flow=flow,
        source_key=str(order.pk),
        last_outcome="booking",
        last_run=first,
    )
    debtor = asperion_db.Debtor.objects.filter(administration=shop.administration).first()
    from connectors.asperion.sandbox import services as asperion_sandbox

    asperion_sandbox.order_create(
        administration=shop.administration,
        values={
            "debtorCustomerNumber": debtor.customer_number,
            "reference": order.number,
            "date": timezone.now(),
        },
        lines=[{"articleCode": article_codes(shop, 1)[0], "quantity": 1}],
        errors={},
        validate_only=False,
    )
    run = shop.run("orders")
    assert_succeeded(run)
    assert sales_orders(shop).filter(reference=order.number).count() == 1
    log = RecordLog.objects.get(run=run, key=str(order.pk))
    assert log.action == Action.CREATED
    assert "interrupted run" in log.reason
    order.refresh_from_db()
    assert order.external_reference


def test_booked_orders_follow_their_status_in_asperion(shop):
    order = place(shop, email="volg@example.nl", skus=article_codes(shop, 1))
    shop.run("orders")
    booked = sales_orders(shop).get(reference=order.number)
    from connectors.asperion.sandbox import services as asperion_sandbox

    asperion_sandbox.order_set_status(order=booked, status=3)
    run = shop.run("orders")
    assert_succeeded(run)
    order.refresh_from_db()
    assert order.status == "shipped"
    assert (
        RecordLog.objects.filter(run=run, entity="order status", action=Action.UPDATED).count() == 1
    )


def test_booked_orders_start_a_stock_run_for_their_skus(shop):
    services.flow_set_enabled(flow=shop.flow("stock"), enabled=True)
    skus = article_codes(shop, 2)
    place(shop, email="voorraad@example.nl", skus=skus)
    shop.run("orders")
    stock_run = FlowRun.objects.get(flow=shop.flow("stock"))
    assert stock_run.params.skus == sorted(skus)


def test_every_slice_of_an_orders_run_starts_stock_for_the_skus_it_booked(
    shop, settings, monkeypatch
):
    from connectors.feeddex import client as feeddex_client

    monkeypatch.setattr(feeddex_client, "MAX_PAGE_SIZE", 2)  # two orders a page
    settings.FLOW_SLICE_SECONDS = 0  # and a slice a page
    shop.configure("orders", follow_status=False)  # the booking stage only
    services.flow_set_enabled(flow=shop.flow("stock"), enabled=True)
    codes = article_codes(shop, 4)
    for number, sku in enumerate(codes):
        place(shop, email=f"snel{number}@example.nl", skus=[sku])
    run = shop.run("orders")
    assert run.created == len(codes)
    stock_runs = FlowRun.objects.filter(flow=shop.flow("stock"))
    assert stock_runs.count() >= 2  # one per slice that booked
    asked = [sku for stock_run in stock_runs for sku in (stock_run.params.skus or [])]
    assert sorted(asked) == sorted(codes)


def test_dry_run_books_nothing(shop):
    place(shop, email="proef@example.nl", skus=article_codes(shop, 1))
    run = shop.run("orders", trigger="dry_run")
    assert run.created == 1
    assert not sales_orders(shop).exists()
    assert not LedgerEntry.objects.exists()


def test_an_order_placed_before_the_webhook_subscription_is_booked_by_one_poll_after_it(shop):
    from flows.models import Flow, RunStatus, WebhookEndpoint
    from flows.webhook_registration import webhook_register

    flow = shop.flow("orders")
    Flow.objects.filter(pk=flow.pk).update(enabled=True)
    type(shop.integration).objects.filter(pk=shop.integration.pk).update(live=True)
    flow.refresh_from_db()
    # Switched on in a live integration; the order comes in before Feeddex knows where to
    # send its events.
    order = place(shop, email="tussendoor@example.nl", skus=article_codes(shop, 1))
    webhook_register(flow=flow)
    assert WebhookEndpoint.objects.get(connection=shop.integration.shop).subscription_id
    poll = FlowRun.objects.get(flow=flow, status=RunStatus.QUEUED)
    while services.run_execute(poll.pk) == "continued":
        pass
    assert sales_orders(shop).filter(reference=order.number).exists()
    # Registering again (the task retried) starts no second poll.
    webhook_register(flow=flow)
    assert FlowRun.objects.filter(flow=flow).count() == 1
