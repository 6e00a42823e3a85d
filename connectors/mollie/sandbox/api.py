"""The Mollie API v2 as the contract describes it, served under /sandbox/mollie/v2/.

JSON views without CSRF (API keys, not cookies). Every request of a known account goes
through the sandbox kit's fault injection with that account's knobs before its handler.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, Literal

import pydantic
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from connectors.mollie.sandbox import render, services
from connectors.mollie.sandbox.models import Account, Payment
from connectors.mollie.sandbox.seed import ensure_demo_account
from connectors.sandboxkit.faults import inject_faults, maybe_malform

TITLES = {
    400: "Bad Request",
    401: "Unauthorized Request",
    404: "Not Found",
    405: "Method Not Allowed",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
MAX_LIMIT = 250
DEFAULT_LIMIT = 50
AMOUNT_VALUE = r"^[0-9]+\.[0-9]{2}$"
INTERVAL = r"^[0-9]+ (day|days|week|weeks|month|months)$"

Handler = Callable[..., HttpResponse]


def error_response(
    status: int, detail: str, retry_after: int | None = None, field: str | None = None
) -> HttpResponse:
    body: dict[str, Any] = {
        "status": status,
        "title": TITLES.get(status, "Error"),
        "detail": detail,
        "_links": {
            "documentation": {
                "href": "https://docs.mollie.com/overview/handling-errors",
                "type": "text/html",
            }
        },
    }
    if field:
        body["field"] = field
    response = JsonResponse(body, status=status, content_type=render.HAL)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def hal(data: Any, status: int = 200) -> HttpResponse:
    return JsonResponse(data, status=status, content_type=render.HAL)


# ---- bodies ----------------------------------------------------------------------------------


class Money(pydantic.BaseModel):
    currency: str = pydantic.Field(pattern=r"^[A-Z]{3}$")
    value: str = pydantic.Field(pattern=AMOUNT_VALUE)


class CustomerIn(pydantic.BaseModel):
    name: str | None = pydantic.Field(None, max_length=255)
    email: str | None = pydantic.Field(None, max_length=320)
    locale: str | None = None
    metadata: Any = None


class PaymentIn(pydantic.BaseModel):
    amount: Money
    description: str = pydantic.Field(min_length=1, max_length=255)
    redirectUrl: str | None = None  # noqa: N815 - Mollie's field names
    cancelUrl: str | None = None  # noqa: N815
    webhookUrl: str | None = None  # noqa: N815
    locale: str | None = None
    method: str | None = None
    metadata: Any = None
    sequenceType: Literal["oneoff", "first", "recurring"] = "oneoff"  # noqa: N815
    customerId: str | None = None  # noqa: N815
    mandateId: str | None = None  # noqa: N815


class SubscriptionIn(pydantic.BaseModel):
    amount: Money
    interval: str = pydantic.Field(pattern=INTERVAL)
    description: str = pydantic.Field(min_length=1, max_length=255)
    times: int | None = pydantic.Field(None, ge=1)
    startDate: str | None = None  # noqa: N815
    method: str | None = None
    mandateId: str | None = None  # noqa: N815
    webhookUrl: str | None = None  # noqa: N815
    metadata: Any = None


class SubscriptionUpdate(pydantic.BaseModel):
    amount: Money | None = None
    interval: str | None = pydantic.Field(None, pattern=INTERVAL)
    description: str | None = pydantic.Field(None, min_length=1, max_length=255)
    times: int | None = pydantic.Field(None, ge=1)
    startDate: str | None = None  # noqa: N815
    mandateId: str | None = None  # noqa: N815
    webhookUrl: str | None = None  # noqa: N815
    metadata: Any = None


def parse(model: type[pydantic.BaseModel], request: HttpRequest) -> dict[str, Any]:
    """The body as the model allows it (fields not sent stay absent); Refused when invalid."""
    try:
        raw = json.loads(request.body or b"{}")
    except (ValueError, RecursionError):
        raise services.Refused(400, "The request body is not valid JSON.") from None
    if not isinstance(raw, dict):
        raise services.Refused(400, "The request body must be a JSON object.")
    try:
        parsed = model.model_validate(raw)
    except pydantic.ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        message = f"The '{field}' field is invalid: {first['msg']}."
        raise services.Refused(422, message, field) from None
    return parsed.model_dump(exclude_unset=True)


# ---- who is asking ---------------------------------------------------------------------------


def account_of(request: HttpRequest) -> Account | None:
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not re.match(r"^(live|test)_\w+$", key):
        return None
    if key == settings.MOLLIE_SANDBOX_KEY:
        # The platform's own sandbox account exists from its first call on: `make run`
        # needs no setup step for payments.
        return ensure_demo_account()
    return services.account_for_key(key)


def bases(request: HttpRequest) -> tuple[str, str]:
    """The API's base URL (…/sandbox/mollie) and the hosted checkout's, as the caller sees them."""
    api = request.build_absolute_uri(reverse("mollie_sandbox:root")).rstrip("/")
    checkout = request.build_absolute_uri(reverse("mollie_sandbox:checkout_root")).rstrip("/")
    return api, checkout


def endpoint(handlers: dict[str, Handler]) -> Handler:
    """Return the view of one path: method dispatch, the API key, faults, errors as Mollie's."""

    @csrf_exempt
    def view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        account = account_of(request)
        if account is None:
            return error_response(401, "Missing authentication, or failed to authenticate")
        injected = inject_faults(
            scope=account.scope, knobs=account.get_knobs(), error=error_response
        )
        if injected is not None:
            return injected
        handler = handlers.get(request.method or "")
        if handler is None:
            return error_response(405, f"The method {request.method} is not allowed here.")
        try:
            response = handler(request, account, **kwargs)
        except services.Refused as refused:
            return error_response(refused.status, refused.detail, field=refused.field)
        return maybe_malform(response, knobs=account.get_knobs())

    return view


# ---- handlers --------------------------------------------------------------------------------


def customer_create(request: HttpRequest, account: Account) -> HttpResponse:
    customer = services.customer_create(account=account, data=parse(CustomerIn, request))
    return hal(render.customer_json(customer, bases(request)[0]), 201)


def customer_detail(request: HttpRequest, account: Account, customer_id: str) -> HttpResponse:
    customer = services.customer_of(account, customer_id)
    return hal(render.customer_json(customer, bases(request)[0]))


def payment_create(request: HttpRequest, account: Account) -> HttpResponse:
    payment = services.payment_create(account=account, data=parse(PaymentIn, request))
    return hal(payment_json(request, payment), 201)


def payment_detail(request: HttpRequest, account: Account, payment_id: str) -> HttpResponse:
    return hal(payment_json(request, services.payment_of(account, payment_id)))


def payment_json(request: HttpRequest, payment: Payment) -> dict[str, Any]:
    api, checkout = bases(request)
    return render.payment_json(payment, api, checkout)


def customer_payments(request: HttpRequest, account: Account, customer_id: str) -> HttpResponse:
    customer = services.customer_of(account, customer_id)
    return paged(request, "payments", customer.payments.all(), lambda p: payment_json(request, p))


def mandates(request: HttpRequest, account: Account, customer_id: str) -> HttpResponse:
    customer = services.customer_of(account, customer_id)
    api = bases(request)[0]
    return paged(
        request, "mandates", customer.mandates.all(), lambda m: render.mandate_json(m, api)
    )


def mandate_detail(
    request: HttpRequest, account: Account, customer_id: str, mandate_id: str
) -> HttpResponse:
    customer = services.customer_of(account, customer_id)
    mandate = customer.mandates.filter(public_id=mandate_id).first()
    if mandate is None:
        raise services.Refused(404, f"No mandate exists with token {mandate_id}.")
    return hal(render.mandate_json(mandate, bases(request)[0]))


def subscription_create(request: HttpRequest, account: Account, customer_id: str) -> HttpResponse:
    customer = services.customer_of(account, customer_id)
    data = parse(SubscriptionIn, request)
    subscription = services.subscription_create(customer=customer, data=data)
    return hal(render.subscription_json(subscription, bases(request)[0]), 201)


def subscriptions(request: HttpRequest, account: Account, customer_id: str) -> HttpResponse:
    customer = services.customer_of(account, customer_id)
    api = bases(request)[0]
    rows = customer.subscriptions.all()
    return paged(request, "subscriptions", rows, lambda s: render.subscription_json(s, api))


def subscription_detail(
    request: HttpRequest, account: Account, customer_id: str, subscription_id: str
) -> HttpResponse:
    subscription = services.subscription_of(
        services.customer_of(account, customer_id), subscription_id
    )
    return hal(render.subscription_json(subscription, bases(request)[0]))


def subscription_update(
    request: HttpRequest, account: Account, customer_id: str, subscription_id: str
) -> HttpResponse:
    subscription = services.subscription_of(
        services.customer_of(account, customer_id), subscription_id
    )
    data = parse(SubscriptionUpdate, request)
    subscription = services.subscription_update(subscription=subscription, data=data)
    return hal(render.subscription_json(subscription, bases(request)[0]))


def subscription_cancel(
    request: HttpRequest, account: Account, customer_id: str, subscription_id: str
) -> HttpResponse:
    subscription = services.subscription_of(
        services.customer_of(account, customer_id), subscription_id
    )
    subscription = services.subscription_cancel(subscription=subscription)
    return hal(render.subscription_json(subscription, bases(request)[0]))


def subscription_payments(
    request: HttpRequest, account: Account, customer_id: str, subscription_id: str
) -> HttpResponse:
    subscription = services.subscription_of(
        services.customer_of(account, customer_id), subscription_id
    )
    rows = subscription.payments.all()
    return paged(request, "payments", rows, lambda p: payment_json(request, p))


def paged(
    request: HttpRequest, name: str, rows: Any, to_json: Callable[[Any], dict[str, Any]]
) -> HttpResponse:
    """Newest first, `limit` at a time, from the id in `from` on (Mollie's cursor paging)."""
    limit_text = request.GET.get("limit") or str(DEFAULT_LIMIT)
    if not limit_text.isdigit() or not 1 <= int(limit_text) <= MAX_LIMIT:
        raise services.Refused(400, f"The limit must be between 1 and {MAX_LIMIT}.", "limit")
    limit = int(limit_text)
    rows = rows.order_by("-id")
    start = request.GET.get("from")
    if start:
        anchor = rows.filter(public_id=start).values_list("id", flat=True).first()
        rows = rows.filter(id__lte=anchor) if anchor else rows.none()
    page = list(rows[: limit + 1])
    self_href = request.build_absolute_uri(request.path)
    next_href = None
    if len(page) > limit:
        next_href = f"{self_href}?from={page[limit].public_id}&limit={limit}"
    items = [to_json(row) for row in page[:limit]]
    return hal(render.list_json(name, items, self_href=self_href, next_href=next_href))


def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return error_response(404, "The resource does not exist.")
