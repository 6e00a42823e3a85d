"""Feeddex's endpoints, one function each, over connectors.http.

Each function names its contract operation (connectors/feeddex/feeddex.openapi.yaml). Lists
return the raw items of one page (`RawPage`) for the connector to parse one by one.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from connectors.base import RawPage, describe_invalid
from connectors.errors import ConnectorError
from connectors.feeddex.schemas import (
    Customer,
    ListEnvelope,
    Order,
    Product,
    StockAnswer,
    TokenAnswer,
    TransactionAnswer,
    WebhookSubscription,
)
from connectors.http import HttpClient, Reply
from connectors.parsing import Checked, checked_items, parse_content

M = TypeVar("M", bound=BaseModel)
MAX_PAGE_SIZE = 250
MAX_STOCK_BATCH = 100


def _answer(model: type[M], reply: Reply) -> M:
    """Parse an answer from its body as it came (validated once, not dumped and validated
    again); one that does not fit the contract is a (transient) ConnectorError."""
    try:
        return parse_content(model, reply.content)
    except ValidationError as error:
        raise _off_contract(model, error) from None


def _off_contract(model: type[BaseModel], error: ValidationError) -> ConnectorError:
    return ConnectorError(
        f"Feeddex's answer does not match its contract ({model.__name__}): "
        + describe_invalid(error)
    )


def _record(reply: Reply, model: type[BaseModel]) -> dict[str, Any]:
    """Check the answer against its schema; return it as the API sent it (with its model,
    so that the connector does not validate it again)."""
    checked = _answer(model, reply)
    if isinstance(reply.data, dict):
        return Checked(reply.data, checked)
    data: dict[str, Any] = reply.data
    return data


def _list(
    api: HttpClient, path: str, params: dict[str, Any], item: type[BaseModel] | None = None
) -> RawPage:
    """One page; with `item`, its records validated whole as that model (connectors/parsing.py)."""
    clean = {k: v for k, v in params.items() if v is not None}
    reply = api.request("GET", path, params=clean)
    raw = reply.data.get("items") if isinstance(reply.data, dict) else None
    if item is not None and isinstance(raw, list):
        try:
            typed = parse_content(ListEnvelope[item], reply.content)  # type: ignore[valid-type]
        except ValidationError:
            pass  # a record off the contract: the page is read item by item, later
        else:
            return RawPage(
                items=checked_items(raw, typed.items),
                has_more=typed.nextPage is not None,
                server_time=reply.server_time,
            )
    envelope = _answer(ListEnvelope, reply)
    return RawPage(
        items=envelope.items,
        has_more=envelope.nextPage is not None,
        server_time=reply.server_time,
    )


def authenticate(
    api: HttpClient, *, auth_code: str, organization: str, password: str
) -> TokenAnswer:
    # Reference: POST /authenticate (FOUND)
    body = {"authCode": auth_code, "organization": organization, "password": password}
    # Logging in twice is harmless: a repeat just gives another token.
    reply = api.request(
        "POST", "/authenticate", json_body=body, authenticated=False, idempotent=True
    )
    return _answer(TokenAnswer, reply)


def list_units(api: HttpClient) -> RawPage:
    # Reference: GET /v1/units (the contract takes no paging parameters: units are few)
    return _list(api, "/v1/units", {})


def list_products(
    api: HttpClient,
    *,
    page: int = 1,
    page_size: int = MAX_PAGE_SIZE,
    updated_since: str | None = None,
    skus: list[str] | None = None,
) -> RawPage:
    # Reference: GET /v1/products (sku may repeat; oldest updatedAt first)
    params: dict[str, Any] = {"page": page, "pageSize": page_size, "updatedSince": updated_since}
    if skus:
        params["sku"] = skus
    return _list(api, "/v1/products", params, Product)


def create_product(api: HttpClient, payload: dict[str, Any]) -> dict[str, Any]:
    # Reference: POST /v1/products (the sku is unique: a repeat answers 409, not a duplicate)
    reply = api.request("POST", "/v1/products", json_body=payload, idempotent=True)
    return _record(reply, Product)


def update_product(api: HttpClient, product_id: str, payload: dict[str, Any]) -> dict[str, Any]:
    # Reference: PUT /v1/products/{id}
    reply = api.request("PUT", f"/v1/products/{int(product_id)}", json_body=payload)
    return _record(reply, Product)


def set_stock(api: HttpClient, items: list[dict[str, Any]]) -> StockAnswer:
    # Reference: POST /v1/products/stock (up to 100; setting a quantity twice is harmless)
    if not 1 <= len(items) <= MAX_STOCK_BATCH:
        raise ValueError(f"a stock batch holds 1 to {MAX_STOCK_BATCH} items")
    reply = api.request("POST", "/v1/products/stock", json_body={"items": items}, idempotent=True)
    return _answer(StockAnswer, reply)


def list_customers(
    api: HttpClient,
    *,
    page: int = 1,
    page_size: int = MAX_PAGE_SIZE,
    updated_since: str | None = None,
    email: str | None = None,
) -> RawPage:
    # Reference: GET /v1/customers (email: exact, case-insensitive)
    params = {"page": page, "pageSize": page_size, "updatedSince": updated_since, "email": email}
    return _list(api, "/v1/customers", params, Customer)


def create_customer(api: HttpClient, payload: dict[str, Any]) -> dict[str, Any]:
    # Reference: POST /v1/customers (the email is unique: a repeat answers 409)
    reply = api.request("POST", "/v1/customers", json_body=payload, idempotent=True)
    return _record(reply, Customer)


def update_customer(api: HttpClient, customer_id: str, payload: dict[str, Any]) -> dict[str, Any]:
    # Reference: PUT /v1/customers/{id}
    reply = api.request("PUT", f"/v1/customers/{int(customer_id)}", json_body=payload)
    return _record(reply, Customer)


def list_orders(
    api: HttpClient,
    *,
    page: int = 1,
    page_size: int = MAX_PAGE_SIZE,
    updated_since: str | None = None,
) -> RawPage:
    # Reference: GET /v1/orders (oldest updatedAt first)
    params = {"page": page, "pageSize": page_size, "updatedSince": updated_since}
    return _list(api, "/v1/orders", params, Order)


def get_product(api: HttpClient, product_id: str) -> dict[str, Any]:
    # Reference: GET /v1/products/{id}
    return _record(api.request("GET", f"/v1/products/{int(product_id)}"), Product)


def get_order(api: HttpClient, order_id: str) -> dict[str, Any]:
    # Reference: GET /v1/orders/{id}
    return _record(api.request("GET", f"/v1/orders/{int(order_id)}"), Order)


def patch_order(api: HttpClient, order_id: str, payload: dict[str, Any]) -> dict[str, Any]:
    # Reference: PATCH /v1/orders/{id} (externalReference, status)
    reply = api.request("PATCH", f"/v1/orders/{int(order_id)}", json_body=payload)
    return _record(reply, Order)


def create_transaction(api: HttpClient, payload: dict[str, Any]) -> dict[str, Any]:
    # Reference: POST /v1/transactions (customerCode + orderReference unique: a repeat is 409)
    reply = api.request("POST", "/v1/transactions", json_body=payload, idempotent=True)
    return _record(reply, TransactionAnswer)


def feedback_data(api: HttpClient, *, year: int, month: int) -> dict[str, Any]:
    # Reference: GET /v1/feedbackData (FOUND)
    reply = api.request("GET", "/v1/feedbackData", params={"year": year, "month": month})
    data: dict[str, Any] = reply.data
    return data


def list_webhooks(api: HttpClient) -> RawPage:
    # Reference: GET /v1/webhooks (no paging parameters in the contract)
    return _list(api, "/v1/webhooks", {})


def create_webhook(api: HttpClient, payload: dict[str, Any]) -> dict[str, Any]:
    # Reference: POST /v1/webhooks (not unique: never repeated after it may have been applied)
    reply = api.request("POST", "/v1/webhooks", json_body=payload)
    return _record(reply, WebhookSubscription)


def delete_webhook(api: HttpClient, webhook_id: str) -> None:
    # Reference: DELETE /v1/webhooks/{id}
    api.request("DELETE", f"/v1/webhooks/{int(webhook_id)}")
