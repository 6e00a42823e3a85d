"""Products follow their article: inactive goes inactive, one truth for the quantity, and
fields marked "only when creating" survive updates."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connectors.feeddex.sandbox import models as feeddex_db
from flows import services
from flows.models import Action, RecordLog
from tests.flows.conftest import Synced, assert_succeeded
from tests.flows.test_products_and_stock import an_article


def product_of(synced: Synced, sku: str) -> feeddex_db.Product:
    return feeddex_db.Product.objects.get(account=synced.account, sku=sku)


@pytest.mark.parametrize("deactivate", [True, False])
def test_an_article_made_inactive_makes_its_product_inactive(synced, deactivate):
    synced.configure("products", deactivate_inactive=deactivate)
    assert_succeeded(synced.run("products"))
    article = an_article(synced)
    assert product_of(synced, article.code).active
    article.active = False
    article.touch()
    article.save()
    assert_succeeded(synced.run("products"))
    assert product_of(synced, article.code).active is not deactivate


def stock_then_products(synced: Synced) -> None:
    assert_succeeded(synced.run("products"))
    assert_succeeded(synced.run("stock"))


@pytest.mark.parametrize("stock_flow_on", [True, False])
def test_the_stock_calculation_is_the_one_truth_for_the_quantity(synced, stock_flow_on):
    services.flow_set_enabled(flow=synced.flow("stock"), enabled=stock_flow_on)
    article = an_article(synced, reserved_stock__gt=0)
    current = int(article.current_stock)
    available = int(max(article.current_stock - article.reserved_stock, 0))
    assert current != available
    synced.configure("stock", stock_calculation="current")
    assert_succeeded(synced.run("products"))
    assert product_of(synced, article.code).quantity == current  # created with the same figure
    if stock_flow_on:
        assert_succeeded(synced.run("stock"))
    assert product_of(synced, article.code).quantity == current
    # Switch the setting: after both flows the shop shows the new figure, and a change of the
    # article (its products run) does not put the other figure back.
    synced.configure("stock", stock_calculation="available")
    article.description = "Een andere naam"
    article.touch()
    article.save()
    assert_succeeded(synced.run("products"))
    if stock_flow_on:
        assert_succeeded(synced.run("stock"))
    assert product_of(synced, article.code).quantity == available
    assert_succeeded(synced.run("products"))
    assert product_of(synced, article.code).quantity == available


def test_descriptions_enriched_in_feeddex_survive_while_the_price_updates(synced):
    assert_succeeded(synced.run("products"))
    article = an_article(synced)
    product = product_of(synced, article.code)
    product.long_description = "Verrijkt in Feeddex: met foto's en maattabel"
    product.save()
    article.extended_description = "Andere tekst in Asperion"
    article.sales_price = article.sales_price + Decimal("10.00")
    article.touch()
    article.save()
    old_price = product.price
    run = synced.run("products")
    assert run.updated == 1
    product.refresh_from_db()
    assert product.long_description == "Verrijkt in Feeddex: met foto's en maattabel"
    assert product.price > old_price


def test_a_product_whose_article_is_gone_is_set_inactive_after_a_full_read(synced):
    assert_succeeded(synced.run("products"))
    article = an_article(synced, salesorderline__isnull=True)
    code = article.code
    article.delete()
    assert_succeeded(synced.run("products"))  # a run from the cursor cannot tell
    assert product_of(synced, code).active
    services.flow_reset_cursor(flow=synced.flow("products"))
    run = synced.run("products")
    assert_succeeded(run)
    assert not product_of(synced, code).active
    log = RecordLog.objects.get(run=run, key=code)
    assert log.action == Action.UPDATED
    assert "gone from Asperion" in log.reason
    # Once: the next full read leaves it alone.
    services.flow_reset_cursor(flow=synced.flow("products"))
    again = synced.run("products")
    assert not RecordLog.objects.filter(run=again, key=code).exists()


def test_gone_products_left_when_the_slice_is_over_are_set_inactive_by_the_next(synced, settings):
    assert_succeeded(synced.run("products"))
    article = an_article(synced, salesorderline__isnull=True)
    code = article.code
    article.delete()
    services.flow_reset_cursor(flow=synced.flow("products"))
    # Every slice is over once it has done a record: the full read's last slice has no time
    # left for the shop call that sets the gone product inactive; the next slice makes it.
    settings.FLOW_SLICE_SECONDS = 0
    run = synced.run("products")
    assert_succeeded(run)
    assert not product_of(synced, code).active
    assert RecordLog.objects.get(run=run, key=code).action == Action.UPDATED
