"""Canonical records: what connectors read from a source, typed and validated.

A source payload becomes one of these before anything else sees it; a payload that does
not fit raises RecordInvalid naming the field. The mapping turns a canonical record
(as JSON-like data, see `as_source`) into the target system's payload.

Money is Decimal (never float); rates are percentages (21 means 21 %); dates are aware.
An address keeps the one line a source like Asperion holds ("Keizersgracht 123A") in
`line` and, where the source has them, the parts; the mapping splits and joins.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)


class RecordInvalid(ValueError):
    """A source payload that does not fit its canonical record; the message names the field."""

    def __init__(self, entity: str, error: ValidationError) -> None:
        parts = []
        for item in error.errors():
            where = ".".join(str(p) for p in item["loc"]) or entity
            parts.append(f"{where}: {item['msg']}")
        super().__init__(f"{entity} record is invalid: " + "; ".join(parts))
        self.entity = entity
        self.fields = [".".join(str(p) for p in item["loc"]) for item in error.errors()]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
    entity: ClassVar[str] = "record"

    @classmethod
    def parse(cls, data: dict[str, Any]) -> Any:
        """Return the validated record, or raise RecordInvalid naming the bad fields."""
        try:
            return cls.model_validate(data)
        except ValidationError as error:
            raise RecordInvalid(cls.entity, error) from None

    def as_source(self) -> dict[str, Any]:
        """Return the record as JSON-like data: what the mapping reads and the log stores."""
        return self.model_dump(mode="json")

    @property
    def key(self) -> str:
        raise NotImplementedError

    @property
    def source_identity(self) -> str:
        """The source system's own id of the record ("" when it has none): two records
        with one key but different identities are two source records, not one read twice."""
        return str(getattr(self, "source_id", "") or "")

    @property
    def source_label(self) -> str:
        """The record as its owner knows it in the source, for messages."""
        return f"{self.entity} {self.source_identity}".strip()


# ISO 3166-1 alpha-2; sources type it in either case ("nl"), the targets want it upper.
def _upper_case(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


CountryCode = Annotated[str, BeforeValidator(_upper_case), StringConstraints(pattern=r"^[A-Z]{2}$")]


class Address(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    line: str | None = None
    street: str | None = None
    house_number: str | None = None
    addition: str | None = None
    postcode: str | None = None
    city: str | None = None
    country: CountryCode | None = None


class Product(Record):
    entity: ClassVar[str] = "product"

    source_id: str
    sku: str = Field(min_length=1, max_length=64)
    name: str
    short_description: str | None = None
    long_description: str | None = None
    price_excl_vat: Decimal = Field(ge=0)
    price_incl_vat: Decimal | None = Field(default=None, ge=0)
    vat_rate: Decimal = Field(ge=0, le=100)
    vat_code: str | None = None
    ean: str | None = None
    unit: str | None = None
    current_stock: Decimal = Decimal(0)
    reserved_stock: Decimal = Decimal(0)
    active: bool = True
    is_variant: bool = False
    characteristic_1: str | None = None
    characteristic_2: str | None = None
    characteristic_3: str | None = None
    characteristic_4: str | None = None
    characteristic_5: str | None = None
    changed_at: datetime | None = None

    @property
    def key(self) -> str:
        return self.sku

    @property
    def source_label(self) -> str:
        return f"article {self.sku!r} (id {self.source_id})"


class StockLevel(Record):
    entity: ClassVar[str] = "stock"

    sku: str = Field(min_length=1)
    current_stock: Decimal
    reserved_stock: Decimal = Decimal(0)
    changed_at: datetime | None = None

    @property
    def key(self) -> str:
        return self.sku


class Customer(Record):
    entity: ClassVar[str] = "customer"

    source_id: str
    customer_number: str | None = None
    email: str | None = None
    is_company: bool = False
    company_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    vat_number: str | None = None
    coc_number: str | None = None
    billing: Address = Address()
    shipping: Address | None = None
    changed_at: datetime | None = None

    @property
    def key(self) -> str:
        return (self.email or "").lower() or self.customer_number or self.source_id

    @property
    def source_label(self) -> str:
        if self.customer_number:
            return f"debtor {self.customer_number}"
        return f"debtor (id {self.source_id})"


class OrderLine(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    sku: str = Field(min_length=1)
    name: str | None = None
    quantity: Decimal = Field(gt=0)
    unit_price: Decimal
    price_includes_vat: bool = True
    vat_rate: Decimal = Field(ge=0, le=100)
    discount_amount: Decimal = Decimal(0)


class ShippingCost(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    amount: Decimal = Decimal(0)
    price_includes_vat: bool = True
    vat_rate: Decimal = Decimal(21)


class Totals(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    excl_vat: Decimal
    vat: Decimal
    incl_vat: Decimal


OrderStatus = Literal["new", "processing", "shipped", "completed", "cancelled"]
PaymentStatus = Literal["pending", "paid", "refunded", "failed"]


class Order(Record):
    entity: ClassVar[str] = "order"

    source_id: str
    number: str
    status: OrderStatus
    payment_status: PaymentStatus
    payment_method: str | None = None
    payment_term_days: int | None = None
    currency: str = "EUR"
    customer: Customer
    billing: Address
    shipping: Address | None = None
    lines: tuple[OrderLine, ...] = Field(min_length=1)
    shipping_cost: ShippingCost | None = None
    totals: Totals | None = None
    note: str | None = None
    external_reference: str | None = None
    created_at: datetime | None = None
    changed_at: datetime | None = None

    @property
    def key(self) -> str:
        return self.source_id

    @property
    def skus(self) -> list[str]:
        return sorted({line.sku for line in self.lines})


class InvoiceLine(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    sku: str | None = None
    name: str | None = None
    ean: str | None = None
    quantity: Decimal = Decimal(1)


class Invoice(Record):
    """A sales invoice in the accounting system: the trigger for a review invitation."""

    entity: ClassVar[str] = "invoice"

    source_id: str
    invoice_number: str
    customer_number: str
    customer_email: str | None = None
    customer_name: str | None = None
    company_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    date: date
    status: str
    paid: bool = False
    amount_incl_vat: Decimal | None = None
    lines: tuple[InvoiceLine, ...] = ()
    changed_at: datetime | None = None

    @property
    def key(self) -> str:
        return f"{self.customer_number}:{self.invoice_number}"


class Transaction(Record):
    """A review invitation in the feedback system."""

    entity: ClassVar[str] = "transaction"

    customer_code: str
    order_reference: str
    email: str
    unit_id: int
    date: date
    delay_days: int = Field(default=3, ge=0, le=60)
    first_name: str | None = None
    last_name: str | None = None
    company_name: str | None = None

    @property
    def key(self) -> str:
        return f"{self.customer_code}:{self.order_reference}"


RECORD_TYPES: dict[str, type[Record]] = {
    cls.entity: cls for cls in (Product, StockLevel, Customer, Order, Invoice, Transaction)
}


class SalesOrderState(Record):
    """A sales order of the accounting system as "the order status follows" needs it: its
    raw status (Asperion: 1 Open, 2 PartlyDelivered, 3 Delivered, 4 Invoiced, 9 Cancelled)."""

    entity: ClassVar[str] = "salesorder"

    source_id: str
    order_number: str | None = None
    reference: str | None = None
    status: int
    customer_number: str | None = None
    changed_at: datetime | None = None

    # The raw statuses that are a step the shop's order follows; the others (open, partly
    # delivered) change nothing.
    PROGRESS: ClassVar[dict[int, str]] = {3: "delivered", 4: "invoiced", 9: "cancelled"}

    @property
    def key(self) -> str:
        return self.source_id

    @property
    def progress(self) -> str | None:
        """ "delivered", "invoiced" or "cancelled"; None while the order is still open."""
        return self.PROGRESS.get(self.status)


class OrderEvent(Record):
    """A shop's notice that one of its orders changed, as its webhook delivered it: the
    event's id (what a repeated delivery is recognised by), its type and the order's id."""

    # Ids are kept exactly as sent: a delivery is recognised again by its id.
    model_config = ConfigDict(str_strip_whitespace=False)
    entity: ClassVar[str] = "order event"

    id: str = Field(min_length=1)
    type: str
    order_id: int

    @property
    def key(self) -> str:
        return self.id


def description_words(raw: dict[str, Any]) -> list[str]:
    """The words of a document's description (where a booked order's number is written)."""
    return re.split(r"[\s,;:()\[\]#]+", str(raw.get("description") or ""))
