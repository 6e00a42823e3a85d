"""The payments provider (Mollie) through its official client, mollie-api-python.

One function per endpoint the billing uses, each answer parsed into a small typed model
(read tolerant: fields we do not use are ignored). The client is pointed at Mollie itself
when MOLLIE_API_KEY is set, else at the sandbox this site serves (mollie.openapi.yaml beside
this file is the contract both follow). Errors come out as PaymentsError, with the key
redacted: the client's own messages may quote it.

The client speaks HTTP through `requests`, not through connectors/http.py: it is not a
connector of a tenant's system but the platform's own account, and its URL is configuration.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pydantic
from django.conf import settings
from mollie.api.client import Client
from mollie.api.error import Error as MollieError
from mollie.api.error import NotFoundError, ResponseError

from connectors.redaction import redact_text

MOLLIE_URL = "https://api.mollie.com"
TIMEOUT = (5, 20)


class PaymentsError(Exception):
    """The provider refused or could not be reached; `not_found` for an unknown id."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status

    @property
    def not_found(self) -> bool:
        return self.status == 404


class Answer(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="ignore", populate_by_name=True)


class Amount(Answer):
    currency: str
    value: Decimal


class Customer(Answer):
    id: str


class Payment(Answer):
    id: str
    status: str
    amount: Amount
    description: str
    sequence_type: str = pydantic.Field(alias="sequenceType")
    customer_id: str | None = pydantic.Field(None, alias="customerId")
    mandate_id: str | None = pydantic.Field(None, alias="mandateId")
    subscription_id: str | None = pydantic.Field(None, alias="subscriptionId")
    metadata: Any = None
    method: str | None = None
    created_at: datetime = pydantic.Field(alias="createdAt")
    paid_at: datetime | None = pydantic.Field(None, alias="paidAt")
    links: dict[str, Any] = pydantic.Field(default_factory=dict, alias="_links")

    @property
    def checkout_url(self) -> str | None:
        checkout = self.links.get("checkout") or {}
        return checkout.get("href") if isinstance(checkout, dict) else None

    @property
    def meta(self) -> dict[str, Any]:
        return self.metadata if isinstance(self.metadata, dict) else {}


class Subscription(Answer):
    id: str
    status: str
    amount: Amount
    interval: str
    description: str
    next_payment_date: date | None = pydantic.Field(None, alias="nextPaymentDate")
    mandate_id: str | None = pydantic.Field(None, alias="mandateId")


def is_sandbox() -> bool:
    return not settings.MOLLIE_API_KEY


def client() -> Client:
    """A client for the configured account: Mollie with MOLLIE_API_KEY, else the sandbox."""
    api = Client(timeout=TIMEOUT)
    if is_sandbox():
        api.set_api_endpoint(settings.MOLLIE_API_URL or f"{settings.SITE_URL}/sandbox/mollie")
    else:
        api.set_api_endpoint(settings.MOLLIE_API_URL or MOLLIE_URL)
    try:
        api.set_api_key(api_key())
    except MollieError as error:
        raise PaymentsError(redacted(error)) from None
    return api


def api_key() -> str:
    return str(settings.MOLLIE_API_KEY or settings.MOLLIE_SANDBOX_KEY)


def redacted(error: Exception) -> str:
    return redact_text(str(error), [api_key()])


def call(method: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Run one client call (`"payments.get"`, or a customer's `"subscriptions.create"` with
    customer_id=…); return its answer as a dict, or raise PaymentsError."""
    api = client()
    try:
        return dict(resolve(api, method, kwargs.pop("customer_id", None))(*args, **kwargs))
    except NotFoundError as error:
        raise PaymentsError(redacted(error), status=404) from None
    except ResponseError as error:
        raise PaymentsError(redacted(error), status=error.status) from None
    except MollieError as error:
        raise PaymentsError(redacted(error)) from None
    finally:
        # One session per call: a kept-alive connection would hold a server thread (and its
        # database connection) for as long as this process lives.
        session = getattr(api, "_client", None)
        if session is not None:
            session.close()


def resolve(api: Client, method: str, customer_id: str | None) -> Any:
    resource_name, action = method.split(".")
    owner: Any = api if customer_id is None else _customer(api, customer_id)
    return getattr(getattr(owner, resource_name), action)


def money(value: Decimal) -> dict[str, str]:
    return {"currency": "EUR", "value": f"{value:.2f}"}


# Reference: https://docs.mollie.com/reference/create-customer
def customer_create(*, name: str, email: str, metadata: dict[str, Any]) -> Customer:
    data = {"name": name, "email": email, "metadata": metadata}
    return Customer.model_validate(call("customers.create", data))


# Reference: https://docs.mollie.com/reference/create-payment
def payment_create(
    *,
    customer_id: str,
    amount: Decimal,
    description: str,
    redirect_url: str,
    webhook_url: str,
    metadata: dict[str, Any],
    sequence_type: str = "first",
    method: str | None = "ideal",
) -> Payment:
    """A payment for the customer; `first` (the default) leaves a mandate once it is paid."""
    data: dict[str, Any] = {
        "amount": money(amount),
        "description": description,
        "redirectUrl": redirect_url,
        "webhookUrl": webhook_url,
        "metadata": metadata,
        "sequenceType": sequence_type,
        "customerId": customer_id,
    }
    if method:
        data["method"] = method
    return Payment.model_validate(call("payments.create", data))


# Reference: https://docs.mollie.com/reference/get-payment
def payment_get(payment_id: str) -> Payment:
    if not payment_id.startswith("tr_"):
        raise PaymentsError(f"not a payment id: {payment_id[:40]!r}", status=404)
    return Payment.model_validate(call("payments.get", payment_id))


def _customer(api: Client, customer_id: str) -> Any:
    # The client reaches a customer's sub-resources through a customer object; building one
    # from the id saves the GET that fetching it would cost.
    from mollie.api.objects.customer import Customer as MollieCustomer

    return MollieCustomer({"id": customer_id}, api)  # type: ignore[no-untyped-call]


# Reference: https://docs.mollie.com/reference/list-payments (a customer's payments)
def customer_payments(customer_id: str, *, limit: int = 250) -> list[Payment]:
    answer = call("payments.list", customer_id=customer_id, limit=limit)
    items = (answer.get("_embedded") or {}).get("payments") or []
    return [Payment.model_validate(item) for item in items]


# Reference: https://docs.mollie.com/reference/create-subscription
def subscription_create(
    *,
    customer_id: str,
    amount: Decimal,
    description: str,
    start_date: date,
    webhook_url: str,
    metadata: dict[str, Any],
    mandate_id: str | None = None,
) -> Subscription:
    data: dict[str, Any] = {
        "amount": money(amount),
        "interval": "1 month",
        "description": description,
        "startDate": start_date.isoformat(),
        "webhookUrl": webhook_url,
        "metadata": metadata,
    }
    if mandate_id:
        data["mandateId"] = mandate_id
    answer = call("subscriptions.create", data, customer_id=customer_id)
    return Subscription.model_validate(answer)


# Reference: https://docs.mollie.com/reference/update-subscription
def subscription_update(
    *, customer_id: str, subscription_id: str, data: dict[str, Any]
) -> Subscription:
    answer = call("subscriptions.update", subscription_id, data, customer_id=customer_id)
    return Subscription.model_validate(answer)


# Reference: https://docs.mollie.com/reference/cancel-subscription
def subscription_cancel(*, customer_id: str, subscription_id: str) -> Subscription:
    answer = call("subscriptions.delete", subscription_id, customer_id=customer_id)
    return Subscription.model_validate(answer)


# Reference: https://docs.mollie.com/reference/get-subscription
def subscription_get(*, customer_id: str, subscription_id: str) -> Subscription:
    answer = call("subscriptions.get", subscription_id, customer_id=customer_id)
    return Subscription.model_validate(answer)
