"""The Feeddex connector against the Feeddex sandbox, over real HTTP."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from connectors.base import BadRecord, ConnectorError, Option, RecordRejected, WriteResult
from connectors.feeddex import client
from connectors.feeddex.connector import FeeddexConnector
from connectors.feeddex.sandbox import seed
from connectors.feeddex.sandbox import services as feeddex_sandbox
from connectors.feeddex.sandbox.models import Customer as SandboxCustomer
from connectors.feeddex.sandbox.models import Order as SandboxOrder
from connectors.feeddex.sandbox.models import Product as SandboxProduct
from connectors.feeddex.sandbox.schemas import OrderPatchIn
from connectors.parsing import Checked
from connectors.records import Customer, Order, Product
from connectors.services import connection_update_secrets
from connectors.tests.support import Calls, connect

from .conftest import PASSWORD, FeeddexSandbox

PRODUCT = {
    "sku": "FDX-TEST-1",
    "name": "Fietsbel",
    "price": 12.95,
    "priceIncludesVat": True,
    "vatRate": 21,
    "quantity": 4,
    "attributes": [{"name": "Kleur", "value": "Messing"}],
}
ADDRESS = {
    "street": "Keizersgracht",
    "houseNumber": "123",
    "houseNumberAddition": "A",
    "postalCode": "1015 CJ",
    "city": "Amsterdam",
    "countryCode": "NL",
}


def connector(feeddex: FeeddexSandbox, calls: Calls | None = None) -> FeeddexConnector:
    made = connect(feeddex.connection, calls)
    assert isinstance(made, FeeddexConnector)
    return made


def all_records(connector: FeeddexConnector, stream: str, **kwargs: Any) -> list[Any]:
    return [r for page in connector.read(stream, **kwargs) for r in page.records]


def source_ids(records: list[Any]) -> list[str]:
    return [str(r.source_id) for r in records]


# ---- connection and token ---------------------------------------------------------------------


def test_check_connection_signs_in_and_caches_the_token(feeddex):
    calls = Calls()
    connector(feeddex, calls).check_connection()
    feeddex.connection.refresh_from_db()
    secrets = feeddex.connection.secrets
    assert secrets["token"]
    assert secrets["token_expires_at"]
    assert [(c.method, c.path.split("?")[0], c.status) for c in calls.calls] == [
        ("POST", "/authenticate", 200),
        ("GET", "/v1/units", 200),
    ]


def test_a_wrong_password_is_permanent_and_never_echoed(feeddex):
    connection_update_secrets(connection=feeddex.connection, changes={"password": "wrong-pass-1"})
    calls = Calls()
    with pytest.raises(ConnectorError) as raised:
        connector(feeddex, calls).check_connection()
    assert raised.value.permanent
    assert raised.value.status == 401
    assert calls.count(401) == 1  # a refused login is not retried
    assert "wrong-pass-1" not in str(raised.value) + calls.text()


def test_the_token_is_reused_until_it_expires(feeddex):
    calls = Calls()
    first = connector(feeddex, calls)
    first.reference_data("units")
    connector(feeddex, calls).reference_data("units")  # a second worker: same token
    assert [c.path for c in calls.calls].count("/authenticate") == 1


def test_an_expired_token_is_replaced_before_use(feeddex):
    feeddex.set_knobs(token_lifetime_seconds=100)
    calls = Calls()
    made = connector(feeddex, calls)
    made.reference_data("units")
    feeddex.connection.refresh_from_db()
    # Used until a tenth of its lifetime before its end, so that it never expires in flight.
    until = datetime.fromisoformat(feeddex.connection.secrets["token_expires_at"])
    assert timezone.now() + timedelta(seconds=80) < until <= timezone.now() + timedelta(seconds=90)
    # That moment has come (set, not waited for): the next call signs in first.
    passed = (timezone.now() - timedelta(seconds=1)).isoformat()
    connection_update_secrets(connection=feeddex.connection, changes={"token_expires_at": passed})
    feeddex.connection.refresh_from_db()
    made.reference_data("units")
    assert calls.count(401) == 0
    assert [c.path for c in calls.calls].count("/authenticate") == 2


def test_a_token_refused_as_expired_signs_in_again_once(feeddex):
    feeddex.set_knobs(token_lifetime_seconds=60)
    calls = Calls()
    made = connector(feeddex, calls)
    made.reference_data("units")
    # The platform believes the token is good for an hour; the server says it expired.
    later = (timezone.now() + timedelta(hours=1)).isoformat()
    connection_update_secrets(connection=feeddex.connection, changes={"token_expires_at": later})
    # The server's clock is past the token's end (moved on, not waited for).
    feeddex.set_knobs(token_lifetime_seconds=60, clock_offset_seconds=61)
    assert made.reference_data("units")
    assert [c.status for c in calls.calls][-3:] == [401, 200, 200]


def test_a_refused_token_and_a_changed_password_are_permanent(feeddex):
    calls = Calls()
    made = connector(feeddex, calls)
    made.reference_data("units")
    feeddex.account.tokens.update(expires_at=timezone.now() - timedelta(seconds=5))
    feeddex.account.set_credentials(auth_code="new-code-0001", password="new-password-0001")
    feeddex.account.save()
    with pytest.raises(ConnectorError) as raised:
        made.reference_data("units")
    assert raised.value.permanent
    assert [c.status for c in calls.calls][-2:] == [401, 401]


# ---- reading ----------------------------------------------------------------------------------


def test_orders_are_read_page_by_page_and_resumed_from_a_cursor(feeddex):
    seed.seed_account(feeddex.account, customers=10, orders=60, seed=7)
    made = connector(feeddex)
    pages = list(made.read("orders", page_size=25))
    # Each page restarts at the last change time seen, so one row per page comes again
    # (and is skipped): pages hold up to 25 new orders.
    assert len(pages) == 3
    assert all(len(p.records) <= 25 for p in pages)
    orders = [r for p in pages for r in p.records]
    assert all(isinstance(o, Order) for o in orders)
    assert len({o.key for o in orders}) == 60
    resumed = all_records(made, "orders", cursor=pages[0].cursor, page_size=25)
    assert {o.key for o in resumed} == {o.key for o in orders[25:]}
    assert all_records(made, "orders", cursor=pages[-1].cursor) == []


def test_an_order_changed_after_a_read_comes_again_from_the_cursor(feeddex):
    seed.seed_account(feeddex.account, customers=5, orders=12, seed=3)
    made = connector(feeddex)
    pages = list(made.read("orders"))
    first = SandboxOrder.objects.filter(account=feeddex.account).order_by("updated_at")[0]
    made.update("orders", str(first.pk), {"externalReference": "ASP-1001"})
    again = all_records(made, "orders", cursor=pages[-1].cursor)
    assert [(o.source_id, o.external_reference) for o in again] == [(str(first.pk), "ASP-1001")]


def test_no_order_is_lost_when_pages_change_while_paging(feeddex):
    """Offsets would skip one: an update moves an order from page 1 to the end of the list."""
    seed.seed_account(feeddex.account, customers=5, orders=30, seed=5)
    made = connector(feeddex)
    pages = made.read("orders", page_size=10)
    seen = source_ids(next(pages).records)
    moved = SandboxOrder.objects.get(pk=int(seen[0]))
    feeddex_sandbox.order_patch(
        order=moved,
        data=OrderPatchIn.model_validate({"status": "processing"}),
        now=feeddex_sandbox.now(),
    )
    seen += [i for page in pages for i in source_ids(page.records)]
    all_ids = {
        str(pk)
        for pk in SandboxOrder.objects.filter(account=feeddex.account).values_list("pk", flat=True)
    }
    assert set(seen) == all_ids
    assert seen.count(seen[0]) == 2  # read again after its change, as it should


def test_a_bulk_import_sharing_one_timestamp_pages_through(feeddex):
    seed.seed_account(feeddex.account, customers=0, orders=0, seed=1)  # 30 products, one moment
    assert (
        SandboxProduct.objects.filter(account=feeddex.account)
        .values("updated_at")
        .distinct()
        .count()
        == 1
    )
    made = connector(feeddex)
    pages = list(made.read("products", page_size=7))
    products = [r for p in pages for r in p.records]
    assert len(products) == 30 == len({p.key for p in products})
    assert all(isinstance(p, Product) for p in products)
    assert all_records(made, "products", cursor=pages[-1].cursor) == []


def test_a_record_that_does_not_fit_becomes_a_bad_record(feeddex):
    seed.seed_account(feeddex.account, customers=3, orders=0, seed=2)
    bad = SandboxCustomer.objects.filter(account=feeddex.account).order_by("id")[0]
    bad.billing_address = {**bad.billing_address, "countryCode": "Nederland"}
    bad.save()
    records = all_records(connector(feeddex), "customers")
    assert len(records) == 3
    (broken,) = [r for r in records if isinstance(r, BadRecord)]
    assert broken.key == bad.email.lower()
    assert "billing.country" in broken.error
    assert all(isinstance(r, Customer) for r in records if r is not broken)


def test_a_page_is_validated_once_and_a_bad_record_sends_it_item_by_item(feeddex):
    seed.seed_account(feeddex.account, customers=3, orders=0, seed=2)
    made = connector(feeddex)
    made.check_connection()
    # Validated whole: each record carries its model, which the connector reuses.
    assert all(type(raw) is Checked for raw in client.list_customers(made.api).items)
    bad = SandboxCustomer.objects.filter(account=feeddex.account).order_by("id")[0]
    # A number where the contract has a string: off the contract, not just off our records.
    bad.billing_address = {**bad.billing_address, "houseNumber": 12}
    bad.save()
    assert not any(type(raw) is Checked for raw in client.list_customers(made.api).items)
    records = all_records(made, "customers")
    (broken,) = [r for r in records if isinstance(r, BadRecord)]
    assert "billingAddress.houseNumber: Input should be a valid string" in broken.error
    assert sum(isinstance(r, Customer) for r in records) == 2


def test_products_are_read_by_sku(feeddex):
    seed.seed_account(feeddex.account, customers=0, orders=0, seed=1)
    skus = list(
        SandboxProduct.objects.filter(account=feeddex.account).values_list("sku", flat=True)[:3]
    )
    pages = list(connector(feeddex).read("products", keys=[*skus, "NO-SUCH-SKU"]))
    assert [p.cursor for p in pages] == [None]
    assert sorted(r.key for r in pages[0].records) == sorted(skus)


# ---- lookups and writes -------------------------------------------------------------------------


def test_a_product_is_created_looked_up_and_updated(feeddex):
    made = connector(feeddex)
    created = made.create("products", PRODUCT)
    assert created.action == "created"
    found = made.lookup("products", "FDX-TEST-1")
    assert found is not None
    assert str(found["id"]) == created.target_id
    updated = made.update("products", created.target_id, {**PRODUCT, "price": 14.5})
    assert (updated.action, updated.response["price"]) == ("updated", 14.5)
    assert made.lookup("products", "NO-SUCH-SKU") is None


def test_a_duplicate_sku_is_rejected_with_the_api_message_and_not_retried(feeddex):
    calls = Calls()
    made = connector(feeddex, calls)
    made.create("products", PRODUCT)
    with pytest.raises(RecordRejected) as raised:
        made.create("products", PRODUCT)
    assert raised.value.status == 409
    assert not raised.value.permanent
    assert raised.value.api_message
    assert calls.count(409) == 1


def test_a_variant_is_unsupported_and_a_bad_ean_is_invalid(feeddex):
    made = connector(feeddex)
    with pytest.raises(RecordRejected) as variant:
        made.create("products", {**PRODUCT, "type": "variant"})
    assert variant.value.status == 422
    with pytest.raises(RecordRejected) as ean:
        made.create("products", {**PRODUCT, "sku": "FDX-TEST-2", "ean": "8712345678901"})
    assert ean.value.status == 400
    assert "ean" in ean.value.field_errors


def test_a_payload_outside_the_schema_is_rejected_without_a_call(feeddex):
    calls = Calls()
    with pytest.raises(RecordRejected) as raised:
        connector(feeddex, calls).create("products", {**PRODUCT, "vatRate": 19, "colour": "red"})
    assert calls.calls == []
    assert set(raised.value.field_errors) == {"vatRate", "colour"}


def test_a_customer_is_created_and_found_by_email_in_any_case(feeddex):
    made = connector(feeddex)
    customer = {
        "email": "Jan.Jansen@Example.nl",
        "firstName": "Jan",
        "lastName": "Jansen",
        "billingAddress": ADDRESS,
        "customerCode": "10001",
    }
    created = made.create("customers", customer)
    found = made.lookup("customers", "jan.jansen@example.nl")
    assert found is not None
    assert str(found["id"]) == created.target_id
    updated = made.update("customers", created.target_id, {**customer, "phone": "0612345678"})
    assert updated.response["phone"] == "0612345678"


def test_stock_is_written_in_batches_of_100(feeddex):
    seed.seed_account(feeddex.account, customers=0, orders=0, seed=1)
    skus = list(
        SandboxProduct.objects.filter(account=feeddex.account).values_list("sku", flat=True)
    )
    payloads = [{"sku": skus[i % len(skus)], "quantity": i} for i in range(249)]
    payloads.append({"sku": "NO-SUCH-SKU", "quantity": 1})
    payloads.append({"sku": skus[0], "quantity": "many"})  # refused before sending
    calls = Calls()
    results = connector(feeddex, calls).write_batch("stock", payloads)
    assert len(results) == 251
    assert [c.path for c in calls.calls].count("/v1/products/stock") == 3
    assert all(isinstance(r, WriteResult) for r in results[:249])
    assert isinstance(results[249], RecordRejected)
    assert "unknown sku" in str(results[249])
    assert isinstance(results[250], RecordRejected)
    assert "quantity" in results[250].field_errors
    last = SandboxProduct.objects.get(account=feeddex.account, sku=skus[248 % len(skus)])
    assert last.quantity == 248


def test_a_quantity_beyond_32_bits_is_refused_before_sending(feeddex):
    calls = Calls()
    results = connector(feeddex, calls).write_batch("stock", [{"sku": "X", "quantity": 2**31}])
    assert isinstance(results[0], RecordRejected)
    assert "quantity" in results[0].field_errors
    assert calls.calls == []


def test_a_batch_refused_as_a_whole_is_halved_until_the_bad_item_fails_alone(feeddex):
    seed.seed_account(feeddex.account, customers=0, orders=0, seed=1)
    skus = list(
        SandboxProduct.objects.filter(account=feeddex.account)
        .order_by("id")
        .values_list("sku", flat=True)[:8]
    )
    payloads = [{"sku": sku, "quantity": 40 + i} for i, sku in enumerate(skus)]
    # Our schema lets a NUL through; the API refuses the whole body for it (400).
    payloads.insert(5, {"sku": "NUL\x00SKU", "quantity": 1})
    calls = Calls()
    results = connector(feeddex, calls).write_batch("stock", payloads)
    refused = [r for r in results if isinstance(r, RecordRejected)]
    assert len(refused) == 1
    assert results[5] is refused[0]
    assert refused[0].status == 400
    assert all(isinstance(r, WriteResult) for i, r in enumerate(results) if i != 5)
    quantities = dict(
        SandboxProduct.objects.filter(account=feeddex.account, sku__in=skus).values_list(
            "sku", "quantity"
        )
    )
    assert quantities == {sku: 40 + i for i, sku in enumerate(skus)}
    # 9 items: the whole, then halves down to the bad one (and the good ones beside it).
    assert [c.path for c in calls.calls].count("/v1/products/stock") <= 2 * 4 + 1


def test_an_order_gets_its_external_reference(feeddex):
    seed.seed_account(feeddex.account, customers=2, orders=3, seed=1)
    order = SandboxOrder.objects.filter(account=feeddex.account).order_by("id")[0]
    made = connector(feeddex)
    result = made.update(
        "orders", str(order.pk), {"externalReference": "VO-2024-001", "status": "processing"}
    )
    assert result.target_id == str(order.pk)
    found = made.lookup("orders", str(order.pk))
    assert found is not None
    assert (found["externalReference"], found["status"]) == ("VO-2024-001", "processing")
    assert made.lookup("orders", "999999") is None


def test_a_review_invitation_is_registered_once(feeddex):
    made = connector(feeddex)
    (unit,) = made.reference_data("units")[:1]
    assert isinstance(unit, Option)
    invitation = {
        "customerCode": "10001",
        "unitId": int(unit.id),
        "date": "2024-05-02",
        "email": "jan@example.nl",
        "orderReference": "F2024-0001",
        "delayDays": 7,
    }
    created = made.create("transactions", invitation)
    assert created.target_id.isdigit()
    with pytest.raises(RecordRejected) as raised:
        made.create("transactions", invitation)
    assert raised.value.status == 409


def test_webhooks_are_subscribed_and_unsubscribed(feeddex):
    made = connector(feeddex)
    subscription = made.webhook_subscribe(
        url="https://shop.example.com/hooks/feeddex",
        events=["order.paid"],
        secret="s" * 32,
    )
    assert feeddex.account.webhooks.filter(pk=int(subscription)).exists()
    made.webhook_unsubscribe(subscription)
    made.webhook_unsubscribe(subscription)  # gone already: fine
    assert not feeddex.account.webhooks.exists()


def test_the_password_is_not_in_any_call_or_error(feeddex):
    calls = Calls()
    made = connector(feeddex, calls)
    made.lookup("customers", PASSWORD + "@example.nl")
    assert PASSWORD not in calls.text()
    assert "[redacted]" in calls.calls[-1].path
