"""Reads of the Feeddex sandbox, always within one account."""

from __future__ import annotations

from datetime import date, datetime
from typing import TypeVar

from django.db.models import Model, QuerySet

from connectors.feeddex.sandbox.models import (
    Account,
    Customer,
    Order,
    Product,
    Transaction,
    Unit,
    WebhookSubscription,
)
from connectors.feeddex.sandbox.services import NotFound

M = TypeVar("M", bound=Model)

NOT_FOUND = "no {what} with id {id}"


def _one(queryset: QuerySet[M], *, what: str, pk: int) -> M:
    row = queryset.filter(pk=pk).first()
    if row is None:
        raise NotFound(NOT_FOUND.format(what=what, id=pk))
    return row


def product_get(*, account: Account, pk: int) -> Product:
    return _one(Product.objects.filter(account=account), what="product", pk=pk)


def customer_get(*, account: Account, pk: int) -> Customer:
    return _one(Customer.objects.filter(account=account), what="customer", pk=pk)


def order_get(*, account: Account, pk: int) -> Order:
    return _one(Order.objects.filter(account=account), what="order", pk=pk)


def webhook_get(*, account: Account, pk: int) -> WebhookSubscription:
    return _one(WebhookSubscription.objects.filter(account=account), what="webhook", pk=pk)


def _since(queryset: QuerySet[M], updated_since: datetime | None) -> QuerySet[M]:
    # Inclusive, as the contract says: a client passing its last updatedAt sees that row again.
    return queryset if updated_since is None else queryset.filter(updated_at__gte=updated_since)


def product_list(
    *, account: Account, skus: list[str], updated_since: datetime | None
) -> QuerySet[Product]:
    products = _since(Product.objects.filter(account=account), updated_since)
    if skus:
        products = products.filter(sku__in=skus)
    return products.order_by("updated_at", "id")


def customer_list(
    *, account: Account, email: str | None, updated_since: datetime | None
) -> QuerySet[Customer]:
    customers = _since(Customer.objects.filter(account=account), updated_since)
    if email:
        customers = customers.filter(email__iexact=email)
    return customers.order_by("updated_at", "id")


def order_list(
    *,
    account: Account,
    statuses: list[str],
    payment_statuses: list[str],
    updated_since: datetime | None,
) -> QuerySet[Order]:
    orders = _since(Order.objects.filter(account=account), updated_since)
    if statuses:
        orders = orders.filter(status__in=statuses)
    if payment_statuses:
        orders = orders.filter(payment_status__in=payment_statuses)
    return orders.order_by("updated_at", "id")


def unit_list(*, account: Account) -> QuerySet[Unit]:
    return Unit.objects.filter(account=account).order_by("id")


def webhook_list(*, account: Account) -> QuerySet[WebhookSubscription]:
    return WebhookSubscription.objects.filter(account=account).order_by("id")


def transactions_of_month(*, account: Account, year: int, month: int) -> QuerySet[Transaction]:
    first = date(year, month, 1)
    after = date(year + month // 12, month % 12 + 1, 1)
    return Transaction.objects.filter(account=account, date__gte=first, date__lt=after).order_by(
        "date", "id"
    )
