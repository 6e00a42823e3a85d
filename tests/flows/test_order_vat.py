"""VAT codes by destination and customer type, through the orders flow and the sandboxes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from connectors.asperion.sandbox import models as asperion_db
from connectors.feeddex.sandbox import services as feeddex_sandbox
from flows.models import Action, RecordLog
from mapping.vat import vat_number_looks_valid
from tests.flows.conftest import (
    Synced,
    article_codes,
    assert_completed,
    code_of,
    sales_orders,
    vat_code,
)

INTRA_EU = "Intracommunautaire levering (ICP)"  # the seed's descriptions, in every profile
EXPORT = "Export buiten de EU"


def order_to(
    shop: Synced, *, country: str, rate: int, company: str | None = None, vat: str | None = None
) -> Any:
    code = article_codes(shop, 1)[0]
    return feeddex_sandbox.order_place(
        account=shop.account,
        new_order=feeddex_sandbox.NewOrder(
            customer_data={
                "email": f"klant-{country.lower()}-{rate}@example.com",
                "lastName": "Klant",
                "companyName": company,
                "vatNumber": vat,
            },
            billing_address={
                "street": "Hauptstrasse",
                "houseNumber": "1",
                "postalCode": "10115",
                "city": "Stad",
                "countryCode": country,
            },
            lines=[
                {
                    "sku": code,
                    "name": code,
                    "quantity": 1,
                    "unitPrice": 100.0,
                    "priceIncludesVat": False,
                    "vatRate": rate,
                }
            ],
            shipping_cost={"amount": 0, "priceIncludesVat": False, "vatRate": rate},
        ),
        now=timezone.now(),
    )


def booked_codes(shop: Synced, order: Any) -> list[str]:
    booked = sales_orders(shop).get(reference=order.number)
    return list(booked.lines.values_list("vat_code", flat=True))


@pytest.fixture
def vat_shop(shop: Synced) -> Synced:
    asperion_db.VatCode.objects.create(
        administration=shop.administration,
        code="OBE21",
        description="OSS België 21%",
        percentage=Decimal(21),
        country_code="BE",
    )
    shop.configure(
        "orders",
        vat_code_intra_eu=code_of(shop, asperion_db.VatCode, INTRA_EU),
        vat_code_export=code_of(shop, asperion_db.VatCode, EXPORT),
        oss_registered=True,
        vat_oss_map={"BE:21": "OBE21"},
    )
    return shop


def test_each_kind_of_sale_gets_its_own_vat_code(vat_shop):
    dutch = order_to(vat_shop, country="NL", rate=21)
    belgian = order_to(vat_shop, country="BE", rate=21)
    german_business = order_to(vat_shop, country="DE", rate=0, company="GmbH", vat="DE123456789")
    american = order_to(vat_shop, country="US", rate=0)
    german_consumer = order_to(vat_shop, country="DE", rate=0)
    assert_completed(vat_shop.run("orders"))
    assert booked_codes(vat_shop, dutch) == [vat_code(vat_shop, "21")]
    assert booked_codes(vat_shop, belgian) == ["OBE21"]
    intra_eu = code_of(vat_shop, asperion_db.VatCode, INTRA_EU)
    assert booked_codes(vat_shop, german_business) == [intra_eu]
    assert booked_codes(vat_shop, american) == [code_of(vat_shop, asperion_db.VatCode, EXPORT)]
    assert booked_codes(vat_shop, german_consumer) == [vat_code(vat_shop, "0")]


def test_an_invalid_vat_number_is_a_consumer_sale_or_fails_by_setting(vat_shop):
    consumer = order_to(vat_shop, country="DE", rate=0, company="GmbH", vat="DE12")
    assert_completed(vat_shop.run("orders"))
    assert booked_codes(vat_shop, consumer) == [vat_code(vat_shop, "0")]
    vat_shop.configure("orders", vat_invalid_number="fail")
    failing = order_to(vat_shop, country="AT", rate=0, company="GmbH", vat="ATU1")
    run = vat_shop.run("orders")
    log = RecordLog.objects.get(run=run, key=str(failing.pk))
    assert log.action == Action.FAILED
    assert "ATU1 does not look valid for AT" in log.reason


def test_a_missing_code_fails_the_order_naming_the_setting(shop):
    order = order_to(shop, country="DE", rate=0, company="GmbH", vat="DE123456789")
    run = shop.run("orders")
    log = RecordLog.objects.get(run=run, key=str(order.pk))
    assert log.action == Action.FAILED
    assert "VAT code for intra-community supplies" in log.reason


@pytest.mark.parametrize(
    ("number", "country", "valid"),
    [
        ("NL123456789B01", "NL", True),
        ("nl 1234.56789.b01", "NL", True),
        ("DE123456789", "DE", True),
        ("EL123456789", "GR", True),
        ("BE0123456789", "BE", True),
        ("ATU12345678", "AT", True),
        ("DE12345678", "DE", False),
        ("NL123456789", "NL", False),
        ("FR123456789", "DE", False),
        ("", "DE", False),
    ],
)
def test_vat_number_formats_per_country(number, country, valid):
    assert vat_number_looks_valid(number, country) is valid
