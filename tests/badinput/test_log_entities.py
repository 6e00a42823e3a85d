"""Every flow logs its records under the one name the activity log gives them."""

from __future__ import annotations

from connectors.feeddex.sandbox import models as feeddex_db
from flows.models import Action, RecordLog
from flows.registry import FLOWS
from tests.badinput.conftest import article, debtor
from tests.flows.conftest import article_codes, place


def test_every_flow_kind_has_its_log_names():
    assert all(definition.log_entities for definition in FLOWS.values())


def test_every_flow_logs_its_records_under_its_own_singular_name(shop):
    # Good records and ones that fail in each way (unreadable, refused, skipped).
    article(shop, "")  # no SKU: unreadable
    article(shop, "ENTITY-NEG", sales_price="-1")  # refused by the mapping
    debtor(shop, "40001", email_address=None)  # skipped: no email
    place(shop, email="entiteit@example.nl", skus=article_codes(shop, 1))
    unit = feeddex_db.Unit.objects.filter(account=shop.account).first()
    shop.configure("review_invitations", unit_id=unit.pk)
    for kind in ("products", "stock", "customers", "orders", "review_invitations"):
        run = shop.run(kind)
        logged = set(RecordLog.objects.filter(run=run).values_list("entity", flat=True))
        assert logged, f"{kind} logged nothing"
        assert logged <= set(FLOWS[kind].log_entities), f"{kind} logged {sorted(logged)}"
    products = RecordLog.objects.filter(flow=shop.flow("products"))
    assert products.filter(key="?", action=Action.FAILED, entity="product").exists()
    assert products.filter(key="ENTITY-NEG", action=Action.FAILED, entity="product").exists()
