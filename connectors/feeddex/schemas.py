"""Feeddex's payloads as pydantic models, named as in feeddex.openapi.yaml.

Answers are parsed strictly in JSON mode (`parse_json`); unknown fields in answers are
ignored, unknown fields in what we send (`*In` models) are refused.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from connectors.contract import contract_only
from connectors.parsing import parse_json as parse_json  # the connectors' name for it

M = TypeVar("M", bound=BaseModel)

# A list envelope's item: Any (each record parsed on its own), or the record's model when
# a page is validated whole (connectors/parsing.py).
T = TypeVar("T")

OrderStatus = Literal["new", "processing", "shipped", "completed", "cancelled"]
PaymentStatus = Literal["pending", "paid", "refunded", "failed"]
WebhookEventType = Literal["order.created", "order.updated", "order.paid"]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


class Answer(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid")
    read_only: ClassVar[frozenset[str]] = frozenset({"id", "createdAt", "updatedAt"})

    @classmethod
    def writable(cls, data: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in data.items() if k not in cls.read_only}

    @classmethod
    def contract_fields(cls, answer: dict[str, Any]) -> dict[str, Any]:
        """The writable fields of an answer that this payload defines, nested ones included:
        what an answer carries beyond the contract (the API grows) is never sent back."""
        return contract_only(cls, cls.writable(answer))


# ---- envelopes and auth ------------------------------------------------------------------


class ListEnvelope(Answer, Generic[T]):
    items: list[T]
    page: int
    pageSize: int
    total: int
    nextPage: int | None


class TokenAnswer(Answer):
    token: str = Field(min_length=1)
    expiresIn: int | None = None


class Unit(Answer):
    id: int
    name: str = ""


# ---- shared shapes -----------------------------------------------------------------------


class Address(Answer):
    street: str
    houseNumber: str
    houseNumberAddition: str | None = None
    postalCode: str
    city: str
    countryCode: str


class AddressIn(Payload):
    street: str = Field(min_length=1)
    houseNumber: str = Field(min_length=1)
    houseNumberAddition: str | None = None
    postalCode: str = Field(min_length=1)
    city: str = Field(min_length=1)
    countryCode: CountryCode


class Attribute(Payload):
    name: str = Field(max_length=50)
    value: str = Field(max_length=255)


# ---- products and stock ------------------------------------------------------------------


class Product(Answer):
    id: int
    sku: str
    type: str = "simple"
    name: str
    shortDescription: str | None = None
    longDescription: str | None = None
    price: Decimal
    priceIncludesVat: bool = True
    vatRate: Decimal = Decimal(21)
    currency: str = "EUR"
    ean: str | None = None
    quantity: int = 0
    manageStock: bool = True
    attributes: list[dict[str, Any]] = Field(default_factory=list)
    active: bool = True
    updatedAt: dt.datetime | None = None


# Feeddex keeps quantities as 32-bit integers: the contract leaves the bound open, the sandbox
# (like the API) refuses a larger one, and in a stock batch that refuses the whole batch.
MAX_QUANTITY = 2**31 - 1
Quantity = Annotated[int, Field(ge=-MAX_QUANTITY, le=MAX_QUANTITY)]


class ProductIn(Payload):
    sku: str = Field(min_length=1, max_length=64)
    type: Literal["simple", "variant", "configurable"] | None = None
    name: str = Field(min_length=1, max_length=255)
    shortDescription: str | None = Field(default=None, max_length=1000)
    longDescription: str | None = None
    price: float = Field(ge=0)
    priceIncludesVat: bool | None = None
    vatRate: Literal[0, 9, 21] | None = None
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] | None = None
    ean: str | None = None
    quantity: Quantity | None = None
    manageStock: bool | None = None
    attributes: list[Attribute] | None = Field(default=None, max_length=20)
    active: bool | None = None


class StockUpdateIn(Payload):
    sku: str = Field(min_length=1)
    quantity: Quantity
    manageStock: bool | None = None


class StockFailure(Answer):
    sku: str
    message: str = ""


class StockAnswer(Answer):
    updated: int = 0
    failed: list[StockFailure] = Field(default_factory=list)


# ---- customers ---------------------------------------------------------------------------


class Customer(Answer):
    id: int
    email: str
    firstName: str | None = None
    lastName: str
    companyName: str | None = None
    vatNumber: str | None = None
    phone: str | None = None
    customerCode: str | None = None
    billingAddress: Address
    shippingAddress: Address | None = None
    updatedAt: dt.datetime | None = None


class CustomerIn(Payload):
    email: str = Field(min_length=3, pattern=r"^[^@\s]+@[^@\s]+$")
    firstName: str | None = None
    lastName: str = Field(min_length=1)
    companyName: str | None = None
    vatNumber: str | None = None
    phone: str | None = None
    customerCode: str | None = None
    billingAddress: AddressIn
    shippingAddress: AddressIn | None = None


# ---- orders ------------------------------------------------------------------------------


class OrderCustomer(Answer):
    id: int | None = None
    email: str
    firstName: str | None = None
    lastName: str
    companyName: str | None = None
    vatNumber: str | None = None
    phone: str | None = None


class OrderLine(Answer):
    sku: str
    name: str | None = None
    quantity: int
    unitPrice: Decimal
    priceIncludesVat: bool = True
    vatRate: Decimal
    discountAmount: Decimal = Decimal(0)


class ShippingCost(Answer):
    amount: Decimal = Decimal(0)
    priceIncludesVat: bool = True
    vatRate: Decimal = Decimal(21)


class Totals(Answer):
    exclVat: Decimal
    vat: Decimal
    inclVat: Decimal


class Order(Answer):
    id: int
    number: str
    status: OrderStatus
    paymentStatus: PaymentStatus
    paymentMethod: str | None = None
    paymentTermDays: int | None = None
    currency: str = "EUR"
    customer: OrderCustomer
    billingAddress: Address
    shippingAddress: Address | None = None
    lines: list[OrderLine] = Field(min_length=1)
    shippingCost: ShippingCost | None = None
    totals: Totals | None = None
    note: str | None = None
    externalReference: str | None = None
    createdAt: dt.datetime | None = None
    updatedAt: dt.datetime | None = None


class OrderPatchIn(Payload):
    externalReference: str | None = Field(default=None, max_length=64)
    status: OrderStatus | None = None


# ---- transactions and webhooks -----------------------------------------------------------


class TransactionProductIn(Payload):
    code: str | None = None
    name: str | None = None
    ean: str | None = None


class NewTransactionIn(Payload):
    customerCode: str = Field(min_length=1)
    unitId: int
    date: dt.date
    email: str = Field(min_length=3, pattern=r"^[^@\s]+@[^@\s]+$")
    firstName: str | None = None
    lastName: str | None = None
    companyName: str | None = None
    orderReference: str = Field(min_length=1)
    products: list[TransactionProductIn] | None = None
    delayDays: int | None = Field(default=None, ge=0, le=60)


class Transaction(Answer):
    id: int
    date: dt.date | None = None
    customerCode: str | None = None
    unitId: int | None = None


class TransactionAnswer(Answer):
    transaction: Transaction


class WebhookSubscriptionIn(Payload):
    url: str = Field(min_length=1, pattern=r"^https?://")
    events: list[WebhookEventType] = Field(min_length=1)
    secret: str = Field(min_length=16)


class WebhookSubscription(Answer):
    id: int
    url: str
    events: list[str] = Field(default_factory=list)


class WebhookEventData(Answer):
    orderId: int
    number: str | None = None
    status: str | None = None
    paymentStatus: str | None = None


class WebhookEvent(Answer):
    id: str = Field(min_length=1)
    type: WebhookEventType
    createdAt: dt.datetime | None = None
    data: WebhookEventData
