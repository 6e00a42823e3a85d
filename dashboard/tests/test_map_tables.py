"""The flow settings page over real HTTP against the sandboxes: VAT codes, OSS codes, payment
terms and payment methods are tables, one row per shop value, each with a select filled from
Asperion's own list; what a browser without JavaScript posts is saved as the same dict."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from connectors.asperion.sandbox import models as asperion_db
from connectors.services import connection_test
from dashboard.tests.form_html import form_data
from tests.flows.conftest import Synced, synced  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db(transaction=True)


def settings_page(company: Synced) -> tuple[Client, str]:
    for connection in (company.integration.accounting, company.integration.shop):
        assert connection_test(connection=connection) is None
    client = Client()
    client.force_login(company.owner)
    return client, reverse("dashboard:flow_settings", args=[company.flow("orders").pk])


def row_of(data: dict[str, str], name: str, key: str) -> str:
    """The index of the row whose shop value is `key`."""
    for field, value in data.items():
        if field.startswith(f"orders-{name}-key-") and value == key:
            return field.rsplit("-", 1)[1]
    raise AssertionError(f"no row {key!r} in {name}")


def test_the_flow_settings_page_maps_shop_values_with_selects_of_asperions_lists(
    synced: Synced,  # noqa: F811
):
    client, url = settings_page(synced)
    admin = synced.administration
    fourteen = asperion_db.PaymentCondition.objects.get(administration=admin, days=14).pk
    thirty = asperion_db.PaymentCondition.objects.get(administration=admin, days=30).pk

    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert '<table class="map-table stack-table" id="id_orders-vat_code_map"' in html
    assert '<option value="VH" selected>VH – Btw hoog 21% (21%)</option>' in html
    assert 'value="IH"' not in html  # a purchase code is no choice for sales
    assert '<option value="IDEAL" selected>IDEAL – iDEAL</option>' in html
    # Payment terms: a row per payment condition's days, none mapped yet.
    assert "14 days" in html
    assert "60 days" in html
    assert f'<option value="{fourteen}">{fourteen} – 14 dagen netto</option>' in html

    data = form_data(html, containing="orders-vat_code_map-key-0")
    assert data["orders-vat_code_map-value-" + row_of(data, "vat_code_map", "21")] == "VH"
    # Choose conditions for 14 and (in the empty row) 45 days; leave iDEAL on bank transfer.
    new_term = max(int(k.rsplit("-", 1)[1]) for k in data if "payment_term_map-key-" in k)
    data |= {
        f"orders-payment_term_map-value-{row_of(data, 'payment_term_map', '14')}": str(fourteen),
        f"orders-payment_term_map-key-{new_term}": "45",
        f"orders-payment_term_map-value-{new_term}": str(thirty),
        f"orders-payment_method_map-value-{row_of(data, 'payment_method_map', 'ideal')}": "BANK",
    }
    saved = client.post(url, data)
    assert saved.status_code == 302, saved.content.decode()[:3000]
    settings = synced.flow("orders").settings
    assert settings["payment_term_map"] == {"14": fourteen, "45": thirty}
    assert settings["payment_method_map"]["ideal"] == "BANK"
    assert settings["payment_method_map"]["creditcard"] == "CC"
    assert settings["vat_code_map"] == {"21": "VH", "9": "VL", "0": "V0"}

    # The new row is a row of its own now; an unknown code is refused at its field, naming
    # it, and nothing chosen in the same post is lost.
    html = client.get(url).content.decode()
    assert "45 days" in html
    data = form_data(html, containing="orders-vat_code_map-key-0")
    data |= {
        f"orders-vat_code_map-value-{row_of(data, 'vat_code_map', '9')}": "XX",
        f"orders-payment_method_map-value-{row_of(data, 'payment_method_map', 'paypal')}": "CC",
    }
    refused = client.post(url, data)
    assert refused.status_code == 400
    errors = refused.context["sections"][0].form.errors
    assert "“XX”" in str(errors["vat_code_map"]), errors
    body = refused.content.decode()
    assert '<option value="XX" selected>XX (not in Asperion&#x27;s list)</option>' in body
    paypal = row_of(data, "payment_method_map", "paypal")
    assert f'name="orders-payment_method_map-value-{paypal}"' in body
    assert (
        form_data(body, containing="orders-vat_code_map-key-0")[
            f"orders-payment_method_map-value-{paypal}"
        ]
        == "CC"
    )
    after = synced.flow("orders").settings
    assert after["vat_code_map"]["9"] == "VL"
    assert after["payment_method_map"]["paypal"] == "PAYPAL"
