"""Read tolerant, write strict: answers that carry fields (and kinds) no contract lists fail
no record, and no write sends what the last read happened to return."""

from __future__ import annotations

import pytest

from connectors.asperion.sandbox import models as asperion_db
from connectors.feeddex.sandbox import models as feeddex_db
from connectors.registry import connector_class
from flows.models import RecordLog
from tests.flows.conftest import Synced, article_codes, assert_succeeded, place, sales_orders
from tests.flows.test_customers_and_invitations import paid_and_unpaid


@pytest.fixture
def growing(shop: Synced) -> Synced:
    """Both sandboxes answer with unknown fields everywhere."""
    shop.set_knobs(unknown_fields=True)
    return shop


def failures(run) -> list[str]:
    return list(RecordLog.objects.filter(run=run, action="failed").values_list("reason", flat=True))


def test_the_sandboxes_add_unknown_fields_top_level_nested_and_in_lists(growing):
    accounting = connector_class("asperion")(growing.integration.accounting)
    raw = accounting.lookup("articles", article_codes(growing, 1)[0])
    assert raw["xSandboxRevision"]
    assert raw["xSandboxExtension"]["depth"]["level"] == 2
    assert raw["_meta"]["xSandboxTags"][0]["tag"] == "unlisted"
    assert raw["unit"] == "krat"
    shop = connector_class("feeddex")(growing.integration.shop)
    order = place(growing, email="kijk@example.nl", skus=article_codes(growing, 1))
    answer = shop.lookup("orders", str(order.pk))
    assert answer["customer"]["xSandboxRevision"]
    assert answer["lines"][0]["xSandboxTags"][1]["tag"] == "growing"


def test_returning_customers_orders_are_booked_with_only_the_contracts_fields(growing):
    skus = article_codes(growing, 2)
    admin = growing.administration
    returning = (
        asperion_db.Debtor.objects.filter(administration=admin)
        .filter(blocked=False)  # Asperion refuses orders of a blocked debtor
        .exclude(email_address=None)
        .exclude(email_address="")
    )
    emails = [d.email_address for d in returning[:3]]
    for email in emails:
        place(growing, email=email, skus=skus)
    place(growing, email="nieuw@example.nl", skus=skus)
    place(growing, email="inkoop@bedrijf.example", skus=skus, company="Bedrijf BV")
    run = growing.run("orders")
    assert failures(run) == []
    assert_succeeded(run)
    assert run.created == 5
    assert sales_orders(growing).count() == 5
    # The returning customers' debtors were updated from the order, and only with known fields.
    for email in emails:
        debtor = asperion_db.Debtor.objects.get(administration=admin, email_address=email)
        assert debtor.address.startswith("Keizersgracht 123")
    # A returning customer again: booked on the same debtor.
    place(growing, email=emails[0], skus=skus)
    again = growing.run("orders")
    assert failures(again) == []
    assert_succeeded(again)
    assert again.created == 1


def test_products_stock_customers_and_invitations_run_clean(growing):
    for kind in ("products", "stock", "customers"):
        run = growing.run(kind)
        assert failures(run) == [], kind
        assert_succeeded(run)
    paid_and_unpaid(growing)
    unit = feeddex_db.Unit.objects.filter(account=growing.account).first()
    growing.configure("review_invitations", unit_id=unit.pk)
    run = growing.run("review_invitations")
    assert failures(run) == []
    assert_succeeded(run)
    assert run.created > 0
    # A second products run after a change updates the product it read back.
    article = asperion_db.Article.objects.filter(
        administration=growing.administration, code=article_codes(growing, 1)[0]
    ).get()
    article.description = "Nieuwe naam"
    article.touch()
    article.save()
    again = growing.run("products")
    assert failures(again) == []
    assert_succeeded(again)
    assert again.updated == 1
