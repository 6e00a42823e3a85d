"""Asperion's payloads as pydantic models, named as in asperion.openapi.yaml.

Answers are parsed strictly in JSON mode (`parse_json`): a string where a number belongs is
an error, not a silent conversion. Unknown fields in answers are ignored (the API may grow);
unknown fields in what we send are refused (`*In` models), so a mapping typo never reaches
Asperion as a silently dropped field.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Generic, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from connectors.contract import contract_only
from connectors.parsing import parse_json as parse_json  # the connectors' name for it

ASPERION_TZ = ZoneInfo("Europe/Amsterdam")
DATE_TIME_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?$"
)
DateTimeText = Annotated[str, StringConstraints(pattern=DATE_TIME_PATTERN)]

# A list envelope's item: Any (each record parsed on its own), or the record's model when
# a page is validated whole (connectors/parsing.py).
T = TypeVar("T")


def local_datetime(text: str | None) -> datetime | None:
    """Return an aware datetime from Asperion's Dutch local time without a zone."""
    if not text:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ASPERION_TZ)
    return moment


def since_text(moment: datetime) -> str:
    """Return a DateLastChange_from value: Dutch local time with its offset."""
    return moment.astimezone(ASPERION_TZ).isoformat(timespec="seconds")


class Answer(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class Payload(BaseModel):
    """What we send: unknown fields refused; read-only fields dropped before validation."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    read_only: ClassVar[frozenset[str]] = frozenset({"id", "_meta", "dateAdded", "dateLastChange"})

    @classmethod
    def writable(cls, data: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in data.items() if k not in cls.read_only}

    @classmethod
    def contract_fields(cls, answer: dict[str, Any]) -> dict[str, Any]:
        """The writable fields of an answer that this payload defines: what an answer
        carries beyond the contract (the API grows) is never sent back."""
        return contract_only(cls, cls.writable(answer))


# ---- envelopes and auth ------------------------------------------------------------------


class Meta(Answer):
    administrationId: int | None = None
    administrationName: str | None = None
    previousPage: str | None = None
    nextPage: str | None = None
    totalCount: int | None = None
    pageCount: int | None = None


class ListEnvelope(Answer, Generic[T]):
    data: list[T] = Field(alias="_data")
    meta: Meta = Field(default_factory=Meta, alias="_meta")

    @property
    def has_more(self) -> bool:
        return bool(self.meta.nextPage)


class Token(Answer):
    access_token: str = Field(min_length=1)
    token_type: str
    expires_in: int
    refresh_token: str | None = None
    scope: str | None = None


class Administration(Answer):
    id: int
    name: str = ""


# ---- articles ----------------------------------------------------------------------------


class Article(Answer):
    id: int
    code: str
    description: str
    extendedDescription: str | None = None
    unit: str | None = None
    salesTypeId: int | None = None
    salesPrice: Decimal = Decimal(0)
    salesPriceInclVat: Decimal | None = None
    vatCode: str | None = None
    eanCode: str | None = None
    currentStock: Decimal = Decimal(0)
    reservedStock: Decimal = Decimal(0)
    active: bool = True
    characteristic1: str | None = None
    characteristic2: str | None = None
    characteristic3: str | None = None
    characteristic4: str | None = None
    characteristic5: str | None = None
    isVariant: bool = False
    dateLastChange: DateTimeText | None = None


class ArticleIn(Payload):
    read_only = Payload.read_only | {
        "salesPriceInclVat",
        "vatCode",
        "currentStock",
        "reservedStock",
        "isVariant",
    }

    code: str = Field(min_length=1, max_length=30)
    description: str = Field(min_length=1, max_length=100)
    extendedDescription: str | None = None
    unit: str | None = None
    salesTypeId: int
    salesPrice: float | None = None
    eanCode: Annotated[str, StringConstraints(pattern=r"^[0-9]{8,14}$")] | None = None
    active: bool | None = None
    characteristic1: str | None = Field(default=None, max_length=50)
    characteristic2: str | None = Field(default=None, max_length=50)
    characteristic3: str | None = Field(default=None, max_length=50)
    characteristic4: str | None = Field(default=None, max_length=50)
    characteristic5: str | None = Field(default=None, max_length=50)


# ---- debtors and contact persons ---------------------------------------------------------


class Debtor(Answer):
    id: int
    customerNumber: str
    name: str
    address: str | None = None
    addressLine2: str | None = None
    addressLine3: str | None = None
    postCode: str | None = None
    city: str | None = None
    countryCode: str | None = None
    deliveryAddress: str | None = None
    deliveryPostCode: str | None = None
    deliveryCity: str | None = None
    deliveryCountryCode: str | None = None
    attentionTo: str | None = None
    phoneNumber: str | None = None
    mobileNumber: str | None = None
    emailAddress: str | None = None
    cocNumber: str | None = None
    vatNumber: str | None = None
    debtorKindId: str | None = None
    paymentConditionId: int | None = None
    paymentMethodId: str | None = None
    blocked: bool = False
    dateLastChange: DateTimeText | None = None


class DebtorIn(Payload):
    customerNumber: str = Field(min_length=1, max_length=20)
    name: str = Field(min_length=1, max_length=100)
    address: str
    addressLine2: str | None = None
    addressLine3: str | None = None
    postCode: str | None = None
    city: str | None = None
    countryCode: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] | None = None
    deliveryAddress: str | None = None
    deliveryPostCode: str | None = None
    deliveryCity: str | None = None
    deliveryCountryCode: str | None = None
    attentionTo: str | None = None
    phoneNumber: str | None = None
    faxNumber: str | None = None
    mobileNumber: str | None = None
    emailAddress: str | None = None
    cocNumber: str | None = None
    vatNumber: str | None = None
    iban: str | None = None
    bic: str | None = None
    bban: str | None = None
    directDebit: bool | None = None
    debtorKindId: str
    paymentConditionId: int | None = None
    paymentMethodId: str | None = None
    comments: str | None = None
    characteristic4: str | None = None
    characteristic5: str | None = None
    blocked: bool | None = None
    noReminder: bool | None = None


class ContactPerson(Answer):
    id: int | None = None
    firstName: str | None = None
    lastName: str
    emailAddress: str | None = None
    phoneNumber: str | None = None
    function: str | None = None
    isPrimary: bool = False


class ContactPersonIn(Payload):
    firstName: str | None = None
    lastName: str = Field(min_length=1)
    emailAddress: str | None = None
    phoneNumber: str | None = None
    function: str | None = None
    isPrimary: bool | None = None


# ---- sales orders and invoices -----------------------------------------------------------


class SalesOrder(Answer):
    id: int
    orderNumber: str | None = None
    date: DateTimeText | None = None
    debtorId: int | None = None
    debtorCustomerNumber: str | None = None
    reference: str | None = None
    description: str | None = None
    status: int | None = None
    amountExclVat: Decimal | None = None
    amountInclVat: Decimal | None = None
    dateLastChange: DateTimeText | None = None


class SalesOrderLineIn(Payload):
    read_only = frozenset({"id", "articleId"})

    articleCode: str = Field(min_length=1)
    description: str | None = None
    quantity: float = Field(gt=0)
    unitPrice: float | None = None
    discountPercentage: float | None = Field(default=None, ge=0, le=100)
    vatCode: str | None = None


class SalesOrderLinesIn(Payload):
    data: list[SalesOrderLineIn] = Field(alias="_data", min_length=1)


class SalesOrderIn(Payload):
    read_only = Payload.read_only | {
        "orderNumber",
        "debtorId",
        "status",
        "amountExclVat",
        "vatAmount",
        "amountInclVat",
    }

    date: DateTimeText
    debtorCustomerNumber: str = Field(min_length=1)
    reference: str | None = Field(default=None, max_length=50)
    description: str | None = None
    paymentConditionId: int | None = None
    paymentMethodId: str | None = None
    deliveryName: str | None = None
    deliveryAddress: str | None = None
    deliveryPostCode: str | None = None
    deliveryCity: str | None = None
    deliveryCountryCode: str | None = None
    lines: SalesOrderLinesIn


class SalesInvoiceLine(Answer):
    description: str | None = None
    amount: Decimal | None = None
    vatCode: str | None = None


class SalesInvoiceLines(Answer):
    data: list[SalesInvoiceLine] = Field(default_factory=list, alias="_data")


class SalesInvoice(Answer):
    id: int
    invoiceNumber: str | None = None
    date: DateTimeText
    debtorCustomerNumber: str
    description: str | None = None
    status: int | None = None
    amountInclVat: Decimal | None = None
    lines: SalesInvoiceLines = Field(default_factory=SalesInvoiceLines)
    dateLastChange: DateTimeText | None = None


class SalesInvoiceLineIn(Payload):
    read_only = frozenset({"id"})

    description: str
    amount: float
    vatCode: str
    vatAmount: float | None = None
    ledgerAccountId: int
    costCenterId: int | None = None
    costUnitId: int | None = None


class SalesInvoiceLinesIn(Payload):
    data: list[SalesInvoiceLineIn] = Field(alias="_data", min_length=1)


class SalesInvoiceIn(Payload):
    invoiceNumber: str | None = None
    date: DateTimeText
    bookyear: int | None = None
    bookperiod: int | None = None
    journalId: str = Field(min_length=1)
    debtorCustomerNumber: str = Field(min_length=1)
    description: str | None = None
    status: int | None = None
    paymentConditionId: int | None = None
    paymentDueDate: DateTimeText | None = None
    amountExclVat: float | None = None
    vatAmount: float | None = None
    amountInclVat: float | None = None
    lines: SalesInvoiceLinesIn


# ---- reference lists ---------------------------------------------------------------------


class VatCode(Answer):
    id: str
    description: str = ""
    percentage: Decimal | None = None
    salesCode: bool | None = None
    isDefault: bool | None = None
    countryCode: str | None = None
    validUntil: str | None = None


class PaymentCondition(Answer):
    id: int
    description: str = ""
    days: int | None = None


class PaymentMethod(Answer):
    id: str
    description: str = ""


class SalesType(Answer):
    id: int
    description: str = ""
    vatCode: str | None = None


class DebtorKind(Answer):
    id: str
    description: str = ""
    isBusiness: bool | None = None


class Journal(Answer):
    id: str
    description: str = ""
    type: str | None = None
