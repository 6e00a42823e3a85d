"""The sandbox's rows as Mollie's JSON (HAL: ids with prefixes, amounts as strings, _links)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from connectors.mollie.sandbox.models import Customer, Mandate, Payment, Subscription

HAL = "application/hal+json"


def stamp(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def amount(value: Decimal, currency: str) -> dict[str, str]:
    return {"currency": currency, "value": f"{value:.2f}"}


def link(href: str | None, kind: str = HAL) -> dict[str, str] | None:
    return {"href": href, "type": kind} if href else None


def customer_json(customer: Customer, base: str) -> dict[str, Any]:
    href = f"{base}/v2/customers/{customer.public_id}"
    return {
        "resource": "customer",
        "id": customer.public_id,
        "mode": customer.account.key_mode,
        "name": customer.name or None,
        "email": customer.email or None,
        "locale": customer.locale,
        "metadata": customer.metadata,
        "createdAt": stamp(customer.created_at),
        "_links": {
            "self": link(href),
            "payments": link(f"{href}/payments"),
            "mandates": link(f"{href}/mandates"),
            "subscriptions": link(f"{href}/subscriptions"),
        },
    }


def payment_json(payment: Payment, base: str, checkout_base: str) -> dict[str, Any]:
    customer = payment.customer.public_id if payment.customer else None
    links: dict[str, Any] = {"self": link(f"{base}/v2/payments/{payment.public_id}")}
    if payment.status == "open" and payment.sequence_type != "recurring":
        links["checkout"] = link(f"{checkout_base}/{payment.public_id}/", "text/html")
    if customer:
        links["customer"] = link(f"{base}/v2/customers/{customer}")
    if payment.subscription and customer:
        sub = payment.subscription.public_id
        links["subscription"] = link(f"{base}/v2/customers/{customer}/subscriptions/{sub}")
    return {
        "resource": "payment",
        "id": payment.public_id,
        "mode": payment.account.key_mode,
        "createdAt": stamp(payment.created_at),
        "status": payment.status,
        "isCancelable": False,
        "amount": amount(payment.amount, payment.currency),
        "description": payment.description,
        "method": payment.method,
        "metadata": payment.metadata,
        "sequenceType": payment.sequence_type,
        "redirectUrl": payment.redirect_url,
        "webhookUrl": payment.webhook_url,
        "profileId": "pfl_sandbox0001",
        "customerId": customer,
        "mandateId": payment.mandate.public_id if payment.mandate else None,
        "subscriptionId": payment.subscription.public_id if payment.subscription else None,
        "paidAt": stamp(payment.paid_at),
        "failedAt": stamp(payment.failed_at),
        "expiredAt": stamp(payment.expired_at),
        "canceledAt": stamp(payment.canceled_at),
        "expiresAt": stamp(payment.expires_at) if payment.status == "open" else None,
        "_links": links,
    }


def mandate_json(mandate: Mandate, base: str) -> dict[str, Any]:
    customer = mandate.customer.public_id
    return {
        "resource": "mandate",
        "id": mandate.public_id,
        "mode": mandate.customer.account.key_mode,
        "status": mandate.status,
        "method": mandate.method,
        "details": {
            "consumerName": mandate.consumer_name,
            "consumerAccount": mandate.consumer_account,
            "consumerBic": "INGBNL2A",
        },
        "mandateReference": f"SANDBOX-{mandate.pk}",
        "signatureDate": day(mandate.signature_date),
        "createdAt": stamp(mandate.created_at),
        "_links": {
            "self": link(f"{base}/v2/customers/{customer}/mandates/{mandate.public_id}"),
            "customer": link(f"{base}/v2/customers/{customer}"),
        },
    }


def subscription_json(subscription: Subscription, base: str) -> dict[str, Any]:
    customer = subscription.customer.public_id
    href = f"{base}/v2/customers/{customer}/subscriptions/{subscription.public_id}"
    remaining = None
    if subscription.times is not None:
        remaining = max(0, subscription.times - subscription.payments.count())
    return {
        "resource": "subscription",
        "id": subscription.public_id,
        "mode": subscription.customer.account.key_mode,
        "createdAt": stamp(subscription.created_at),
        "status": subscription.status,
        "amount": amount(subscription.amount, subscription.currency),
        "times": subscription.times,
        "timesRemaining": remaining,
        "interval": subscription.interval,
        "startDate": day(subscription.start_date),
        "nextPaymentDate": (
            day(subscription.next_payment_date) if subscription.status == "active" else None
        ),
        "description": subscription.description,
        "method": subscription.method,
        "mandateId": subscription.mandate.public_id if subscription.mandate else None,
        "canceledAt": stamp(subscription.canceled_at),
        "webhookUrl": subscription.webhook_url,
        "metadata": subscription.metadata,
        "_links": {
            "self": link(href),
            "customer": link(f"{base}/v2/customers/{customer}"),
            "payments": link(f"{href}/payments"),
        },
    }


def list_json(
    name: str, items: list[dict[str, Any]], *, self_href: str, next_href: str | None
) -> dict[str, Any]:
    return {
        "count": len(items),
        "_embedded": {name: items},
        "_links": {
            "self": link(self_href),
            "previous": None,
            "next": link(next_href),
            "documentation": link("https://docs.mollie.com/reference/v2", "text/html"),
        },
    }
