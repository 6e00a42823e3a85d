"""The products and stock flows end to end against both sandboxes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from connectors.asperion.sandbox import models as asperion_db
from connectors.feeddex.sandbox import models as feeddex_db
from flows import services
from flows.models import Action, ApiCallLog, LedgerEntry, RecordLog
from flows.services import flow_reset_cursor
from tests.flows.conftest import Synced, assert_succeeded, shipping_code


def simple_active_codes(synced: Synced) -> set[str]:
    """The articles that become Feeddex products (not the shipping-cost article)."""
    articles = asperion_db.Article.objects.filter(
        administration=synced.administration, is_variant=False, active=True
    ).exclude(code=shipping_code(synced))
    return set(articles.values_list("code", flat=True))


def an_article(synced: Synced, **extra: Any) -> asperion_db.Article:
    article = (
        asperion_db.Article.objects.filter(
            administration=synced.administration, is_variant=False, active=True, **extra
        )
        .exclude(code=shipping_code(synced))
        .first()
    )
    assert article is not None
    return article


def feeddex_skus(synced: Synced) -> set[str]:
    products = feeddex_db.Product.objects.filter(account=synced.account)
    return set(products.values_list("sku", flat=True))


def test_products_flow_creates_simple_active_articles_and_explains_the_rest(synced):
    run = synced.run("products")
    assert_succeeded(run)
    expected = simple_active_codes(synced)
    assert expected  # the seed has simple active articles
    assert feeddex_skus(synced) >= expected
    assert run.created == len(expected)
    assert run.failed == 0
    shipping = RecordLog.objects.get(run=run, key=shipping_code(synced))
    assert shipping.action == Action.SKIPPED
    assert "shipping costs" in shipping.reason
    variants = RecordLog.objects.filter(run=run, reason__startswith="variant article")
    assert variants.exists()
    assert all(log.action == Action.SKIPPED for log in variants)
    log = RecordLog.objects.filter(run=run, action=Action.CREATED).first()
    assert log.source["sku"] == log.payload["sku"] == log.key
    assert log.response["id"]
    assert log.mapping_version == 1
    assert run.api_calls == ApiCallLog.objects.filter(run=run).count() > 0


def test_product_prices_follow_the_vat_setting(synced):
    synced.configure("products", price_includes_vat=False)
    synced.run("products")
    article = an_article(synced)
    product = feeddex_db.Product.objects.get(account=synced.account, sku=article.code)
    assert product.price_includes_vat is False
    assert Decimal(str(product.price)) == article.sales_price.quantize(Decimal("0.01"))


def test_a_second_run_writes_nothing(synced):
    assert_succeeded(synced.run("products"))
    flow_reset_cursor(flow=synced.flow("products"))  # read everything again
    again = synced.run("products")
    assert_succeeded(again)
    assert again.created == again.updated == 0
    assert again.read > 0
    writes = ApiCallLog.objects.filter(run=again, method__in=["POST", "PUT", "PATCH"])
    assert not writes.exists()


def test_unchanged_records_are_counted_not_mapped_or_logged_one_by_one(synced):
    first = synced.run("products")
    flow_reset_cursor(flow=synced.flow("products"))
    again = synced.run("products")
    written = first.created + first.updated
    assert again.unchanged == written > 0
    assert again.skipped == first.skipped + again.unchanged
    logged = RecordLog.objects.filter(run=again)
    assert logged.count() == again.read - again.unchanged  # only the ones skipped for a reason
    # The tenant who wants every record in the log can have it.
    synced.configure("products", log_unchanged=True)
    flow_reset_cursor(flow=synced.flow("products"))
    third = synced.run("products")
    assert RecordLog.objects.filter(run=third, reason__startswith="unchanged").count() == written


def test_a_setting_that_changes_the_payload_makes_unchanged_records_written_again(synced):
    first = synced.run("products")
    synced.configure("products", price_includes_vat=False)
    flow_reset_cursor(flow=synced.flow("products"))
    again = synced.run("products")
    assert again.unchanged == 0
    assert again.updated == first.created  # every price is sent again, excluding VAT


def test_a_changed_article_is_updated_by_its_known_id(synced):
    synced.run("products")
    article = an_article(synced)
    article.description = "Nieuwe naam van het artikel"
    article.touch()  # moves dateLastChange, as every write in Asperion does
    article.save()
    run = synced.run("products")
    assert run.updated == 1
    product = feeddex_db.Product.objects.get(account=synced.account, sku=article.code)
    assert product.name == "Nieuwe naam van het artikel"
    entry = LedgerEntry.objects.get(flow=synced.flow("products"), source_key=article.code)
    assert entry.target_id == str(product.pk)


def test_update_existing_off_never_overwrites_feeddex(synced):
    synced.run("products")
    article = an_article(synced)
    product = feeddex_db.Product.objects.get(account=synced.account, sku=article.code)
    product.name = "Verrijkt in Feeddex"
    product.save()
    synced.configure("products", update_existing=False)
    article.description = "Andere naam in Asperion"
    article.touch()
    article.save()
    run = synced.run("products")
    product.refresh_from_db()
    assert product.name == "Verrijkt in Feeddex"
    assert run.updated == 0
    assert RecordLog.objects.filter(run=run, key=article.code, action=Action.SKIPPED).exists()


def test_dry_run_writes_nothing_and_shows_what_would_change(synced):
    run = synced.run("products", trigger="dry_run")
    assert_succeeded(run)
    assert not feeddex_db.Product.objects.filter(account=synced.account).exists()
    created = RecordLog.objects.filter(run=run, action=Action.CREATED)
    assert created.exists()
    assert created.first().diff["sku"][0] is None
    assert not LedgerEntry.objects.exists()
    assert synced.flow("products").cursor == {}


def test_stock_is_sent_only_for_products_in_feeddex(synced):
    services.flow_set_enabled(flow=synced.flow("products"), enabled=True)
    before = synced.run("stock")
    assert before.updated == 0
    skipped = RecordLog.objects.filter(run=before, reason__startswith="no Feeddex product")
    assert skipped.count() == before.read > 0
    assert not ApiCallLog.objects.filter(run=before, method="POST").exists()
    # The products flow creates each product with its available stock already.
    synced.run("products")
    article = an_article(synced)
    product = feeddex_db.Product.objects.get(account=synced.account, sku=article.code)
    assert product.quantity == int(max(article.current_stock - article.reserved_stock, 0))


def test_stock_flow_sends_available_stock_and_only_changes(synced):
    synced.run("products")
    run = synced.run("stock")
    assert_succeeded(run)
    assert run.updated > 0
    article = an_article(synced, current_stock__gt=5)
    product = feeddex_db.Product.objects.get(account=synced.account, sku=article.code)
    available = int(max(article.current_stock - article.reserved_stock, 0))
    assert product.quantity == available
    article.current_stock += 7
    article.touch()
    article.save()
    second = synced.run("stock")
    assert second.updated == 1
    product.refresh_from_db()
    assert product.quantity == available + 7
    batches = ApiCallLog.objects.filter(run=run, path__icontains="stock", method="POST")
    assert batches.count() <= run.updated // 100 + 1


def test_stock_calculation_current_only(synced):
    synced.run("products")
    synced.configure("stock", stock_calculation="current")
    synced.run("stock")
    article = an_article(synced, reserved_stock__gt=0)
    assert article is not None
    product = feeddex_db.Product.objects.get(account=synced.account, sku=article.code)
    assert product.quantity == int(article.current_stock)


def test_stock_below_zero_is_sent_as_zero_unless_the_setting_sends_the_negative_figure(synced):
    synced.run("products")
    article = an_article(synced, current_stock__gt=0)
    article.reserved_stock = article.current_stock + 3
    article.touch()
    article.save()
    assert_succeeded(synced.run("stock"))
    product = feeddex_db.Product.objects.get(account=synced.account, sku=article.code)
    assert product.quantity == 0
    synced.configure("stock", negative_stock="send_negative")
    assert_succeeded(synced.run("stock"))
    product.refresh_from_db()
    assert product.quantity == -3
