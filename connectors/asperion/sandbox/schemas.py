"""Reading request bodies field by field, collecting ASP.NET-style errors per field.

A small declarative reader rather than pydantic: the answers must name fields the way the
real API does (`Code`, `Lines[0].ArticleCode`) with its messages in Dutch or English, and
every field needs a bound that keeps odd input (NUL bytes, 1e308, 2**80) away from the
database, where it would become a 500 instead of a 400.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from connectors.asperion.sandbox import problems as msg
from connectors.asperion.sandbox.dates import parse_date_time
from connectors.asperion.sandbox.problems import FieldErrors, Message

Kind = Literal["text", "number", "integer", "boolean", "date_time"]

MAX_NUMBER = Decimal("999999999")
# Unbounded strings of the contract still need a ceiling in a database column.
DEFAULT_MAX_LENGTH = 4000
KIND_NAMES = {
    "text": "text",
    "number": "number",
    "integer": "whole number",
    "boolean": "boolean",
    "date_time": "text",
}


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind = "text"
    required: bool = False
    nullable: bool = True
    max_length: int = DEFAULT_MAX_LENGTH
    pattern: str | None = None
    example: str = ""
    email: bool = False
    low: Decimal = -MAX_NUMBER
    high: Decimal = MAX_NUMBER
    positive: bool = False
    # Decimal places the column keeps: the value is rounded to them before it is checked.
    places: int = 2


def pascal(name: str) -> str:
    return name[:1].upper() + name[1:]


def error_key(prefix: str, name: str) -> str:
    return f"{prefix}.{pascal(name)}" if prefix else pascal(name)


def add_error(errors: FieldErrors, key: str, message: Message) -> None:
    errors.setdefault(key, []).append(message)


def read_fields(
    body: Mapping[str, Any], fields: Sequence[Field], errors: FieldErrors, *, prefix: str = ""
) -> dict[str, Any]:
    """Return the valid values of the fields present in `body`, by their JSON names.

    Absent optional fields are left out; every problem lands in `errors` under the
    field's PascalCase key. Fields not listed (read-only ones, unknown ones) are ignored.
    """
    values: dict[str, Any] = {}
    for field in fields:
        key = error_key(prefix, field.name)
        if field.name not in body:
            if field.required:
                add_error(errors, key, Message(msg.REQUIRED, field=key))
            continue
        problem, value = read_value(field, body[field.name], key)
        if problem is not None:
            add_error(errors, key, problem)
        else:
            values[field.name] = value
    return values


def read_value(field: Field, raw: Any, key: str) -> tuple[Message | None, Any]:
    if raw is None:
        if field.required:
            return Message(msg.REQUIRED, field=key), None
        if not field.nullable:
            return Message(msg.NOT_A, kind=KIND_NAMES[field.kind]), None
        return None, None
    reader = READERS[field.kind]
    return reader(field, raw, key)


def read_text(field: Field, raw: Any, key: str) -> tuple[Message | None, Any]:
    if not isinstance(raw, str):
        return Message(msg.NOT_A, kind="text"), None
    if "\x00" in raw:
        return Message(msg.BAD_CHARACTER), None
    if field.required and not raw.strip():
        return Message(msg.REQUIRED, field=key), None
    if len(raw) > field.max_length:
        return Message(msg.TOO_LONG, field=key, max=field.max_length), None
    if field.pattern and not re.fullmatch(field.pattern, raw):
        return Message(msg.BAD_PATTERN, example=field.example), None
    if field.email and raw and not is_email(raw):
        return Message(msg.BAD_EMAIL), None
    if field.email and not raw:
        # An empty address is no address; "" would not be a valid `format: email` answer.
        return None, None
    return None, raw


def read_number(field: Field, raw: Any, key: str) -> tuple[Message | None, Any]:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return Message(msg.NOT_A, kind="number"), None
    if isinstance(raw, float) and not math.isfinite(raw):
        return Message(msg.NOT_A, kind="number"), None
    value = Decimal(str(raw)) if isinstance(raw, float) else Decimal(raw)
    if not field.low <= value <= field.high:
        return Message(msg.OUT_OF_RANGE, low=field.low, high=field.high), None
    value = value.quantize(Decimal(1).scaleb(-field.places), rounding=ROUND_HALF_UP)
    if field.positive and value <= 0:
        return Message(msg.MUST_BE_POSITIVE), None
    return None, value


def read_integer(field: Field, raw: Any, key: str) -> tuple[Message | None, Any]:
    if isinstance(raw, bool) or not isinstance(raw, int):
        return Message(msg.NOT_A, kind="whole number"), None
    if not field.low <= raw <= field.high:
        return Message(msg.OUT_OF_RANGE, low=field.low, high=field.high), None
    return None, raw


def read_boolean(field: Field, raw: Any, key: str) -> tuple[Message | None, Any]:
    if not isinstance(raw, bool):
        return Message(msg.NOT_A, kind="boolean"), None
    return None, raw


def read_date_time(field: Field, raw: Any, key: str) -> tuple[Message | None, Any]:
    if not isinstance(raw, str):
        return Message(msg.BAD_DATE_TIME), None
    try:
        return None, parse_date_time(raw)
    except ValueError:
        return Message(msg.BAD_DATE_TIME), None


READERS = {
    "text": read_text,
    "number": read_number,
    "integer": read_integer,
    "boolean": read_boolean,
    "date_time": read_date_time,
}


def is_email(text: str) -> bool:
    try:
        validate_email(text)
    except ValidationError:
        return False
    return True


def read_lines(
    body: Mapping[str, Any], fields: Sequence[Field], errors: FieldErrors
) -> list[dict[str, Any]]:
    """Return the valid `lines._data` items; the envelope the contract puts around lines."""
    lines = body.get("lines")
    if lines is None:
        add_error(errors, "Lines", Message(msg.REQUIRED, field="Lines"))
        return []
    if not isinstance(lines, dict) or not isinstance(lines.get("_data"), list):
        add_error(errors, "Lines", Message(msg.NOT_A, kind="object"))
        return []
    items: list[Any] = lines["_data"]
    if not items:
        add_error(errors, "Lines", Message(msg.REQUIRED, field="Lines"))
        return []
    read: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            add_error(errors, f"Lines[{index}]", Message(msg.NOT_A, kind="object"))
            continue
        read.append(read_fields(item, fields, errors, prefix=f"Lines[{index}]"))
    return read


EAN = r"[0-9]{8,14}"
COUNTRY = r"[A-Z]{2}"

ARTICLE_FIELDS = (
    Field("code", required=True, max_length=30),
    Field("description", required=True, max_length=100),
    Field("extendedDescription"),
    Field("unit", max_length=50),
    Field("salesTypeId", "integer", required=True),
    Field("salesPrice", "number", nullable=False, places=4),
    Field("eanCode", pattern=EAN, example="8712345678906"),
    Field("active", "boolean", nullable=False),
    *(Field(f"characteristic{number}", max_length=50) for number in range(1, 6)),
)

DEBTOR_FIELDS = (
    Field("customerNumber", required=True, max_length=20),
    Field("name", required=True, max_length=100),
    Field("address", required=True, max_length=200),
    Field("addressLine2", max_length=200),
    Field("addressLine3", max_length=200),
    Field("postCode", nullable=False, max_length=20),
    Field("city", nullable=False, max_length=100),
    Field("countryCode", nullable=False, pattern=COUNTRY, example="NL"),
    Field("deliveryAddress", max_length=200),
    Field("deliveryPostCode", max_length=20),
    Field("deliveryCity", max_length=100),
    Field("deliveryCountryCode", pattern=COUNTRY, example="NL"),
    Field("attentionTo", max_length=200),
    Field("phoneNumber", max_length=50),
    Field("faxNumber", max_length=50),
    Field("mobileNumber", max_length=50),
    Field("emailAddress", max_length=254, email=True),
    Field("cocNumber", max_length=20),
    Field("vatNumber", max_length=20),
    Field("iban", max_length=34),
    Field("bic", max_length=11),
    Field("bban", max_length=30),
    Field("directDebit", "boolean", nullable=False),
    Field("debtorKindId", required=True, max_length=20),
    Field("paymentConditionId", "integer"),
    Field("paymentMethodId", max_length=20),
    Field("comments"),
    Field("characteristic4", max_length=200),
    Field("characteristic5", max_length=200),
    Field("blocked", "boolean", nullable=False),
    Field("noReminder", "boolean", nullable=False),
)

CONTACT_FIELDS = (
    Field("firstName", max_length=100),
    Field("lastName", required=True, max_length=100),
    Field("emailAddress", max_length=254, email=True),
    Field("phoneNumber", max_length=50),
    Field("function", max_length=100),
    Field("isPrimary", "boolean", nullable=False),
)

ORDER_FIELDS = (
    Field("date", "date_time", required=True),
    Field("debtorCustomerNumber", required=True, max_length=20),
    Field("reference", max_length=50),
    Field("description"),
    Field("paymentConditionId", "integer"),
    Field("paymentMethodId", max_length=20),
    Field("deliveryName", max_length=200),
    Field("deliveryAddress", max_length=200),
    Field("deliveryPostCode", max_length=20),
    Field("deliveryCity", max_length=100),
    Field("deliveryCountryCode", pattern=COUNTRY, example="NL"),
)

ORDER_LINE_FIELDS = (
    Field("articleCode", required=True, max_length=30),
    Field("description", max_length=200),
    Field("quantity", "number", required=True, positive=True, places=3),
    Field("unitPrice", "number", places=4),
    Field("discountPercentage", "number", nullable=False, low=Decimal(0), high=Decimal(100)),
    Field("vatCode", max_length=10),
)

INVOICE_FIELDS = (
    Field("invoiceNumber", nullable=False, max_length=30),
    Field("date", "date_time", required=True),
    Field("bookyear", "integer", nullable=False, low=Decimal(1900), high=Decimal(2999)),
    Field("bookperiod", "integer", nullable=False, low=Decimal(1), high=Decimal(13)),
    Field("journalId", required=True, max_length=20),
    Field("debtorCustomerNumber", required=True, max_length=20),
    Field("description"),
    Field("status", "integer", nullable=False),
    Field("paymentConditionId", "integer"),
    Field("paymentDueDate", "date_time"),
)

INVOICE_LINE_FIELDS = (
    Field("description", required=True, max_length=200),
    Field("amount", "number", required=True, nullable=False),
    Field("vatCode", required=True, max_length=10),
    Field("ledgerAccountId", "integer", required=True),
    Field("costCenterId", "integer"),
    Field("costUnitId", "integer"),
)
