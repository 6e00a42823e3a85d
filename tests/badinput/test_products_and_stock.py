"""Odd Asperion articles through the products and stock flows to the Feeddex sandbox."""

from __future__ import annotations

from connectors.asperion.sandbox import models as asperion_db
from connectors.feeddex.sandbox import models as feeddex_db
from flows.models import Action, RecordLog
from tests.badinput.conftest import EMOJI, HUGE, article, assert_each_ended_with_a_reason, soon
from tests.flows.conftest import assert_succeeded


def feeddex_product(synced, sku: str) -> feeddex_db.Product | None:
    return feeddex_db.Product.objects.filter(account=synced.account, sku=sku).first()


def test_odd_articles_fail_or_pass_one_by_one_and_the_run_goes_on(bare):
    odd = {
        "BAD-EAN-1": {"ean_code": "1234567890123"},  # wrong check digit
        "BAD-EAN-2": {"ean_code": "ABCDEFGHIJKLM"},
        "NEG-PRICE": {"sales_price": "-10.00"},
        "NO-NAME": {"description": ""},
        "HUGE-TEXT": {"extended_description": "x" * HUGE},
        "EMOJI-1": {"description": EMOJI[:100], "characteristic1": "🚲" * 50},
        "FRACTION": {"current_stock": "2.5", "reserved_stock": "0.75"},
        "NEGATIVE": {"current_stock": "-7", "reserved_stock": "3"},
        "MAX-PRICE": {"sales_price": "9999999999.9999"},
        "SPACE SKU/..%2F?": {},
    }
    for code, fields in odd.items():
        article(bare, code, **fields)
    article(bare, "GOOD-1")
    run = bare.run("products")
    logs = assert_each_ended_with_a_reason(run, [*odd, "GOOD-1"])
    assert logs["GOOD-1"].action == Action.CREATED
    assert feeddex_product(bare, "GOOD-1") is not None
    assert logs["BAD-EAN-1"].action == Action.FAILED
    assert "ean" in logs["BAD-EAN-1"].reason.lower()
    assert logs["BAD-EAN-2"].action == Action.FAILED
    assert logs["NEG-PRICE"].action == Action.FAILED
    assert "price" in logs["NEG-PRICE"].reason.lower()
    assert logs["NO-NAME"].action == Action.FAILED
    assert "name" in logs["NO-NAME"].reason.lower()
    # Text is taken as it is: all of it, and every character.
    emoji = feeddex_product(bare, "EMOJI-1")
    assert emoji is not None
    assert emoji.name == EMOJI[:100]
    huge = feeddex_product(bare, "HUGE-TEXT")
    assert huge is not None
    assert len(huge.long_description or "") == HUGE


def test_an_empty_article_code_fails_naming_the_sku(bare):
    article(bare, "")
    article(bare, "GOOD-2")
    run = bare.run("products")
    # A record without its key is logged under "?", with the field that is wrong.
    logs = assert_each_ended_with_a_reason(run, ["?", "GOOD-2"])
    assert logs["?"].action == Action.FAILED
    assert "sku" in logs["?"].reason.lower()
    assert logs["GOOD-2"].action == Action.CREATED


def product_logs(run) -> list[tuple[str, str, str]]:
    """(key, action, Asperion article id) of every product log of the run."""
    rows = RecordLog.objects.filter(run=run).exclude(key="VERZEND")
    return [(r.key, r.action, str((r.source or {}).get("source_id"))) for r in rows.order_by("id")]


def test_skus_that_differ_only_in_case_are_two_products(bare):
    first, second = article(bare, "CASE-1"), article(bare, "case-1")
    run = bare.run("products")
    assert_each_ended_with_a_reason(run, ["CASE-1", "case-1"])
    assert sorted(product_logs(run)) == sorted(
        [("CASE-1", "created", str(first.pk)), ("case-1", "created", str(second.pk))]
    )


def test_articles_whose_codes_differ_only_in_spaces_are_each_logged(bare):
    articles = [article(bare, code) for code in ("DUP-2", "DUP-2 ", " DUP-2")]
    run = bare.run("products")
    assert_each_ended_with_a_reason(run, ["DUP-2"])
    logged = product_logs(run)
    assert sorted(source for _key, _action, source in logged) == sorted(str(a.pk) for a in articles)
    assert feeddex_db.Product.objects.filter(account=bare.account, sku="DUP-2").count() == 1


def test_a_second_article_with_the_same_sku_fails_instead_of_overwriting(bare):
    first = article(bare, "DUP-3", description="Eerste")
    article(bare, "DUP-3 ", description="Tweede")
    run = bare.run("products")
    actions = [action for key, action, _source in product_logs(run) if key == "DUP-3"]
    assert actions == ["created", "failed"]
    product = feeddex_db.Product.objects.get(account=bare.account, sku="DUP-3")
    assert product.name == first.description


def test_an_article_of_a_later_run_cannot_take_the_sku_of_another(bare):
    first = article(bare, "DUP-4", description="Eerste")
    assert_succeeded(bare.run("products"))
    second = article(bare, " DUP-4", description="Tweede")
    run = bare.run("products")
    assert ("DUP-4", "failed", str(second.pk)) in product_logs(run)
    reason = RecordLog.objects.get(run=run, key="DUP-4", action=Action.FAILED).reason
    assert f"id {first.pk}" in reason
    product = feeddex_db.Product.objects.get(account=bare.account, sku="DUP-4")
    assert product.name == "Eerste"
    # The first article itself stays the product's owner: its changes still go through.
    asperion_db.Article.objects.filter(pk=first.pk).update(
        description="Eerste!", date_last_change=soon()
    )
    run = bare.run("products")
    assert ("DUP-4", "updated", str(first.pk)) in product_logs(run)
    product.refresh_from_db()
    assert product.name == "Eerste!"


def set_stock(bare, code: str, current: str, reserved: str = "0") -> None:
    asperion_db.Article.objects.filter(administration=bare.administration, code=code).update(
        current_stock=current, reserved_stock=reserved, date_last_change=soon()
    )


def quantities(bare, codes) -> dict[str, int]:
    products = feeddex_db.Product.objects.filter(account=bare.account, sku__in=codes)
    return dict(products.values_list("sku", "quantity"))


def test_odd_stock_figures_become_whole_quantities_never_below_zero(bare):
    odd = {
        "STOCK-FRACTION": ("2.5", "0"),
        "STOCK-NEGATIVE": ("-7", "3"),
        "STOCK-RESERVED": ("1", "4.5"),
        "STOCK-TINY": ("0.001", "0"),
    }
    for code in [*odd, "STOCK-GOOD"]:
        article(bare, code)
    assert_succeeded(bare.run("products"))
    for code, (current, reserved) in odd.items():
        set_stock(bare, code, current, reserved)
    set_stock(bare, "STOCK-GOOD", "12")
    run = bare.run("stock")
    assert_each_ended_with_a_reason(run, [*odd, "STOCK-GOOD"])
    assert quantities(bare, [*odd, "STOCK-GOOD"]) == {
        "STOCK-FRACTION": 2,  # whole units only: a half is not yet for sale
        "STOCK-NEGATIVE": 0,
        "STOCK-RESERVED": 0,
        "STOCK-TINY": 0,
        "STOCK-GOOD": 12,
    }


def test_one_refused_quantity_fails_alone_and_the_rest_of_the_batch_gets_its_stock(bare):
    for code in ("STOCK-HUGE", "STOCK-OK-1", "STOCK-OK-2"):
        article(bare, code)
    assert_succeeded(bare.run("products"))
    set_stock(bare, "STOCK-HUGE", "99999999999")
    set_stock(bare, "STOCK-OK-1", "11")
    set_stock(bare, "STOCK-OK-2", "22")
    run = bare.run("stock")
    logs = assert_each_ended_with_a_reason(run, ["STOCK-HUGE", "STOCK-OK-1", "STOCK-OK-2"])
    assert logs["STOCK-HUGE"].action == Action.FAILED
    assert "quantity" in logs["STOCK-HUGE"].reason
    assert quantities(bare, ["STOCK-OK-1", "STOCK-OK-2"]) == {"STOCK-OK-1": 11, "STOCK-OK-2": 22}
