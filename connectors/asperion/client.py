"""Asperion's endpoints, one function each, over connectors.http.

Each function names its contract operation (connectors/asperion/asperion.openapi.yaml). Lists
return the raw items of one page (`RawPage`): the connector parses them one by one, so one bad
record becomes a BadRecord instead of failing its whole page. Single records are parsed here.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from connectors.asperion.schemas import (
    Article,
    ContactPerson,
    Debtor,
    ListEnvelope,
    SalesInvoice,
    SalesOrder,
    Token,
    parse_json,
)
from connectors.base import RawPage, describe_invalid
from connectors.errors import ConnectorError
from connectors.http import HttpClient, Reply
from connectors.parsing import Checked, checked_items, parse_content

M = TypeVar("M", bound=BaseModel)
MAX_PAGE_SIZE = 100
EQUALS = "Equals"


def answer(model: type[M], data: Any) -> M:
    """Parse an answer; one that does not fit the contract is a (transient) ConnectorError."""
    try:
        return parse_json(model, data)
    except ValidationError as error:
        raise _off_contract(model, error) from None


def _answer(model: type[M], reply: Reply) -> M:
    """Parse a reply's body as it came (validated once, not dumped and validated again)."""
    try:
        return parse_content(model, reply.content)
    except ValidationError as error:
        raise _off_contract(model, error) from None


def _off_contract(model: type[BaseModel], error: ValidationError) -> ConnectorError:
    return ConnectorError(
        f"Asperion's answer does not match its contract ({model.__name__}): "
        + describe_invalid(error)
    )


def _page(reply: Reply, item: type[BaseModel] | None) -> RawPage:
    raw = reply.data.get("_data") if isinstance(reply.data, dict) else None
    if item is not None and isinstance(raw, list):
        try:
            typed = parse_content(ListEnvelope[item], reply.content)  # type: ignore[valid-type]
        except ValidationError:
            pass  # a record off the contract: the page is read item by item, below
        else:
            return RawPage(
                items=checked_items(raw, typed.data),
                has_more=typed.has_more,
                server_time=reply.server_time,
                total=typed.meta.totalCount,
            )
    envelope = _answer(ListEnvelope, reply)
    return RawPage(
        items=envelope.data,
        has_more=envelope.has_more,
        server_time=reply.server_time,
        total=envelope.meta.totalCount,
    )


def _list(
    api: HttpClient, path: str, params: dict[str, Any], item: type[BaseModel] | None = None
) -> RawPage:
    """One page; with `item`, its records validated whole as that model (connectors/parsing.py)."""
    clean = {k: v for k, v in params.items() if v is not None}
    return _page(api.request("GET", path, params=clean), item)


# ---- identity server ---------------------------------------------------------------------


def token_from_code(
    identity: HttpClient, *, client_id: str, client_secret: str, code: str, redirect_uri: str
) -> Token:
    # Reference: POST /connect/token (grant_type=authorization_code)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "client_id": client_id,
        "client_secret": client_secret,
    }
    # A code works once: never repeated after it may have been used.
    reply = identity.request(
        "POST", "/connect/token", form=form, authenticated=False, idempotent=False
    )
    return _answer(Token, reply)


def token_from_refresh(
    identity: HttpClient, *, client_id: str, client_secret: str, refresh_token: str
) -> Token:
    # Reference: POST /connect/token (grant_type=refresh_token)
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": client_id,
        "client_secret": client_secret,
    }
    # One-time-use refresh tokens: repeating a refresh that reached the server would burn it.
    reply = identity.request(
        "POST", "/connect/token", form=form, authenticated=False, idempotent=False
    )
    return _answer(Token, reply)


# ---- lists -------------------------------------------------------------------------------


def list_administrations(api: HttpClient, *, page: int = 1, page_size: int = 100) -> RawPage:
    # Reference: GET /v1/administrations
    return _list(api, "/v1/administrations", {"page": page, "pageSize": page_size})


def list_articles(
    api: HttpClient,
    *,
    page: int = 1,
    page_size: int = MAX_PAGE_SIZE,
    changed_since: str | None = None,
    code: str | None = None,
    description: str | None = None,
) -> RawPage:
    # Reference: GET /v1/articles
    params = {
        "page": page,
        "pageSize": page_size,
        "orderBy": "id",
        "ActiveState": "All",
        "DateLastChange_from": changed_since,
        "Code": code,
        "Code_comparison": EQUALS if code is not None else None,
        "Description": description,
    }
    return _list(api, "/v1/articles", params, Article)


def list_debtors(
    api: HttpClient,
    *,
    page: int = 1,
    page_size: int = MAX_PAGE_SIZE,
    changed_since: str | None = None,
    email: str | None = None,
    customer_number: str | None = None,
) -> RawPage:
    # Reference: GET /v1/debtors (CustomerNumber has no _comparison: it matches "contains")
    params = {
        "page": page,
        "pageSize": page_size,
        "orderBy": "id",
        "DateLastChange_from": changed_since,
        "EmailAddress": email,
        "EmailAddress_comparison": EQUALS if email is not None else None,
        "CustomerNumber": customer_number,
    }
    return _list(api, "/v1/debtors", params, Debtor)


def list_contact_persons(api: HttpClient, debtor_id: int) -> list[ContactPerson]:
    # Reference: GET /v1/debtors/{id}/contactpersons
    page = _list(api, f"/v1/debtors/{debtor_id}/contactpersons", {}, ContactPerson)
    return [answer(ContactPerson, item) for item in page.items]


def list_sales_orders(
    api: HttpClient,
    *,
    page: int = 1,
    page_size: int = MAX_PAGE_SIZE,
    changed_since: str | None = None,
    reference: str | None = None,
    date_from: str | None = None,
) -> RawPage:
    # Reference: GET /v1/salesorderswithlines
    params = {
        "page": page,
        "pageSize": page_size,
        "DateLastChange_from": changed_since,
        "Date_from": date_from,
        "Reference": reference,
        "Reference_comparison": EQUALS if reference is not None else None,
    }
    return _list(api, "/v1/salesorderswithlines", params, SalesOrder)


def list_sales_invoices(
    api: HttpClient,
    *,
    page: int = 1,
    page_size: int = MAX_PAGE_SIZE,
    invoice_number: str | None = None,
    description: str | None = None,
    date_from: str | None = None,
) -> RawPage:
    # Reference: GET /v1/salesinvoiceswithlines (no DateLastChange_from in the contract)
    params = {
        "page": page,
        "pageSize": page_size,
        "InvoiceNumber": invoice_number,
        "InvoiceNumber_comparison": EQUALS if invoice_number is not None else None,
        "Description": description,
        "Date_from": date_from,
    }
    return _list(api, "/v1/salesinvoiceswithlines", params, SalesInvoice)


def list_reference(api: HttpClient, kind: str, *, page: int = 1) -> RawPage:
    # Reference: GET /v1/vatcodes, /v1/paymentconditions, /v1/paymentmethods,
    # /v1/salestypes, /v1/debtorkinds, /v1/journals
    return _list(api, f"/v1/{kind}", {"page": page, "pageSize": MAX_PAGE_SIZE})


# ---- single records ----------------------------------------------------------------------


def get_article(api: HttpClient, article_id: str) -> dict[str, Any]:
    # Reference: GET /v1/articles/{id}
    return _record(api.request("GET", f"/v1/articles/{int(article_id)}"), Article)


def get_debtor(api: HttpClient, debtor_id: str) -> dict[str, Any]:
    # Reference: GET /v1/debtors/{id}
    return _record(api.request("GET", f"/v1/debtors/{int(debtor_id)}"), Debtor)


def create_article(api: HttpClient, payload: dict[str, Any]) -> dict[str, Any]:
    # Reference: POST /v1/articles (the code is unique: a repeat answers a duplicate error)
    reply = api.request("POST", "/v1/articles", json_body=payload, idempotent=True)
    return _record(reply, Article)


def update_article(api: HttpClient, article_id: str, payload: dict[str, Any]) -> dict[str, Any]:
    # Reference: PUT /v1/articles/{id}
    reply = api.request("PUT", f"/v1/articles/{int(article_id)}", json_body=payload)
    return _record(reply, Article)


def create_debtor(api: HttpClient, payload: dict[str, Any]) -> dict[str, Any]:
    # Reference: POST /v1/debtors (customerNumber is unique: a repeat is refused, not doubled)
    reply = api.request("POST", "/v1/debtors", json_body=payload, idempotent=True)
    return _record(reply, Debtor)


def update_debtor(api: HttpClient, debtor_id: str, payload: dict[str, Any]) -> dict[str, Any]:
    # Reference: PUT /v1/debtors/{id}
    reply = api.request("PUT", f"/v1/debtors/{int(debtor_id)}", json_body=payload)
    return _record(reply, Debtor)


def create_contact_person(
    api: HttpClient, debtor_id: str, payload: dict[str, Any]
) -> dict[str, Any]:
    # Reference: POST /v1/debtors/{id}/contactpersons (not unique: never repeated blindly)
    path = f"/v1/debtors/{int(debtor_id)}/contactpersons"
    return _record(api.request("POST", path, json_body=payload), ContactPerson)


def create_sales_order(api: HttpClient, payload: dict[str, Any]) -> dict[str, Any]:
    # Reference: POST /v1/salesorderswithlines (a repeat would book the order twice)
    reply = api.request("POST", "/v1/salesorderswithlines", json_body=payload)
    return _record(reply, SalesOrder)


def create_sales_invoice(api: HttpClient, payload: dict[str, Any]) -> dict[str, Any]:
    # Reference: POST /v1/salesinvoiceswithlines (a repeat would invoice twice)
    reply = api.request("POST", "/v1/salesinvoiceswithlines", json_body=payload)
    return _record(reply, SalesInvoice)


def _record(reply: Reply, model: type[BaseModel]) -> dict[str, Any]:
    """Check the answer against its schema; return it as the API sent it (with its model,
    so that the connector does not validate it again)."""
    checked = _answer(model, reply)
    if isinstance(reply.data, dict):
        return Checked(reply.data, checked)
    data: dict[str, Any] = reply.data
    return data
