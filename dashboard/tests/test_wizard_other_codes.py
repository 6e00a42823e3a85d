"""A company on an ordinary administration whose codes are not the demo's: the wizard
proposes every setting that names something from the administration's own lists, refuses
to go live while one does not resolve, and the orders are booked with nothing edited after."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from connectors.asperion.sandbox import models as asperion_db
from connectors.feeddex.sandbox import models as feeddex_db
from dashboard.tests.form_html import form_data
from dashboard.tests.sandboxes import unthrottled_connections
from dashboard.tests.test_wizard import sandboxes, step_url  # noqa: F401 - a fixture
from flows import services
from flows.models import Integration, RecordLog
from tests.flows.conftest import (
    UNKNOWN_FIELDS,
    Synced,
    article_codes,
    assert_succeeded,
    place,
    sales_orders,
)
from tests.flows.order_totals import random_order
from tests.flows.test_order_amounts import place_generated
from tests.worker import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def grow_answers(tenant: Any) -> None:
    for admin in asperion_db.Administration.objects.filter(owner__tenant=tenant):
        admin.knobs = {**(admin.knobs or {}), "unknown_fields": True}
        admin.save(update_fields=["knobs"])
    for account in feeddex_db.Account.objects.filter(tenant=tenant):
        account.knobs = {**(account.knobs or {}), "unknown_fields": True}
        account.save(update_fields=["knobs"])


FLOWS = ["products", "stock", "customers", "orders", "review_invitations"]


def settings_data(client: Any, **changes: Any) -> dict[str, Any]:
    """The settings step's form as proposed (what pressing "continue" sends), with changes."""
    page = client.get(step_url("settings")).content.decode()
    return form_data(page, containing="orders-vat_code_map-key-0", changes=changes)


def test_a_company_on_other_codes_goes_live_from_the_wizard_and_books_80_orders(
    world,
    sandboxes,  # noqa: F811
):
    client = world.client_for(world.owner)
    client.post(reverse("dashboard:wizard_sandbox"), {"profile": "other"})
    unthrottled_connections()
    if UNKNOWN_FIELDS:  # TEST_UNKNOWN_FIELDS=1: answers full of fields no contract lists
        grow_answers(world.tenant)
    client.post(reverse("dashboard:wizard_apps_done"))
    integration = Integration.objects.get(tenant=world.tenant)
    admin = asperion_db.Administration.objects.get(
        pk=integration.accounting.config["administration_id"]
    )
    assert not asperion_db.Article.objects.filter(administration=admin, code="VERZEND").exists()

    # Proposed from the administration's own lists: VAT by percentage, kinds by meaning.
    defaults = integration.customer_defaults
    assert (defaults["debtor_kind_company"], defaults["debtor_kind_person"]) == ("BED", "PRI")
    client.post(reverse("dashboard:wizard_flows"), {"flows": FLOWS})
    orders = integration.flows.get(kind="orders")
    assert orders.settings["vat_code_map"] == {"21": "H", "9": "L", "0": "0"}
    assert orders.settings["payment_method_map"]["ideal"] == "IDL"
    assert orders.settings["payment_method_map"]["banktransfer"] == "OVB"
    assert orders.settings["shipping_article_code"] == ""  # none to find: offered below

    # The wizard offers the shipping-cost article and the rounding article (the
    # administration has neither); the review unit (two to choose from) is asked: going
    # live without it is refused, naming the setting.
    page = client.get(step_url("settings"))
    assert page.context["offer_shipping_article"]
    assert page.context["offer_rounding_article"]
    client.post(reverse("dashboard:wizard_shipping_article"))
    assert asperion_db.Article.objects.filter(administration=admin, code="VERZENDKOSTEN").exists()
    client.post(reverse("dashboard:wizard_rounding_article"))
    rounding = asperion_db.Article.objects.get(administration=admin, code="AFRONDING")
    assert rounding.sales_type.vat_code.code == "0"  # the line is booked at 0 %
    page = client.get(step_url("settings"))
    assert not page.context["offer_rounding_article"]
    assert '<option value="AFRONDING" selected>' in page.content.decode()
    response = client.post(reverse("dashboard:wizard_settings"), settings_data(client))
    assert response.status_code == 302, [s.form.errors for s in response.context["sections"]]
    client.post(reverse("dashboard:wizard_mapping_done"))
    client.post(reverse("dashboard:wizard_dry_run_done"))
    refused = client.post(reverse("dashboard:wizard_go_live"))
    assert refused.status_code == 400
    assert [(p["name"], p["section"]) for p in refused.context["problems"]] == [
        ("unit_id", "Review invitations")
    ]
    integration.refresh_from_db()
    assert not integration.live

    unit = feeddex_db.Unit.objects.filter(
        account__organization=integration.shop.config["organization"]
    ).first()
    chosen = settings_data(client, **{"review_invitations-unit_id": str(unit.pk)})
    assert client.post(reverse("dashboard:wizard_settings"), chosen).status_code == 302
    client.post(reverse("dashboard:wizard_mapping_done"))
    client.post(reverse("dashboard:wizard_dry_run_done"))
    assert client.post(reverse("dashboard:wizard_go_live")).status_code == 302
    integration.refresh_from_db()
    assert integration.live

    # From here on nothing is edited: all five flows run, then 80 paid orders are booked.
    company = Synced(tenant=world.tenant, owner=world.owner, integration=integration)
    for kind in ("products", "stock", "customers", "review_invitations"):
        run = company.run(kind)
        assert_succeeded(run)
        assert not RecordLog.objects.filter(run=run, action="failed").exists(), kind
    returning = list(
        asperion_db.Debtor.objects.filter(administration=admin)
        .filter(blocked=False)  # Asperion refuses orders of a blocked debtor
        .exclude(email_address=None)
        .exclude(email_address="")
        .values_list("email_address", flat=True)[:10]
    )
    skus = article_codes(company, 4)
    placed = []
    for n in range(50):
        # Half returning customers (debtors Asperion has, and the shop's repeat buyers).
        email = returning[n % len(returning)] if n % 2 else f"koper{n % 20}@example.nl"
        business = "Inkoop BV" if n % 5 == 0 else None
        placed.append(place(company, email=email, skus=skus[: 1 + n % 4], company=business))
    # And 30 generated ones (mixed rates, discounts, shipping, prices incl. and excl. VAT),
    # some of which Asperion's per-line VAT leaves a cent off the shop's total.
    rng = random.Random(17)
    placed += [place_generated(company, random_order(rng, n), skus) for n in range(30)]
    # The orders flow is live: the poll after its webhook subscription, and the shop's
    # webhooks, may have booked some already.
    orders_runs = integration.flows.get(kind="orders").runs

    def none_busy() -> bool:
        for queued in orders_runs.filter(status="queued"):
            while services.run_execute(queued.pk) == "continued":
                pass
        return not orders_runs.filter(status__in=["queued", "running"]).exists()

    assert wait_until(none_busy, 600)  # a webhook's run may be at work in the live server
    assert_succeeded(company.run("orders"))
    runs = integration.flows.get(kind="orders").runs.all()
    failures = list(
        RecordLog.objects.filter(run__in=runs, action="failed").values_list("key", "reason")
    )
    # With the rounding article the wizard created, an order that Asperion's per-line VAT
    # leaves a cent off gets a rounding line: every order is booked, to the cent.
    assert failures == []
    booked = sales_orders(company).filter(reference__in=[order.number for order in placed])
    assert booked.count() == 80
    totals = dict(booked.values_list("reference", "amount_incl_vat"))
    assert {o.number: Decimal(str(o.totals["inclVat"])) for o in placed} == totals
    assert booked.filter(lines__article__code="AFRONDING").exists()
    codes = set(
        asperion_db.SalesOrderLine.objects.filter(order__in=booked).values_list(
            "article__code", "vat_code"
        )
    )
    assert ("VERZENDKOSTEN", "H") in codes
    kinds = set(
        asperion_db.Debtor.objects.filter(
            administration=admin, email_address__startswith="koper"
        ).values_list("debtor_kind__code", flat=True)
    )
    assert kinds <= {"PRI", "BED"}
    assert "PRI" in kinds
