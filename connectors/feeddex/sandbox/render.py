"""Rows as the contract's JSON: camelCase, UTC timestamps with milliseconds and `Z`,
money as numbers with at most two decimals.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from connectors.feeddex.sandbox.models import (
    Customer,
    Order,
    Product,
    Transaction,
    Unit,
    WebhookSubscription,
)
from connectors.sandboxkit.paging import PageSlice


def timestamp(moment: datetime) -> str:
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def money(value: Decimal | float | int) -> float:
    return float(Decimal(str(value)).quantize(Decimal("0.01")))


def number(value: Decimal | float | int) -> int | float:
    """Return a whole number as int (21, not 21.0), otherwise a float."""
    as_decimal = Decimal(str(value))
    return int(as_decimal) if as_decimal == as_decimal.to_integral_value() else float(as_decimal)


def page_json(page: PageSlice[Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "items": items,
        "page": page.page,
        "pageSize": page.page_size,
        "total": page.total,
        "nextPage": page.next_page,
    }


def unit_json(unit: Unit) -> dict[str, Any]:
    return {"id": unit.pk, "name": unit.name}


def product_json(product: Product) -> dict[str, Any]:
    return {
        "id": product.pk,
        "sku": product.sku,
        "type": product.type,
        "name": product.name,
        "shortDescription": product.short_description,
        "longDescription": product.long_description,
        "price": money(product.price),
        "priceIncludesVat": product.price_includes_vat,
        "vatRate": number(product.vat_rate),
        "currency": product.currency,
        "ean": product.ean,
        "quantity": product.quantity,
        "manageStock": product.manage_stock,
        "attributes": product.attributes,
        "active": product.active,
        "createdAt": timestamp(product.created_at),
        "updatedAt": timestamp(product.updated_at),
    }


def customer_json(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.pk,
        "email": customer.email,
        "firstName": customer.first_name,
        "lastName": customer.last_name,
        "companyName": customer.company_name,
        "vatNumber": customer.vat_number,
        "phone": customer.phone,
        "customerCode": customer.customer_code,
        "billingAddress": customer.billing_address,
        "shippingAddress": customer.shipping_address,
        "createdAt": timestamp(customer.created_at),
        "updatedAt": timestamp(customer.updated_at),
    }


def order_json(order: Order) -> dict[str, Any]:
    return {
        "id": order.pk,
        "number": order.number,
        "status": order.status,
        "paymentStatus": order.payment_status,
        "paymentMethod": order.payment_method,
        "paymentTermDays": order.payment_term_days,
        "currency": order.currency,
        "customer": {"id": order.customer_id, **order.customer_data},
        "billingAddress": order.billing_address,
        "shippingAddress": order.shipping_address,
        "lines": order.lines,
        "shippingCost": order.shipping_cost,
        "totals": order.totals,
        "note": order.note,
        "externalReference": order.external_reference,
        "createdAt": timestamp(order.created_at),
        "updatedAt": timestamp(order.updated_at),
    }


def _shown(moment: datetime | None, now: datetime) -> str | None:
    """A planned moment shows once it has passed: the invitation state as of `now`."""
    return timestamp(moment) if moment is not None and moment <= now else None


def _day(value: date) -> str:
    return value.isoformat()


def transaction_json(transaction: Transaction, *, now: datetime) -> dict[str, Any]:
    return {
        "id": transaction.pk,
        "date": _day(transaction.date),
        "customerCode": transaction.customer_code,
        "unitId": transaction.unit_id,
        "enteredOn": timestamp(transaction.entered_on),
        "sentOn": _shown(transaction.sent_at, now),
        "remindedOn": _shown(transaction.reminded_at, now),
        "feedbackStarted": _shown(transaction.started_at, now),
        "modelQuestionsCompleted": _shown(transaction.questions_completed_at, now),
        "feedbackCompleted": _shown(transaction.completed_at, now),
        "expirationDate": _day(transaction.expiration_date),
    }


def f100_scores_json(transaction: Transaction, *, now: datetime) -> dict[str, Any] | None:
    completed = transaction.completed_at
    if completed is None or completed > now or transaction.score is None:
        return None
    value = transaction.score
    grade = max(1.0, round(value / 10, 1))
    return {"overallScore": {"value": value, "valueAsGrade": grade}}


def webhook_json(subscription: WebhookSubscription) -> dict[str, Any]:
    # The secret is write-only: it is never shown back.
    return {"id": subscription.pk, "url": subscription.url, "events": subscription.events}
