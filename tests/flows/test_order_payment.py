"""Payment terms and methods default to Asperion's own conditions and methods."""

from __future__ import annotations

from connectors.asperion.sandbox import models as asperion_db
from tests.flows.conftest import article_codes, assert_succeeded, code_of, place, sales_orders


def test_a_payment_term_goes_to_the_condition_with_the_same_days(shop):
    assert shop.flow("orders").settings.get("payment_term_map", {}) == {}
    order = place(
        shop,
        email="rekening@example.nl",
        skus=article_codes(shop, 1),
        payment_method="invoice",
        payment_term_days=14,
    )
    assert_succeeded(shop.run("orders"))
    booked = sales_orders(shop).get(reference=order.number)
    assert booked.payment_condition.days == 14


def test_a_method_id_asperion_lacks_goes_to_its_method_with_the_same_meaning(shop):
    shop.configure("orders", payment_method_map={"ideal": "IDEAL-OUD"})
    order = place(shop, email="ideal@example.nl", skus=article_codes(shop, 1))
    assert_succeeded(shop.run("orders"))
    ideal = code_of(shop, asperion_db.PaymentMethod, "iDEAL")
    assert sales_orders(shop).get(reference=order.number).payment_method.code == ideal
