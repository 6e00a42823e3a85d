"""Masking personal data in stored payloads, and the tenant switch the engine reads."""

from __future__ import annotations

from typing import Any

import pytest

from flows.masking import mask_personal_data, mask_text, should_mask
from monitoring.services import monitoring_settings_update

CUSTOMER = {
    "source_id": "D-1001",
    "customer_number": "1001",
    "email": "jan.jansen@example.nl",
    "first_name": "Jan",
    "last_name": "Jansen",
    "company_name": "Jansen Fietsen",
    "phone": "+31 20 123 4578",
    "vat_number": "NL001234567B01",
    "is_company": True,
    "billing": {
        "street": "Keizersgracht",
        "house_number": "123",
        "addition": "A",
        "postcode": "1015 CJ",
        "city": "Amsterdam",
        "country": "NL",
    },
    "shipping": None,
}


def test_a_customer_keeps_its_shape_but_not_its_personal_data() -> None:
    masked = mask_personal_data(CUSTOMER)

    assert masked["email"] == "j***@example.nl"
    assert (masked["first_name"], masked["last_name"]) == ("J***", "J***")
    assert masked["company_name"] == "J***"
    assert masked["phone"] == "***78"
    assert masked["billing"] == {
        "street": "K***",
        "house_number": "1***",
        "addition": "A***",
        "postcode": "1***",
        "city": "A***",
        "country": "N***",
    }
    # Not personal: identifiers, tax numbers, flags, and what is empty.
    for kept in ("source_id", "customer_number", "vat_number", "is_company", "shipping"):
        assert masked[kept] == CUSTOMER[kept]
    assert CUSTOMER["email"] == "jan.jansen@example.nl"  # a copy: the input is untouched


def test_an_order_masks_its_customer_and_keeps_its_lines() -> None:
    order = {
        "number": "F-2024-0042",
        "customer": {"email": "eva@example.dk", "name": "Eva Holm", "phone": "12345678"},
        "address": "Nørregade 7, 1165 København",
        "lines": [{"sku": "BIKE-1", "name": "City bike", "quantity": 1}],
        "note": "Please call eva@example.dk before delivery",
    }

    masked = mask_personal_data(order)

    assert masked["number"] == "F-2024-0042"
    assert masked["customer"] == {"email": "e***@example.dk", "name": "E***", "phone": "***78"}
    assert masked["address"] == "N***"
    assert masked["lines"] == order["lines"]  # a product's name is not personal
    assert masked["note"] == "Please call e***@example.dk before delivery"


def test_a_product_is_not_touched() -> None:
    product = {
        "sku": "BIKE-1",
        "name": "City bike",
        "price": 499.0,
        "attributes": {"Colour": "red"},
    }
    assert mask_personal_data(product) == product


def test_emails_in_free_text_are_masked() -> None:
    assert mask_text("to a.b@shop.example and c@d.io") == "to a***@shop.example and c***@d.io"
    assert mask_personal_data(["x@y.org", 3, None]) == ["x***@y.org", 3, None]


@pytest.mark.django_db
def test_the_engine_asks_the_tenant_and_a_change_is_seen_at_once(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    assert should_mask(world.tenant.pk) is False
    with django_capture_on_commit_callbacks(execute=True):
        monitoring_settings_update(tenant=world.tenant, data={"mask_personal_data": True})
    assert should_mask(world.tenant.pk) is True
    assert should_mask(world.other_tenant.pk) is False


@pytest.mark.django_db
def test_the_answer_is_cached(world: Any, django_assert_num_queries: Any) -> None:
    should_mask(world.tenant.pk)
    with django_assert_num_queries(0):
        assert should_mask(world.tenant.pk) is False
