"""Writes of the sandbox: validate against the administration, compute, save, move stock.

Every write sets `dateLastChange`. With `validate_only` a service runs every check and
builds the would-be record without saving it (the API's `?validateOnly=true`).

Stock: a sales order reserves its quantities (`reservedStock`) while it is Open or
PartlyDelivered. When it becomes Delivered or Invoiced the reservation is released and the
quantities leave `currentStock`, once; Cancelled releases the reservation only. Sales
invoices carry no articles and do not move stock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone

from connectors.asperion.sandbox import problems as msg
from connectors.asperion.sandbox.dates import DUTCH
from connectors.asperion.sandbox.models import (
    DEBTOR_FIELDS,
    Administration,
    Article,
    ContactPerson,
    Debtor,
    DebtorKind,
    InvoiceStatus,
    Journal,
    OrderStatus,
    PaymentCondition,
    PaymentMethod,
    SalesInvoice,
    SalesInvoiceLine,
    SalesOrder,
    SalesOrderLine,
    SalesType,
    VatCode,
)
from connectors.asperion.sandbox.problems import ApiProblem, FieldErrors, Message
from connectors.asperion.sandbox.schemas import add_error
from connectors.asperion.sandbox.selectors import MAX_DB_ID

M = TypeVar("M", bound=models.Model)
CENT = Decimal("0.01")
OPEN_STATUSES = (OrderStatus.OPEN, OrderStatus.PARTLY_DELIVERED)
DONE_STATUSES = (OrderStatus.DELIVERED, OrderStatus.INVOICED)

ARTICLE_COLUMNS = {
    "code": "code",
    "description": "description",
    "extendedDescription": "extended_description",
    "unit": "unit",
    "salesPrice": "sales_price",
    "eanCode": "ean_code",
    "active": "active",
    **{f"characteristic{n}": f"characteristic{n}" for n in range(1, 6)},
}
ARTICLE_DEFAULTS: dict[str, Any] = {"salesPrice": Decimal(0), "active": True}

DEBTOR_DEFAULTS: dict[str, Any] = {
    "postCode": "",
    "city": "",
    "countryCode": "NL",
    "directDebit": False,
    "blocked": False,
    "noReminder": False,
}

ORDER_COLUMNS = {
    "reference": "reference",
    "description": "description",
    "deliveryName": "delivery_name",
    "deliveryAddress": "delivery_address",
    "deliveryPostCode": "delivery_post_code",
    "deliveryCity": "delivery_city",
    "deliveryCountryCode": "delivery_country_code",
}


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def raise_if(errors: FieldErrors) -> None:
    if errors:
        raise ApiProblem(400, errors=errors)


def find(queryset: models.QuerySet[M], **lookup: Any) -> M | None:
    """Return the one row or None; ids beyond what the database holds find nothing."""
    for value in lookup.values():
        if isinstance(value, int) and not 0 < value <= MAX_DB_ID:
            return None
    return queryset.filter(**lookup).order_by("pk").first()


def reference(
    errors: FieldErrors,
    key: str,
    queryset: models.QuerySet[M],
    entity: str,
    value: Any,
    **lookup: Any,
) -> M | None:
    """Return the referenced row, or None with an error under `key` when it does not exist."""
    if value is None:
        return None
    row = find(queryset, **lookup)
    if row is None:
        add_error(errors, key, Message(msg.UNKNOWN_REFERENCE, entity=entity, value=value))
    return row


def set_columns(row: models.Model, values: dict[str, Any], columns: dict[str, str]) -> None:
    for name, column in columns.items():
        if name in values:
            setattr(row, column, values[name])


def replaced(values: dict[str, Any], columns: Iterable[str], defaults: dict[str, Any]) -> Any:
    """Return `values` with every absent writable field at its default (PUT replaces)."""
    return {name: values.get(name, defaults.get(name)) for name in columns}


def save_unique(row: models.Model, key: str, message: str) -> None:
    """Save; a unique constraint lost to a concurrent writer is the caller's 400, not a 500."""
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise ApiProblem(400, errors={key: [Message(message)]}) from None


# Articles


def article_save(
    *,
    administration: Administration,
    article: Article | None,
    values: dict[str, Any],
    errors: FieldErrors,
    validate_only: bool,
) -> Article:
    """Create (article None) or replace an article from validated body values."""
    if article is not None:
        values = replaced(values, [*ARTICLE_COLUMNS, "salesTypeId"], ARTICLE_DEFAULTS)
    row = article or Article(administration=administration)
    sales_type = reference(
        errors,
        "SalesTypeId",
        SalesType.objects.filter(administration=administration),
        "sales type",
        values.get("salesTypeId"),
        pk=values.get("salesTypeId"),
    )
    code = values.get("code")
    duplicates = Article.objects.filter(administration=administration, code__iexact=code)
    if code is not None and duplicates.exclude(pk=row.pk).exists():
        add_error(errors, "Code", Message(msg.DUPLICATE_CODE))
    raise_if(errors)
    set_columns(row, values, ARTICLE_COLUMNS)
    if sales_type is not None:
        row.sales_type = sales_type
    row.touch()
    if not validate_only:
        save_unique(row, "Code", msg.DUPLICATE_CODE)
    return row


# Debtors and contact persons


def debtor_save(
    *,
    administration: Administration,
    debtor: Debtor | None,
    values: dict[str, Any],
    errors: FieldErrors,
    validate_only: bool,
) -> Debtor:
    """Create (debtor None) or replace a debtor from validated body values."""
    references = [*DEBTOR_FIELDS, "debtorKindId", "paymentConditionId", "paymentMethodId"]
    if debtor is not None:
        values = replaced(values, references, DEBTOR_DEFAULTS)
    row = debtor or Debtor(administration=administration)
    kind = reference(
        errors,
        "DebtorKindId",
        DebtorKind.objects.filter(administration=administration),
        "debtor kind",
        values.get("debtorKindId"),
        code=values.get("debtorKindId"),
    )
    condition, method = payment_terms(errors, administration, values)
    number = values.get("customerNumber")
    duplicates = Debtor.objects.filter(
        administration=administration, customer_number__iexact=number
    )
    if number is not None and duplicates.exclude(pk=row.pk).exists():
        add_error(errors, "CustomerNumber", Message(msg.DUPLICATE_CUSTOMER_NUMBER))
    raise_if(errors)
    set_columns(row, values, DEBTOR_FIELDS)
    if kind is not None:
        row.debtor_kind = kind
    row.payment_condition, row.payment_method = condition, method
    row.touch()
    if not validate_only:
        save_unique(row, "CustomerNumber", msg.DUPLICATE_CUSTOMER_NUMBER)
    return row


def payment_terms(
    errors: FieldErrors, administration: Administration, values: dict[str, Any]
) -> tuple[PaymentCondition | None, PaymentMethod | None]:
    condition = reference(
        errors,
        "PaymentConditionId",
        PaymentCondition.objects.filter(administration=administration),
        "payment condition",
        values.get("paymentConditionId"),
        pk=values.get("paymentConditionId"),
    )
    method = reference(
        errors,
        "PaymentMethodId",
        PaymentMethod.objects.filter(administration=administration),
        "payment method",
        values.get("paymentMethodId"),
        code=values.get("paymentMethodId"),
    )
    return condition, method


def contact_create(*, debtor: Debtor, values: dict[str, Any]) -> ContactPerson:
    contact = ContactPerson(
        debtor=debtor,
        first_name=values.get("firstName"),
        last_name=values["lastName"],
        email_address=values.get("emailAddress"),
        phone_number=values.get("phoneNumber"),
        function=values.get("function"),
        is_primary=values.get("isPrimary", False),
    )
    with transaction.atomic():
        if contact.is_primary:
            debtor.contacts.update(is_primary=False)
        contact.save()
        # A new contact person changes what a sync of the debtor would send.
        Debtor.objects.filter(pk=debtor.pk).update(date_last_change=timezone.now())
    return contact


# Sales orders


# How a line adds up. The contract is silent on Asperion's arithmetic; the sandbox assumes
# what Dutch invoicing software commonly does and the contract's field descriptions suggest:
# - a unit price keeps four decimals (the column's places; the contract says only `number`),
#   a quantity three, a discount percentage two;
# - a line's amount excl. VAT = quantity × unit price × (100 − discount %) / 100, rounded
#   half up to cents; a sales invoice line's `amount` is taken as sent (two decimals);
# - a line's VAT = its amount × the VAT code's percentage / 100, rounded half up to cents, per
#   line (not over the document's total per VAT code);
# - the document's amounts are the sums of the lines' (amountInclVat = excl + VAT).
# The platform's orders flow mirrors this in mapping/amounts.py; change both together.


@dataclass
class PricedLine:
    article: Article
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal
    vat: VatCode

    @property
    def amount(self) -> Decimal:
        return cents(self.quantity * self.unit_price * (100 - self.discount) / 100)

    @property
    def vat_amount(self) -> Decimal:
        return cents(self.amount * self.vat.percentage / 100)


def order_lines(
    errors: FieldErrors, administration: Administration, lines: list[dict[str, Any]]
) -> list[PricedLine]:
    articles = Article.objects.filter(administration=administration, active=True)
    vat_codes = VatCode.objects.filter(administration=administration)
    priced = []
    for index, line in enumerate(lines):
        prefix = f"Lines[{index}]"
        code = line.get("articleCode")
        article = find(articles.select_related("sales_type__vat_code"), code__iexact=code)
        if code is not None and article is None:
            add_error(errors, f"{prefix}.ArticleCode", Message(msg.UNKNOWN_ARTICLE, value=code))
        vat = reference(
            errors,
            f"{prefix}.VatCode",
            vat_codes,
            "VAT code",
            line.get("vatCode"),
            code=line.get("vatCode"),
        )
        if article is None or "quantity" not in line or (line.get("vatCode") and vat is None):
            continue
        priced.append(priced_line(article, line, vat or article.sales_type.vat_code))
    return priced


def priced_line(article: Article, line: dict[str, Any], vat: VatCode) -> PricedLine:
    price = line.get("unitPrice")
    return PricedLine(
        article=article,
        description=line.get("description") or article.description,
        quantity=line["quantity"],
        unit_price=article.sales_price if price is None else price,
        discount=line.get("discountPercentage", Decimal(0)),
        vat=vat,
    )


def order_create(
    *,
    administration: Administration,
    values: dict[str, Any],
    lines: list[dict[str, Any]],
    errors: FieldErrors,
    validate_only: bool,
) -> tuple[SalesOrder, list[SalesOrderLine]]:
    """Create a sales order with its lines and reserve the stock of its articles."""
    debtor = debtor_by_number(errors, administration, values.get("debtorCustomerNumber"))
    condition, method = payment_terms(errors, administration, values)
    priced = order_lines(errors, administration, lines)
    raise_if(errors)
    assert debtor is not None
    order = SalesOrder(administration=administration, debtor=debtor, date=values["date"])
    set_columns(order, values, ORDER_COLUMNS)
    order.payment_condition = condition or debtor.payment_condition
    order.payment_method = method or debtor.payment_method
    set_amounts(order, [(line.amount, line.vat_amount) for line in priced])
    order.touch()
    rows = order_line_rows(order, priced)
    if validate_only:
        return order, rows
    with transaction.atomic():
        order.order_number = next_number(administration, "next_order_number")
        order.save()
        for row in rows:
            row.order = order
        SalesOrderLine.objects.bulk_create(rows)
        reserve(rows, sign=1)
    return order, rows


def order_line_rows(order: SalesOrder, priced: list[PricedLine]) -> list[SalesOrderLine]:
    return [
        SalesOrderLine(
            order=order,
            position=position,
            article=line.article,
            description=line.description[:200],
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount_percentage=line.discount,
            vat_code=line.vat.code,
            amount_excl_vat=line.amount,
            vat_amount=line.vat_amount,
        )
        for position, line in enumerate(priced, start=1)
    ]


def debtor_by_number(
    errors: FieldErrors, administration: Administration, number: str | None
) -> Debtor | None:
    debtors = Debtor.objects.filter(administration=administration)
    debtor = reference(
        errors, "DebtorCustomerNumber", debtors, "debtor", number, customer_number__iexact=number
    )
    if debtor is not None and debtor.blocked:
        add_error(errors, "DebtorCustomerNumber", Message(msg.BLOCKED_DEBTOR, value=number))
    return debtor


def set_amounts(row: SalesOrder | SalesInvoice, amounts: list[tuple[Decimal, Decimal]]) -> None:
    row.amount_excl_vat = sum((amount for amount, _vat in amounts), Decimal(0))
    row.vat_amount = sum((vat for _amount, vat in amounts), Decimal(0))
    row.amount_incl_vat = row.amount_excl_vat + row.vat_amount


def next_number(administration: Administration, counter: str) -> str:
    """Return the next order or invoice number of the administration, e.g. "2025-00042"."""
    Administration.objects.filter(pk=administration.pk).update(**{counter: F(counter) + 1})
    value = Administration.objects.values_list(counter, flat=True).get(pk=administration.pk)
    return f"{timezone.now().astimezone(DUTCH).year}-{value - 1:05d}"


def reserve(lines: Iterable[SalesOrderLine], *, sign: int) -> None:
    """Add (sign 1) or release (sign -1) the lines' quantities to their articles' reservations."""
    for line in lines:
        Article.objects.filter(pk=line.article_id).update(
            reserved_stock=F("reserved_stock") + sign * line.quantity,
            date_last_change=timezone.now(),
        )


def order_set_status(*, order: SalesOrder, status: int) -> SalesOrder:
    """Move an order to `status` and its stock with it (see the module docstring)."""
    with transaction.atomic():
        order = SalesOrder.objects.select_for_update().get(pk=order.pk)
        lines = list(order.lines.select_related("article"))
        if status in OPEN_STATUSES and not order.stock_taken and not order.stock_reserved:
            reserve(lines, sign=1)
            order.stock_reserved = True
        elif status not in OPEN_STATUSES and order.stock_reserved:
            reserve(lines, sign=-1)
            order.stock_reserved = False
        if status in DONE_STATUSES and not order.stock_taken:
            take_stock(lines)
            order.stock_taken = True
        order.status = status
        order.touch()
        order.save()
    return order


def take_stock(lines: Iterable[SalesOrderLine]) -> None:
    for line in lines:
        Article.objects.filter(pk=line.article_id).update(
            current_stock=F("current_stock") - line.quantity, date_last_change=timezone.now()
        )


# Sales invoices


def invoice_lines(
    errors: FieldErrors, administration: Administration, lines: list[dict[str, Any]]
) -> list[SalesInvoiceLine]:
    vat_codes = {vat.code: vat for vat in VatCode.objects.filter(administration=administration)}
    rows = []
    for index, line in enumerate(lines):
        code = line.get("vatCode")
        vat = vat_codes.get(code) if code is not None else None
        if code is not None and vat is None:
            key = f"Lines[{index}].VatCode"
            add_error(errors, key, Message(msg.UNKNOWN_REFERENCE, entity="VAT code", value=code))
        if vat is None or "amount" not in line or "ledgerAccountId" not in line:
            continue
        amount = line["amount"]
        rows.append(
            SalesInvoiceLine(
                position=index + 1,
                description=line["description"],
                amount=amount,
                vat_code=vat.code,
                vat_amount=cents(amount * vat.percentage / 100),
                ledger_account_id=line["ledgerAccountId"],
                cost_center_id=line.get("costCenterId"),
                cost_unit_id=line.get("costUnitId"),
            )
        )
    return rows


def invoice_create(
    *,
    administration: Administration,
    values: dict[str, Any],
    lines: list[dict[str, Any]],
    errors: FieldErrors,
    validate_only: bool,
) -> tuple[SalesInvoice, list[SalesInvoiceLine]]:
    """Create a sales invoice; amounts and VAT per line come from the VAT codes."""
    debtor = debtor_by_number(errors, administration, values.get("debtorCustomerNumber"))
    journal = reference(
        errors,
        "JournalId",
        Journal.objects.filter(administration=administration),
        "journal",
        values.get("journalId"),
        code=values.get("journalId"),
    )
    condition, _method = payment_terms(errors, administration, values)
    check_invoice_fields(errors, administration, values)
    rows = invoice_lines(errors, administration, lines)
    raise_if(errors)
    assert debtor is not None
    assert journal is not None
    invoice = invoice_build(administration, values, debtor, journal, condition)
    set_amounts(invoice, [(row.amount, row.vat_amount) for row in rows])
    invoice.touch()
    if validate_only:
        return invoice, rows
    with transaction.atomic():
        if not invoice.invoice_number:
            invoice.invoice_number = next_number(administration, "next_invoice_number")
        save_unique(invoice, "InvoiceNumber", msg.DUPLICATE_INVOICE_NUMBER)
        for row in rows:
            row.invoice = invoice
        SalesInvoiceLine.objects.bulk_create(rows)
    return invoice, rows


def check_invoice_fields(
    errors: FieldErrors, administration: Administration, values: dict[str, Any]
) -> None:
    status = values.get("status")
    if status is not None and status not in InvoiceStatus.values:
        choices = ", ".join(str(value) for value in InvoiceStatus.values)
        add_error(errors, "Status", Message(msg.BAD_CHOICE, choices=choices))
    number = values.get("invoiceNumber")
    invoices = SalesInvoice.objects.filter(administration=administration)
    if number and invoices.filter(invoice_number=number).exists():
        add_error(errors, "InvoiceNumber", Message(msg.DUPLICATE_INVOICE_NUMBER))


def invoice_build(
    administration: Administration,
    values: dict[str, Any],
    debtor: Debtor,
    journal: Journal,
    condition: PaymentCondition | None,
) -> SalesInvoice:
    date: datetime = values["date"]
    local = date.astimezone(DUTCH)
    condition = condition or debtor.payment_condition
    due = values.get("paymentDueDate")
    if due is None and condition is not None:
        # Days count on the Dutch calendar: a due date keeps its wall-clock time across DST.
        wall_clock = local.replace(tzinfo=None) + timedelta(days=condition.days)
        due = wall_clock.replace(tzinfo=DUTCH)
    return SalesInvoice(
        administration=administration,
        invoice_number=values.get("invoiceNumber") or "",
        date=date,
        bookyear=values.get("bookyear", local.year),
        bookperiod=values.get("bookperiod", local.month),
        journal=journal,
        debtor=debtor,
        description=values.get("description"),
        status=values.get("status", InvoiceStatus.CONCEPT),
        payment_condition=condition,
        payment_due_date=due,
    )


def invoice_set_status(*, invoice: SalesInvoice, status: int) -> SalesInvoice:
    invoice.status = status
    invoice.touch()
    invoice.save(update_fields=["status", "date_last_change"])
    return invoice
