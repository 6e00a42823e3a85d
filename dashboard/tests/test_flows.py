"""The flows page: switch on and off, run now, dry run, settings forms from the schemas."""

from __future__ import annotations

import pytest
from django.urls import reverse

from flows.models import FlowRun, Trigger
from flows.settings_schemas import parse_settings

pytestmark = pytest.mark.django_db


def test_flows_page_shows_health_at_a_glance(world, scene):
    scene.products.needs_attention = True
    scene.products.attention_reason = "Feeddex refused the credentials (401)"
    scene.products.save()
    response = world.client_for(world.owner).get(reverse("dashboard:flows"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Feeddex refused the credentials (401)" in body
    assert "needs attention" in body
    assert "3 created" in body
    assert "2 failed" in body


def test_switching_a_flow_on_and_off(world, scene):
    client = world.client_for(world.owner)
    url = reverse("dashboard:flow_toggle", args=[scene.products.pk])
    client.post(url, {"enabled": "1"})
    scene.products.refresh_from_db()
    assert scene.products.enabled
    assert scene.products.next_run_at is not None
    client.post(url, {"enabled": "0"})
    scene.products.refresh_from_db()
    assert not scene.products.enabled


def test_htmx_toggle_answers_with_the_row(world, scene):
    response = world.client_for(world.owner).post(
        reverse("dashboard:flow_toggle", args=[scene.products.pk]),
        {"enabled": "1"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert body.startswith('<tr class="flow-row"')
    assert "Switch off" in body


def test_run_now_and_dry_run_queue_runs(world, scene):
    client = world.client_for(world.owner)
    url = reverse("dashboard:flow_run", args=[scene.products.pk])
    response = client.post(url)
    run = FlowRun.objects.filter(trigger=Trigger.MANUAL, status="queued").get()
    assert response["Location"] == reverse("dashboard:run_detail", args=[run.pk])
    client.post(url, {"dry_run": "1"})
    assert FlowRun.objects.filter(trigger=Trigger.DRY_RUN, flow=scene.products).count() == 1


def test_run_now_on_a_busy_flow_joins_its_run_and_says_so(world, scene):
    client = world.client_for(world.owner)
    url = reverse("dashboard:flow_run", args=[scene.products.pk])
    client.post(url)
    response = client.post(url, follow=True)
    run = FlowRun.objects.get(trigger=Trigger.MANUAL, flow=scene.products, status="queued")
    assert response.redirect_chain[-1][0] == reverse("dashboard:run_detail", args=[run.pk])
    assert f"Run #{run.pk} of" in response.content.decode()
    assert "is already on its way" in response.content.decode()


def test_a_run_at_work_shows_what_it_does_and_can_be_cancelled(world, scene):
    run = FlowRun.objects.create(
        tenant=world.tenant,
        flow=scene.products,
        trigger=Trigger.MANUAL,
        status="running",
        read=12,
        activity="retrying after a 503 – attempt 2",
    )
    page = reverse("dashboard:run_detail", args=[run.pk])
    viewer = world.client_for(world.viewer).get(page).content.decode()
    assert "retrying after a 503 – attempt 2" in viewer
    assert 'hx-trigger="every 2s"' in viewer  # the page follows the run live
    assert "Cancel this run" not in viewer  # a viewer may only look
    owner = world.client_for(world.owner)
    assert "Cancel this run" in owner.get(page).content.decode()
    owner.post(reverse("dashboard:run_cancel", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == "cancelled"
    after = owner.get(page).content.decode()
    assert "cancelled by alice@example.com" in after
    assert 'hx-trigger="every 2s"' not in after


def test_a_run_that_failed_before_reading_says_so_instead_of_counts(world, scene):
    run = FlowRun.objects.create(
        tenant=world.tenant,
        flow=scene.products,
        trigger=Trigger.MANUAL,
        status="failed",
        error="Feeddex refused the credentials (401)",
    )
    body = (
        world.client_for(world.owner)
        .get(reverse("dashboard:run_detail", args=[run.pk]))
        .content.decode()
    )
    assert "stopped before reading any record" in body
    assert "0 failed" not in body
    assert body.index("Feeddex refused the credentials") < body.index("Records")


def test_settings_form_shows_defaults_and_help_texts(world, scene):
    response = world.client_for(world.owner).get(
        reverse("dashboard:flow_settings", args=[scene.products.pk])
    )
    body = response.content.decode()
    assert "Update products that exist in Feeddex already" in body
    assert 'name="products-currency"' in body
    assert 'value="EUR"' in body


def test_settings_are_saved_through_the_schema(world, scene):
    client = world.client_for(world.owner)
    data = {
        "products-update_existing": "",  # unchecked
        "products-active_only": "on",
        "products-price_includes_vat": "on",
        "products-currency": "EUR",
        "products-attribute_names": "Kleur\n\nMaat",
    }
    response = client.post(reverse("dashboard:flow_settings", args=[scene.products.pk]), data)
    assert response.status_code == 302
    scene.products.refresh_from_db()
    saved = parse_settings("products", scene.products.settings)
    assert saved.update_existing is False
    assert saved.attribute_names == ["Kleur", "", "Maat"]


def test_a_bad_setting_is_an_error_at_its_field(world, scene):
    client = world.client_for(world.owner)
    url = reverse("dashboard:flow_settings", args=[scene.products.pk])
    response = client.post(url, {"products-currency": "euro"})
    assert response.status_code == 400
    form = response.context["sections"][0].form
    assert "currency" in form.errors
    scene.products.refresh_from_db()
    assert scene.products.settings == {}


def test_order_settings_include_the_customer_defaults(world, scene):
    orders = scene.integration.flows.get(kind="orders")
    client = world.client_for(world.owner)
    url = reverse("dashboard:flow_settings", args=[orders.pk])
    page = client.get(url)
    assert [s.key for s in page.context["sections"]] == ["orders", "customer_defaults"]
    data = {
        "orders-payment_statuses": "paid",
        "orders-order_statuses": "new",
        "orders-shipping_article_code": "VRACHT",
        "orders-vat_code_map": "21 = H21\n9 = L9",
        "customer_defaults-debtor_kind_company": "B",
        "customer_defaults-debtor_kind_person": "P",
        "customer_defaults-customer_number_start": "500",
        "customer_defaults-customer_number_end": "400",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    defaults_form = response.context["sections"][1].form
    assert "below" in str(defaults_form.non_field_errors())
    orders.refresh_from_db()
    assert orders.settings["shipping_article_code"] == "VRACHT"
    assert orders.settings["vat_code_map"] == {"21": "H21", "9": "L9"}
    data["customer_defaults-customer_number_end"] = "900"
    assert client.post(url, data).status_code == 302
    scene.integration.refresh_from_db()
    assert scene.integration.customer_defaults["customer_number_end"] == 900


def test_a_malformed_map_line_is_a_field_error(world, scene):
    orders = scene.integration.flows.get(kind="orders")
    response = world.client_for(world.owner).post(
        reverse("dashboard:flow_settings", args=[orders.pk]),
        {"orders-vat_code_map": "21 H21"},
    )
    assert response.status_code == 400
    assert "one pair per line" in str(response.context["sections"][0].form.errors["vat_code_map"])


def test_reset_cursor_makes_the_next_run_read_everything(world, scene):
    scene.products.cursor = {"articles": "2025-01-01T00:00:00"}
    scene.products.save()
    world.client_for(world.owner).post(
        reverse("dashboard:flow_reset_cursor", args=[scene.products.pk])
    )
    scene.products.refresh_from_db()
    assert scene.products.cursor == {}


def test_booking_orders_as_invoices_is_a_setting_that_names_what_it_needs(world, scene):
    orders = scene.integration.flows.get(kind="orders")
    client = world.client_for(world.owner)
    url = reverse("dashboard:flow_settings", args=[orders.pk])
    data = {"orders-payment_statuses": "paid", "orders-book_as": "salesinvoice"}
    response = client.post(url, data)
    assert response.status_code == 400
    assert "invoice_journal_id" in response.content.decode()
    data |= {
        "orders-invoice_journal_id": "VK",
        "orders-revenue_ledger_account_id": "8000",
        "orders-revenue_ledger_by_country": "be = 8100",
        "customer_defaults-customer_number_start": "10000",
        "customer_defaults-customer_number_end": "19999",
    }
    assert client.post(url, data).status_code == 302
    orders.refresh_from_db()
    assert orders.settings["book_as"] == "salesinvoice"
    assert orders.settings["revenue_ledger_by_country"] == {"BE": 8100}
