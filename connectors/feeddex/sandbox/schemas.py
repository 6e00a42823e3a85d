"""Request bodies of the Feeddex contract, checked with pydantic (strict JSON types).

A body that does not fit answers 400 with `{message, errors: {field: [messages]}}`, the
field named as in the contract (camelCase, dotted into nested objects and lists).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)
from pydantic.alias_generators import to_camel

# Deliberately simple: one @, a dot in the domain, no spaces (no email-validator dependency).
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
EAN_LENGTHS = (8, 12, 13, 14)
ORDER_STATUSES = ("new", "processing", "shipped", "completed", "cancelled")
PAYMENT_STATUSES = ("pending", "paid", "refunded", "failed")
WEBHOOK_EVENTS = ("order.created", "order.updated", "order.paid")

MAX_MONEY = 9_999_999_999.99
MAX_INT32 = 2**31 - 1
MAX_ROW_ID = 2**63 - 1
NUL_ESCAPE = b"\\u0000"

B = TypeVar("B", bound=BaseModel)


class BodyInvalid(ValueError):
    """A request body that does not fit the contract: a message and errors per field."""

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


def ean_check_digit_ok(code: str) -> bool:
    """Return whether the GS1 check digit (the last digit) of a GTIN-8/12/13/14 is right."""
    digits = [int(c) for c in code]
    body, check = digits[:-1], digits[-1]
    # From the right of the body, weights alternate 3, 1, 3, ...
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def _check_email(value: str) -> str:
    if not EMAIL_PATTERN.match(value):
        raise ValueError("not a valid email address")
    return value


def _check_money(value: float) -> float:
    if Decimal(str(value)).as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError("money has at most two decimals")
    return value


def _check_vat_rate(value: float) -> float:
    if value not in (0, 9, 21):
        raise ValueError("must be 0, 9 or 21")
    return value


def _check_ean(value: str | None) -> str | None:
    if value is None:
        return None
    if not value.isdigit() or len(value) not in EAN_LENGTHS:
        raise ValueError("an EAN has 8, 12, 13 or 14 digits")
    if not ean_check_digit_ok(value):
        raise ValueError("the check digit is wrong")
    return value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Email = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_check_email)]
# Bounds the contract leaves open but a database column cannot (a 400, not a 500).
Money = Annotated[float, Field(ge=0, le=MAX_MONEY), AfterValidator(_check_money)]
Quantity = Annotated[int, Field(ge=-MAX_INT32, le=MAX_INT32)]
RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


class Body(BaseModel):
    # Unknown and read-only fields (id, createdAt, ...) are ignored, as the contract allows.
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="ignore",
        strict=True,
        allow_inf_nan=False,
    )


class AddressIn(Body):
    street: Text
    house_number: Text
    house_number_addition: str | None = None
    postal_code: Text
    city: Text
    country_code: CountryCode


class AttributeIn(Body):
    name: Annotated[str, StringConstraints(min_length=1, max_length=50)]
    value: Annotated[str, StringConstraints(max_length=255)]


class ProductIn(Body):
    sku: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    type: Literal["simple", "variant", "configurable"] = "simple"
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
    short_description: Annotated[str, StringConstraints(max_length=1000)] | None = None
    long_description: str | None = None
    price: Money
    price_includes_vat: bool = True
    vat_rate: Annotated[float, AfterValidator(_check_vat_rate)] = 21
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] = "EUR"
    ean: Annotated[str | None, AfterValidator(_check_ean)] = None
    quantity: Quantity = 0
    manage_stock: bool = True
    attributes: Annotated[list[AttributeIn], Field(max_length=20)] = []
    active: bool = True


class StockUpdateIn(Body):
    sku: Text
    quantity: Quantity
    manage_stock: bool | None = None


class StockIn(Body):
    items: Annotated[list[StockUpdateIn], Field(min_length=1, max_length=100)]


class CustomerIn(Body):
    email: Email
    first_name: str | None = None
    last_name: Text
    company_name: str | None = None
    vat_number: str | None = None
    phone: str | None = None
    customer_code: str | None = None
    billing_address: AddressIn
    shipping_address: AddressIn | None = None


class OrderPatchIn(Body):
    external_reference: Annotated[str, StringConstraints(max_length=64)] | None = None
    status: Literal["new", "processing", "shipped", "completed", "cancelled"] | None = None


class TransactionProductIn(Body):
    code: str | None = None
    name: str | None = None
    ean: str | None = None


class TransactionIn(Body):
    customer_code: Text
    unit_id: RowId
    date: date
    email: Email
    first_name: str | None = None
    last_name: str | None = None
    company_name: str | None = None
    order_reference: Text
    products: list[TransactionProductIn] = []
    delay_days: Annotated[int, Field(ge=0, le=60)] = 3


class WebhookIn(Body):
    url: Annotated[str, StringConstraints(pattern=r"^https?://[^\s/]+\S*$", max_length=2000)]
    events: Annotated[
        list[Literal["order.created", "order.updated", "order.paid"]], Field(min_length=1)
    ]
    secret: Annotated[str, StringConstraints(min_length=16, max_length=255)]


class AuthenticateIn(Body):
    auth_code: str
    organization: str
    password: str


def parse_body(model: type[B], raw: bytes) -> B:
    """Return the body as `model`, or raise BodyInvalid naming each bad field."""
    if NUL_ESCAPE in raw:
        # PostgreSQL cannot store NUL in text: refuse it up front rather than fail on save.
        raise BodyInvalid("strings may not contain NUL characters")
    try:
        return model.model_validate_json(raw or b"null")
    except ValidationError as error:
        raise _body_invalid(error) from None


def _body_invalid(error: ValidationError) -> BodyInvalid:
    if any(item["type"] == "json_invalid" for item in error.errors()):
        return BodyInvalid("the body is not valid JSON")
    errors: dict[str, list[str]] = {}
    for item in error.errors():
        field = _field_name(item["loc"]) or "body"
        errors.setdefault(field, []).append(_message(item))
    return BodyInvalid("the body is invalid", errors)


def _field_name(loc: tuple[int | str, ...]) -> str:
    # Union members add their type name to the location ("shippingAddress.AddressIn"): drop it.
    parts = [str(p) for p in loc if not (isinstance(p, str) and p[:1].isupper())]
    return ".".join(to_camel(p) if not p.isdigit() else p for p in parts)


def _message(item: Any) -> str:
    message = str(item["msg"])
    return message.removeprefix("Value error, ")
