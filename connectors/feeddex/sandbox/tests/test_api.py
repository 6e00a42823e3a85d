"""Every path of the contract, its success and its error answers, over real HTTP; every
exchange is checked against the contract by the `api` client (see conftest)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.feeddex.sandbox import seed, services
from connectors.feeddex.sandbox.models import Order, Product
from connectors.sandboxkit.knobs import Knobs

from .conftest import Api, live_db, make_account

PRODUCT = {"sku": "FIETS-001", "name": "Omafiets", "price": 649.0, "ean": "4006381333931"}
ADDRESS = {
    "street": "Keizersgracht", "houseNumber": "123", "houseNumberAddition": "A",
    "postalCode": "1015 CJ", "city": "Amsterdam", "countryCode": "NL",
}  # fmt: skip
CUSTOMER = {"email": "Jan.Jansen@example.nl", "firstName": "Jan", "lastName": "Jansen",
            "billingAddress": ADDRESS}  # fmt: skip

pytestmark = live_db


def create_product(api: Api, **changes) -> dict[str, Any]:
    exchange = api.call("POST", "/v1/products", json_body={**PRODUCT, **changes})
    assert exchange.status == 201, exchange.response.text
    created: dict[str, Any] = exchange.json()
    return created


# ---- authenticate --------------------------------------------------------------------------


def test_authenticate_gives_a_token_with_its_lifetime(api, account):
    body = {"authCode": "auth-code-for-tests", "organization": account.organization,
            "password": "password-for-tests-0001"}  # fmt: skip
    exchange = api.call("POST", "/authenticate", json_body=body, token=None)
    assert exchange.status == 200
    assert exchange.json()["expiresIn"] == 3600
    assert api.call("GET", "/v1/units", token=exchange.json()["token"]).status == 200


def test_authenticate_refuses_wrong_credentials(api, account):
    for organization, password in [(account.organization, "wrong"), ("nobody", "x")]:
        body = {"authCode": "auth-code-for-tests", "organization": organization,
                "password": password}  # fmt: skip
        exchange = api.call("POST", "/authenticate", json_body=body, token=None)
        assert exchange.status == 401
        assert exchange.json()["message"]


def test_authenticate_answers_a_bad_body_with_401(api):
    exchange = api.call(
        "POST", "/authenticate", json_body={"organization": 5}, token=None, valid_request=False
    )
    assert exchange.status == 401
    assert "authCode" in exchange.json()["errors"]


def test_requests_without_a_valid_token_get_401(api):
    assert api.call("GET", "/v1/products", token=None, valid_request=False).status == 401
    unknown = api.call("GET", "/v1/products", token="not-a-token")
    assert unknown.status == 401
    assert unknown.json()["message"] == "unknown token"


def test_an_expired_token_gets_401_until_authenticating_again(live_server, transactional_db):
    account = make_account(Knobs(rate_per_second=0, token_lifetime_seconds=60))
    api = Api(live_server.url)
    token = api.login(account.organization)
    assert api.call("GET", "/v1/units").status == 200
    # A minute later by the sandbox's clock (moved on, not waited for).
    account.knobs = Knobs(
        rate_per_second=0, token_lifetime_seconds=60, clock_offset_seconds=61
    ).dump()
    account.save(update_fields=["knobs"])
    expired = api.call("GET", "/v1/units")
    assert expired.status == 401
    assert "expired" in expired.json()["message"]
    assert api.login(account.organization) != token
    assert api.call("GET", "/v1/units").status == 200


# ---- units and products --------------------------------------------------------------------


def test_units_are_listed(api):
    page = api.call("GET", "/v1/units").json()
    assert [u["name"] for u in page["items"]] == ["Webwinkel", "Winkel Utrecht"]
    assert (page["page"], page["total"], page["nextPage"]) == (1, 2, None)


def test_a_product_is_created_with_the_contract_defaults(api):
    product = create_product(api)
    assert product["type"] == "simple"
    assert product["vatRate"] == 21
    assert product["currency"] == "EUR"
    assert product["priceIncludesVat"] is True
    assert product["manageStock"] is True
    assert product["quantity"] == 0
    assert product["createdAt"].endswith("Z")
    assert len(product["createdAt"]) == len("2024-05-02T08:00:00.000Z")
    fetched = api.call("GET", f"/v1/products/{product['id']}", template="/v1/products/{id}")
    assert fetched.json() == product


def test_a_duplicate_sku_gets_409(api):
    create_product(api)
    exchange = api.call("POST", "/v1/products", json_body=PRODUCT)
    assert exchange.status == 409
    assert "sku" in exchange.json()["errors"]


def test_variant_and_configurable_products_get_422(api):
    for kind in ("variant", "configurable"):
        exchange = api.call("POST", "/v1/products", json_body={**PRODUCT, "type": kind})
        assert exchange.status == 422
        assert kind in exchange.json()["message"]


def test_a_bad_ean_check_digit_gets_400(api):
    exchange = api.call("POST", "/v1/products", json_body={**PRODUCT, "ean": "4006381333932"})
    assert exchange.status == 400
    assert exchange.json()["errors"] == {"ean": ["the check digit is wrong"]}


def test_an_invalid_product_gets_400_naming_each_field(api):
    body = {"sku": "X", "price": -1, "vatRate": 7, "currency": "eur"}
    exchange = api.call("POST", "/v1/products", json_body=body, valid_request=False)
    assert exchange.status == 400
    assert set(exchange.json()["errors"]) == {"name", "price", "vatRate", "currency"}


def test_put_changes_the_given_fields_and_keeps_the_others(api):
    product = create_product(api, quantity=7)
    time.sleep(0.01)
    body = {"sku": "FIETS-001", "name": "Omafiets 28 inch", "price": 599.5}
    exchange = api.call(
        "PUT", f"/v1/products/{product['id']}", template="/v1/products/{id}", json_body=body
    )
    assert exchange.status == 200
    updated = exchange.json()
    assert (updated["name"], updated["price"], updated["quantity"]) == (
        "Omafiets 28 inch",
        599.5,
        7,
    )
    assert updated["updatedAt"] > product["updatedAt"]


def test_put_errors_conflict_unsupported_and_not_found(api):
    first = create_product(api)
    create_product(api, sku="FIETS-002", ean=None)
    path, template = f"/v1/products/{first['id']}", "/v1/products/{id}"
    conflict = api.call("PUT", path, template=template, json_body={**PRODUCT, "sku": "FIETS-002"})
    assert conflict.status == 409
    variant = api.call("PUT", path, template=template, json_body={**PRODUCT, "type": "variant"})
    assert variant.status == 422
    invalid = api.call("PUT", path, template=template, json_body={**PRODUCT, "ean": "123"})
    assert invalid.status == 400
    missing = api.call("PUT", "/v1/products/999999", template=template, json_body=PRODUCT)
    assert missing.status == 404


def test_another_organizations_product_answers_404(api, other_api):
    product = create_product(api)
    template = "/v1/products/{id}"
    assert other_api.call("GET", f"/v1/products/{product['id']}", template=template).status == 404
    listed = other_api.call("GET", "/v1/products").json()
    assert listed["total"] == 0


def test_products_filter_by_sku_and_updated_since_and_page(api, account):
    for i in range(5):
        create_product(api, sku=f"SKU-{i}", ean=None)
    one = api.call("GET", "/v1/products", params={"sku": ["SKU-1", "SKU-3"]}).json()
    assert sorted(p["sku"] for p in one["items"]) == ["SKU-1", "SKU-3"]
    page = api.call("GET", "/v1/products", params={"pageSize": 2, "page": 2}).json()
    assert (page["total"], page["pageSize"], page["nextPage"]) == (5, 2, 3)
    assert [p["sku"] for p in page["items"]] == ["SKU-2", "SKU-3"]
    third = Product.objects.get(account=account, sku="SKU-3")
    since = third.updated_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    newer = api.call("GET", "/v1/products", params={"updatedSince": since}).json()
    assert [p["sku"] for p in newer["items"]] == ["SKU-3", "SKU-4"]  # inclusive


def test_the_max_page_size_knob_caps_pages(api, account):
    services.account_set_knobs(account=account, knobs=Knobs(rate_per_second=0, max_page_size=2))
    for i in range(3):
        create_product(api, sku=f"SKU-{i}", ean=None)
    page = api.call("GET", "/v1/products", params={"pageSize": 100}).json()
    assert (len(page["items"]), page["pageSize"], page["nextPage"]) == (2, 2, 2)


def test_bad_paging_and_filters_get_400(api):
    for params in ({"pageSize": 251}, {"page": 0}, {"updatedSince": "yesterday"}):
        exchange = api.call("GET", "/v1/products", params=params, valid_request=False)
        assert exchange.status == 400
    assert ("GET", "/v1/products", 400) in api.undeclared


def test_stock_is_set_in_batches_and_unknown_skus_are_reported(api):
    product = create_product(api, quantity=1)
    body: dict[str, Any] = {"items": [{"sku": "FIETS-001", "quantity": 12, "manageStock": False},
                      {"sku": "NOPE", "quantity": 1}]}  # fmt: skip
    exchange = api.call("POST", "/v1/products/stock", json_body=body)
    assert exchange.status == 200
    assert exchange.json() == {"updated": 1, "failed": [{"sku": "NOPE", "message": "unknown sku"}]}
    fetched = api.call("GET", f"/v1/products/{product['id']}", template="/v1/products/{id}").json()
    assert (fetched["quantity"], fetched["manageStock"]) == (12, False)


def test_stock_refuses_more_than_100_items_or_none(api):
    many: dict[str, Any] = {"items": [{"sku": f"S{i}", "quantity": 1} for i in range(101)]}
    empty: dict[str, Any] = {"items": []}
    for body in (many, empty):
        exchange = api.call("POST", "/v1/products/stock", json_body=body, valid_request=False)
        assert exchange.status == 400
        assert "items" in exchange.json()["errors"]


# ---- customers -----------------------------------------------------------------------------


def test_a_customer_is_created_read_and_updated(api):
    created = api.call("POST", "/v1/customers", json_body=CUSTOMER)
    assert created.status == 201
    customer = created.json()
    assert customer["billingAddress"] == ADDRESS
    assert customer["shippingAddress"] is None
    path, template = f"/v1/customers/{customer['id']}", "/v1/customers/{id}"
    assert api.call("GET", path, template=template).json() == customer
    body = {**CUSTOMER, "companyName": "Jansen B.V.", "customerCode": "D1001"}
    updated = api.call("PUT", path, template=template, json_body=body)
    assert updated.status == 200
    assert (updated.json()["companyName"], updated.json()["customerCode"]) == (
        "Jansen B.V.",
        "D1001",
    )


def test_a_duplicate_email_gets_409_whatever_its_case(api):
    api.call("POST", "/v1/customers", json_body=CUSTOMER)
    body = {**CUSTOMER, "email": "jan.jansen@EXAMPLE.nl"}
    exchange = api.call("POST", "/v1/customers", json_body=body)
    assert exchange.status == 409
    assert "email" in exchange.json()["errors"]


def test_customer_errors(api):
    first = api.call("POST", "/v1/customers", json_body=CUSTOMER).json()
    api.call("POST", "/v1/customers", json_body={**CUSTOMER, "email": "piet@example.nl"})
    template = "/v1/customers/{id}"
    invalid = api.call(
        "POST", "/v1/customers", json_body={"email": "nope", "lastName": "X"}, valid_request=False
    )
    assert invalid.status == 400
    assert set(invalid.json()["errors"]) == {"email", "billingAddress"}
    bad_country = {**CUSTOMER, "email": "k@example.nl",
                   "billingAddress": {**ADDRESS, "countryCode": "nl"}}  # fmt: skip
    exchange = api.call("POST", "/v1/customers", json_body=bad_country, valid_request=False)
    assert exchange.json()["errors"] == {"billingAddress.countryCode": [
        "String should match pattern '^[A-Z]{2}$'"]}  # fmt: skip
    taken = {**CUSTOMER, "email": "PIET@example.nl"}
    conflict = api.call("PUT", f"/v1/customers/{first['id']}", template=template, json_body=taken)
    assert conflict.status == 409
    assert api.call("GET", "/v1/customers/4242", template=template).status == 404
    missing = api.call("PUT", "/v1/customers/4242", template=template, json_body=CUSTOMER)
    assert missing.status == 404


def test_customers_filter_by_email_case_insensitively(api):
    api.call("POST", "/v1/customers", json_body=CUSTOMER)
    api.call("POST", "/v1/customers", json_body={**CUSTOMER, "email": "piet@example.nl"})
    found = api.call("GET", "/v1/customers", params={"email": "JAN.jansen@example.nl"}).json()
    assert [c["email"] for c in found["items"]] == ["Jan.Jansen@example.nl"]
    assert api.call("GET", "/v1/customers").json()["total"] == 2


# ---- orders --------------------------------------------------------------------------------


def test_seeded_orders_are_listed_oldest_update_first_and_filtered(api, account):
    seed.seed_account(account, customers=5, orders=12, seed=4)
    page = api.call("GET", "/v1/orders", params={"pageSize": 250}).json()
    assert page["total"] == 12
    stamps = [o["updatedAt"] for o in page["items"]]
    assert stamps == sorted(stamps)
    paid = api.call("GET", "/v1/orders", params={"paymentStatus": "paid"}).json()
    pending = api.call("GET", "/v1/orders", params={"paymentStatus": ["pending", "refunded"]})
    assert paid["total"] + pending.json()["total"] == 12
    assert {o["paymentStatus"] for o in paid["items"]} == {"paid"}
    statuses = {o["status"] for o in page["items"]}
    some = sorted(statuses)[0]
    filtered = api.call("GET", "/v1/orders", params={"status": some}).json()
    assert {o["status"] for o in filtered["items"]} == {some}


def test_an_order_is_read_and_patched(api, account):
    seed.seed_account(account, customers=2, orders=1, seed=1)
    order = Order.objects.get(account=account)
    path, template = f"/v1/orders/{order.pk}", "/v1/orders/{id}"
    read = api.call("GET", path, template=template).json()
    assert read["number"] == order.number
    assert read["totals"]["inclVat"] == round(read["totals"]["exclVat"] + read["totals"]["vat"], 2)
    body = {"externalReference": "VO-2024-0042", "status": "processing"}
    patched = api.call("PATCH", path, template=template, json_body=body)
    assert patched.status == 200
    assert (patched.json()["externalReference"], patched.json()["status"]) == (
        "VO-2024-0042",
        "processing",
    )
    cleared = api.call("PATCH", path, template=template, json_body={"externalReference": None})
    assert cleared.json()["externalReference"] is None
    assert cleared.json()["status"] == "processing"


def test_order_errors(api, account, other_api):
    seed.seed_account(account, customers=1, orders=1, seed=1)
    order = Order.objects.get(account=account)
    path, template = f"/v1/orders/{order.pk}", "/v1/orders/{id}"
    bad = api.call("PATCH", path, template=template, json_body={"status": "lost"},
                   valid_request=False)  # fmt: skip
    assert bad.status == 400
    assert "status" in bad.json()["errors"]
    long_ref = api.call("PATCH", path, template=template, json_body={"externalReference": "x" * 65},
                        valid_request=False)  # fmt: skip
    assert long_ref.status == 400
    assert other_api.call("GET", path, template=template).status == 404
    missing = api.call("PATCH", "/v1/orders/99999", template=template, json_body={})
    assert missing.status == 404


def test_an_order_of_a_managed_product_lowers_its_stock(api, account):
    product = create_product(api, quantity=10)
    draft = services.NewOrder(
        customer_data={"email": "a@example.nl", "lastName": "A"},
        billing_address=ADDRESS,
        lines=[
            {
                "sku": "FIETS-001",
                "name": "Omafiets",
                "quantity": 3,
                "unitPrice": 649.0,
                "priceIncludesVat": True,
                "vatRate": 21,
                "discountAmount": 0,
            }
        ],  # fmt: skip
        shipping_cost={"amount": 6.95, "priceIncludesVat": True, "vatRate": 21},
    )
    order = services.order_place(account=account, new_order=draft, now=services.now())
    assert order.totals == {"exclVat": 1614.83, "vat": 339.12, "inclVat": 1953.95}
    fetched = api.call("GET", f"/v1/products/{product['id']}", template="/v1/products/{id}").json()
    assert fetched["quantity"] == 7


# ---- transactions and feedback -------------------------------------------------------------


def new_transaction(api: Api, **changes) -> dict[str, Any]:
    unit_id = api.call("GET", "/v1/units").json()["items"][0]["id"]
    today = datetime.now(UTC).date().isoformat()
    return {"customerCode": "D1001", "unitId": unit_id, "date": today,
            "email": "jan@example.nl", "orderReference": "F2024-0001", **changes}  # fmt: skip


def test_a_transaction_is_registered_and_shows_in_feedback_data(api):
    created = api.call("POST", "/v1/transactions", json_body=new_transaction(api))
    assert created.status == 201
    transaction = created.json()["transaction"]
    assert transaction["sentOn"] is None  # the invitation goes out after delayDays
    now = datetime.now(UTC)
    data = api.call("GET", "/v1/feedbackData", params={"year": now.year, "month": now.month})
    entries = data.json()["feedbackData"]
    assert [e["transaction"]["id"] for e in entries] == [transaction["id"]]
    assert entries[0]["f100Scores"] is None
    assert len(data.json()["unitData"]) == 2


def test_scores_fill_in_on_demand(api, account):
    api.call("POST", "/v1/transactions", json_body=new_transaction(api))
    services.transactions_complete_now(account=account, now=services.now())
    now = datetime.now(UTC)
    data = api.call("GET", "/v1/feedbackData", params={"year": now.year, "month": now.month})
    entry = data.json()["feedbackData"][0]
    assert entry["transaction"]["sentOn"] is not None
    assert entry["transaction"]["feedbackCompleted"] is not None
    score = entry["f100Scores"]["overallScore"]
    assert 0 <= score["value"] <= 100
    assert 1 <= score["valueAsGrade"] <= 10


def test_scores_fill_in_over_time(api, account):
    account.day_seconds = 1  # a sandbox day lasts a second
    account.save()
    for i in range(20):
        body = new_transaction(api, orderReference=f"F-{i}", delayDays=0)
        api.call("POST", "/v1/transactions", json_body=body)
    now = datetime.now(UTC)
    params = {"year": now.year, "month": now.month}
    before = api.call("GET", "/v1/feedbackData", params=params).json()["feedbackData"]
    assert all(e["transaction"]["sentOn"] is not None for e in before)  # delayDays 0
    answered_before = sum(e["f100Scores"] is not None for e in before)
    assert answered_before < len(before)
    # Three and a half sandbox days: reminders are out, more customers have answered
    # (the chance that none of 20 has is below 1 in 10,000).
    time.sleep(3.5)
    after = api.call("GET", "/v1/feedbackData", params=params).json()["feedbackData"]
    answered = [e for e in after if e["f100Scores"] is not None]
    assert len(answered) > answered_before
    assert all(e["transaction"]["feedbackCompleted"] for e in answered)
    reminded = [e for e in after if e["transaction"]["remindedOn"] is not None]
    assert reminded


def test_transaction_errors(api):
    api.call("POST", "/v1/transactions", json_body=new_transaction(api))
    repeat = api.call("POST", "/v1/transactions", json_body=new_transaction(api))
    assert repeat.status == 409
    unknown_unit = api.call("POST", "/v1/transactions", json_body=new_transaction(api, unitId=999))
    assert unknown_unit.status == 400
    assert unknown_unit.json()["errors"] == {"unitId": ["unknown unit"]}
    too_late = new_transaction(api, orderReference="F-2", delayDays=61)
    assert api.call("POST", "/v1/transactions", json_body=too_late,
                    valid_request=False).status == 400  # fmt: skip


def test_feedback_data_needs_a_year_and_a_month(api):
    exchange = api.call("GET", "/v1/feedbackData", params={"year": 2024, "month": 13},
                        valid_request=False)  # fmt: skip
    assert exchange.status == 400
    assert "month" in exchange.json()["errors"]


def test_transactions_of_another_month_are_not_listed(api):
    last_year = (datetime.now(UTC) - timedelta(days=400)).date()
    api.call("POST", "/v1/transactions", json_body=new_transaction(api, date=last_year.isoformat()))
    now = datetime.now(UTC)
    data = api.call("GET", "/v1/feedbackData", params={"year": now.year, "month": now.month})
    assert data.json()["feedbackData"] == []


# ---- webhook subscriptions -----------------------------------------------------------------


def test_webhooks_are_subscribed_listed_and_deleted(api, other_api):
    body = {"url": "https://shop.example.nl/hooks", "events": ["order.created", "order.paid"],
            "secret": "s" * 32}  # fmt: skip
    created = api.call("POST", "/v1/webhooks", json_body=body)
    assert created.status == 201
    assert "secret" not in created.json()
    listed = api.call("GET", "/v1/webhooks").json()
    assert [w["url"] for w in listed["items"]] == ["https://shop.example.nl/hooks"]
    path, template = f"/v1/webhooks/{created.json()['id']}", "/v1/webhooks/{id}"
    assert other_api.call("DELETE", path, template=template).status == 404
    assert api.call("DELETE", path, template=template).status == 204
    assert api.call("DELETE", path, template=template).status == 404
    assert api.call("GET", "/v1/webhooks").json()["total"] == 0


def test_a_webhook_needs_a_long_secret_and_known_events(api):
    body = {"url": "https://shop.example.nl/hooks", "events": ["order.deleted"], "secret": "short"}
    exchange = api.call("POST", "/v1/webhooks", json_body=body, valid_request=False)
    assert exchange.status == 400
    assert set(exchange.json()["errors"]) == {"events.0", "secret"}


# ---- anything else -------------------------------------------------------------------------


def test_unknown_paths_and_methods_answer_json_errors(api):
    unknown = api.http.get("/v1/invoices", headers={"Authorization": f"Bearer {api.token}"})
    assert unknown.status_code == 404
    assert unknown.json()["message"]
    wrong = api.http.delete("/v1/products", headers={"Authorization": f"Bearer {api.token}"})
    assert wrong.status_code == 405
    assert wrong.headers["Allow"] == "GET, POST"
