"""The Feeddex API as the contract describes it, served under /sandbox/feeddex/.

JSON views without CSRF (bearer tokens, not cookies). Every request of a known account goes
through the sandbox kit's fault injection with that account's knobs, before the handler runs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from connectors.feeddex.sandbox import render, selectors, services
from connectors.feeddex.sandbox.models import Account
from connectors.feeddex.sandbox.schemas import (
    AuthenticateIn,
    BodyInvalid,
    CustomerIn,
    OrderPatchIn,
    ProductIn,
    StockIn,
    TransactionIn,
    WebhookIn,
    parse_body,
)
from connectors.sandboxkit.faults import inject_faults, maybe_malform, with_unknown_fields
from connectors.sandboxkit.paging import PagingInvalid, page_request, paginate

CONTRACT_MAX_PAGE_SIZE = 250
DEFAULT_PAGE_SIZE = 50
MAX_ROW_ID = 2**63 - 1
NO_TOKEN = "missing bearer token"
UNKNOWN_TOKEN = "unknown token"
EXPIRED_TOKEN = "the token has expired: authenticate again"
BAD_CREDENTIALS = "unknown organization, authCode or password"

Handler = Callable[..., HttpResponse]


class QueryInvalid(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def error_response(
    status: int,
    message: str,
    retry_after: int | None = None,
    errors: dict[str, list[str]] | None = None,
) -> HttpResponse:
    """The contract's Error body; Retry-After (seconds) on 429 and 503."""
    body: dict[str, Any] = {"message": message}
    if errors:
        body["errors"] = errors
    response = JsonResponse(body, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _json(data: Any, status: int = 200) -> HttpResponse:
    return JsonResponse(data, status=status, safe=False)


# ---- who is asking -------------------------------------------------------------------------


def _bearer(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def _token_account(request: HttpRequest, now: datetime) -> tuple[Account | None, str | None]:
    """Return (the token's account, None) or (the account or None, why it is refused)."""
    token = _bearer(request)
    if token is None:
        return None, NO_TOKEN
    row = services.token_lookup(token)
    if row is None:
        return None, UNKNOWN_TOKEN
    clock = timedelta(seconds=row.account.get_knobs().clock_offset_seconds)
    if row.expires_at <= now + clock:
        # Faults still apply: the rate limit counts an organization's refused calls too.
        return row.account, EXPIRED_TOKEN
    return row.account, None


def _login_account(request: HttpRequest) -> Account | None:
    """The organization named in an /authenticate body, so its knobs apply to logins."""
    try:
        organization = json.loads(request.body).get("organization")
    except (ValueError, AttributeError, RecursionError):  # nested deeper than json goes
        return None
    if not isinstance(organization, str):
        return None
    return Account.objects.filter(organization=organization).first()


# ---- the view factory ----------------------------------------------------------------------


def endpoint(handlers: dict[str, Handler], *, public: bool = False) -> Handler:
    """Return the view of one path: method dispatch, auth, faults, errors as the contract."""

    @csrf_exempt
    def view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        now = services.now()
        if public:
            account, refused = _login_account(request), None
        else:
            account, refused = _token_account(request, now)
        if account is not None:
            knobs = account.get_knobs()
            injected = inject_faults(scope=account.scope, knobs=knobs, error=error_response)
            if injected is not None:
                return injected
            answer = _answer(request, handlers, account, refused, kwargs)
            return maybe_malform(with_unknown_fields(answer, knobs=knobs), knobs=knobs)
        return _answer(request, handlers, account, refused, kwargs)

    return view


def _answer(
    request: HttpRequest,
    handlers: dict[str, Handler],
    account: Account | None,
    refused: str | None,
    kwargs: dict[str, Any],
) -> HttpResponse:
    handler = handlers.get(request.method or "")
    if handler is None:
        response = error_response(405, f"method {request.method} is not allowed here")
        response["Allow"] = ", ".join(handlers)
        return response
    if refused is not None:
        return error_response(401, refused)
    try:
        return handler(request, account, **kwargs)
    except services.SandboxError as error:
        return error_response(error.status, error.message, errors=error.errors)
    except BodyInvalid as error:
        return error_response(400, error.message, errors=error.errors)
    except (PagingInvalid, QueryInvalid) as error:
        return error_response(400, "a parameter is invalid", errors={error.field: [error.message]})


def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return error_response(404, f"no such path: {request.path}")


# ---- parameters ----------------------------------------------------------------------------


def _row_id(raw: str, what: str) -> int:
    if not raw.isdigit() or int(raw) > MAX_ROW_ID:
        raise services.NotFound(selectors.NOT_FOUND.format(what=what, id=raw))
    return int(raw)


def _updated_since(request: HttpRequest) -> datetime | None:
    raw = request.GET.get("updatedSince")
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise QueryInvalid("updatedSince", "not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise QueryInvalid("updatedSince", "give a time zone (Z or an offset)")
    try:
        # In UTC: PostgreSQL refuses offsets beyond ±15:59, which ISO 8601 allows.
        return moment.astimezone(UTC)
    except OverflowError:
        raise QueryInvalid("updatedSince", "out of range") from None


def _check_query(request: HttpRequest) -> None:
    for name, values in request.GET.lists():
        if any("\x00" in value for value in values):
            raise QueryInvalid(name, "may not contain NUL characters")


def _page(
    request: HttpRequest, account: Account, queryset: Any, rows: Callable[..., Any]
) -> HttpResponse:
    asked = page_request(
        request.GET,
        default_size=DEFAULT_PAGE_SIZE,
        contract_max=CONTRACT_MAX_PAGE_SIZE,
        knob_max=account.get_knobs().max_page_size,
    )
    page = paginate(queryset, asked)
    return _json(render.page_json(page, [rows(row) for row in page.items]))


# ---- handlers ------------------------------------------------------------------------------


def authenticate(request: HttpRequest, account: Account | None) -> HttpResponse:
    try:
        body = parse_body(AuthenticateIn, request.body)
    except BodyInvalid as error:
        # The contract answers a login only 200, 401 or 429: a bad body is a failed login.
        return error_response(401, BAD_CREDENTIALS, errors=error.errors)
    found = services.authenticate(
        organization=body.organization, auth_code=body.auth_code, password=body.password
    )
    if found is None:
        return error_response(401, BAD_CREDENTIALS)
    token, lifetime = services.token_issue(account=found, now=services.now())
    return _json({"token": token, "expiresIn": lifetime})


def units(request: HttpRequest, account: Account) -> HttpResponse:
    return _page(request, account, selectors.unit_list(account=account), render.unit_json)


def products(request: HttpRequest, account: Account) -> HttpResponse:
    _check_query(request)
    queryset = selectors.product_list(
        account=account,
        skus=request.GET.getlist("sku"),
        updated_since=_updated_since(request),
    )
    return _page(request, account, queryset, render.product_json)


def product_create(request: HttpRequest, account: Account) -> HttpResponse:
    data = parse_body(ProductIn, request.body)
    product = services.product_create(account=account, data=data, now=services.now())
    return _json(render.product_json(product), status=201)


def product_detail(request: HttpRequest, account: Account, pk: str) -> HttpResponse:
    product = selectors.product_get(account=account, pk=_row_id(pk, "product"))
    return _json(render.product_json(product))


def product_update(request: HttpRequest, account: Account, pk: str) -> HttpResponse:
    product = selectors.product_get(account=account, pk=_row_id(pk, "product"))
    data = parse_body(ProductIn, request.body)
    product = services.product_update(product=product, data=data, now=services.now())
    return _json(render.product_json(product))


def stock(request: HttpRequest, account: Account) -> HttpResponse:
    data = parse_body(StockIn, request.body)
    updated, failed = services.stock_apply(account=account, data=data, now=services.now())
    return _json({"updated": updated, "failed": failed})


def customers(request: HttpRequest, account: Account) -> HttpResponse:
    _check_query(request)
    queryset = selectors.customer_list(
        account=account, email=request.GET.get("email"), updated_since=_updated_since(request)
    )
    return _page(request, account, queryset, render.customer_json)


def customer_create(request: HttpRequest, account: Account) -> HttpResponse:
    data = parse_body(CustomerIn, request.body)
    customer = services.customer_create(account=account, data=data, now=services.now())
    return _json(render.customer_json(customer), status=201)


def customer_detail(request: HttpRequest, account: Account, pk: str) -> HttpResponse:
    customer = selectors.customer_get(account=account, pk=_row_id(pk, "customer"))
    return _json(render.customer_json(customer))


def customer_update(request: HttpRequest, account: Account, pk: str) -> HttpResponse:
    customer = selectors.customer_get(account=account, pk=_row_id(pk, "customer"))
    data = parse_body(CustomerIn, request.body)
    customer = services.customer_update(customer=customer, data=data, now=services.now())
    return _json(render.customer_json(customer))


def orders(request: HttpRequest, account: Account) -> HttpResponse:
    _check_query(request)
    queryset = selectors.order_list(
        account=account,
        statuses=request.GET.getlist("status"),
        payment_statuses=request.GET.getlist("paymentStatus"),
        updated_since=_updated_since(request),
    )
    return _page(request, account, queryset, render.order_json)


def order_detail(request: HttpRequest, account: Account, pk: str) -> HttpResponse:
    order = selectors.order_get(account=account, pk=_row_id(pk, "order"))
    return _json(render.order_json(order))


def order_patch(request: HttpRequest, account: Account, pk: str) -> HttpResponse:
    order = selectors.order_get(account=account, pk=_row_id(pk, "order"))
    data = parse_body(OrderPatchIn, request.body)
    order = services.order_patch(order=order, data=data, now=services.now())
    return _json(render.order_json(order))


def transaction_create(request: HttpRequest, account: Account) -> HttpResponse:
    data = parse_body(TransactionIn, request.body)
    now = services.now()
    row = services.transaction_register(account=account, data=data, now=now)
    return _json({"transaction": render.transaction_json(row, now=now)}, status=201)


def _month_param(request: HttpRequest, name: str, low: int, high: int) -> int:
    raw = request.GET.get(name, "")
    if not raw.lstrip("-").isdigit() or not low <= int(raw) <= high:
        raise QueryInvalid(name, f"a whole number from {low} to {high} is required")
    return int(raw)


def feedback_data(request: HttpRequest, account: Account) -> HttpResponse:
    year = _month_param(request, "year", 1, 9999)
    month = _month_param(request, "month", 1, 12)
    now = services.now()
    rows = selectors.transactions_of_month(account=account, year=year, month=month)
    return _json(
        {
            "feedbackData": [
                {
                    "transaction": render.transaction_json(row, now=now),
                    "f100Scores": render.f100_scores_json(row, now=now),
                }
                for row in rows
            ],
            "unitData": [render.unit_json(u) for u in selectors.unit_list(account=account)],
        }
    )


def webhooks(request: HttpRequest, account: Account) -> HttpResponse:
    return _page(request, account, selectors.webhook_list(account=account), render.webhook_json)


def webhook_create(request: HttpRequest, account: Account) -> HttpResponse:
    data = parse_body(WebhookIn, request.body)
    subscription = services.webhook_subscribe(account=account, data=data)
    return _json(render.webhook_json(subscription), status=201)


def webhook_delete(request: HttpRequest, account: Account, pk: str) -> HttpResponse:
    subscription = selectors.webhook_get(account=account, pk=_row_id(pk, "webhook"))
    services.webhook_unsubscribe(subscription=subscription)
    return HttpResponse(status=204)
