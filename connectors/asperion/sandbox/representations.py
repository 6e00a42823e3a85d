"""Rows as the API shows them: camelCase fields, Dutch local date-times, `_meta.self` links."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from connectors.asperion.sandbox.api import ApiRequest
from connectors.asperion.sandbox.dates import format_local
from connectors.asperion.sandbox.models import (
    DEBTOR_FIELDS,
    Administration,
    Article,
    ContactPerson,
    Debtor,
    DebtorKind,
    Journal,
    PaymentCondition,
    PaymentMethod,
    SalesInvoice,
    SalesInvoiceLine,
    SalesOrder,
    SalesOrderLine,
    SalesType,
    VatCode,
)

CENT = Decimal("0.01")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def self_meta(context: ApiRequest, path: str) -> dict[str, str]:
    return {"self": context.url(path)}


def administration_json(context: ApiRequest, administration: Administration) -> dict[str, Any]:
    return {
        "id": administration.pk,
        "name": administration.name,
        "_meta": self_meta(context, f"/v1/administrations/{administration.pk}"),
    }


def article_json(context: ApiRequest, article: Article) -> dict[str, Any]:
    vat_code = article.sales_type.vat_code
    return {
        "id": article.pk,
        "code": article.code,
        "description": article.description,
        "extendedDescription": article.extended_description,
        "unit": article.unit,
        "salesTypeId": article.sales_type_id,
        "salesPrice": article.sales_price,
        "salesPriceInclVat": cents(article.sales_price * (1 + vat_code.percentage / 100)),
        "vatCode": vat_code.code,
        "eanCode": article.ean_code,
        "currentStock": article.current_stock,
        "reservedStock": article.reserved_stock,
        "active": article.active,
        "characteristic1": article.characteristic1,
        "characteristic2": article.characteristic2,
        "characteristic3": article.characteristic3,
        "characteristic4": article.characteristic4,
        "characteristic5": article.characteristic5,
        "isVariant": article.is_variant,
        "dateAdded": format_local(article.date_added),
        "dateLastChange": format_local(article.date_last_change),
        "_meta": self_meta(context, f"/v1/articles/{article.pk}"),
    }


def debtor_json(context: ApiRequest, debtor: Debtor) -> dict[str, Any]:
    body: dict[str, Any] = {"id": debtor.pk}
    body |= {name: getattr(debtor, column) for name, column in DEBTOR_FIELDS.items()}
    body |= {
        "debtorKindId": debtor.debtor_kind.code,
        "paymentConditionId": debtor.payment_condition_id,
        "paymentMethodId": debtor.payment_method.code if debtor.payment_method else None,
        "dateAdded": format_local(debtor.date_added),
        "dateLastChange": format_local(debtor.date_last_change),
        "_meta": self_meta(context, f"/v1/debtors/{debtor.pk}"),
    }
    return body


def contact_json(context: ApiRequest, contact: ContactPerson) -> dict[str, Any]:
    return {
        "id": contact.pk,
        "firstName": contact.first_name,
        "lastName": contact.last_name,
        "emailAddress": contact.email_address,
        "phoneNumber": contact.phone_number,
        "function": contact.function,
        "isPrimary": contact.is_primary,
    }


def order_json(
    context: ApiRequest, order: SalesOrder, lines: Iterable[SalesOrderLine] | None = None
) -> dict[str, Any]:
    rows = order.lines.select_related("article") if lines is None else lines
    data = [
        {
            "id": line.pk,
            "articleId": line.article_id,
            "articleCode": line.article.code,
            "description": line.description,
            "quantity": line.quantity,
            "unitPrice": line.unit_price,
            "discountPercentage": line.discount_percentage,
            "vatCode": line.vat_code,
            "amountExclVat": line.amount_excl_vat,
            "vatAmount": line.vat_amount,
        }
        for line in rows
    ]
    return {
        "id": order.pk,
        "orderNumber": order.order_number,
        "date": format_local(order.date),
        "debtorId": order.debtor_id,
        "debtorCustomerNumber": order.debtor.customer_number,
        "reference": order.reference,
        "description": order.description,
        "paymentConditionId": order.payment_condition_id,
        "paymentMethodId": order.payment_method.code if order.payment_method else None,
        "deliveryName": order.delivery_name,
        "deliveryAddress": order.delivery_address,
        "deliveryPostCode": order.delivery_post_code,
        "deliveryCity": order.delivery_city,
        "deliveryCountryCode": order.delivery_country_code,
        "status": order.status,
        "amountExclVat": order.amount_excl_vat,
        "vatAmount": order.vat_amount,
        "amountInclVat": order.amount_incl_vat,
        "lines": {"_data": data, "_meta": {}},
        "dateLastChange": format_local(order.date_last_change),
        "_meta": self_meta(context, f"/v1/salesorderswithlines/{order.pk}"),
    }


def invoice_json(
    context: ApiRequest, invoice: SalesInvoice, lines: Iterable[SalesInvoiceLine] | None = None
) -> dict[str, Any]:
    rows = invoice.lines.all() if lines is None else lines
    data = [
        {
            "id": line.pk,
            "description": line.description,
            "amount": line.amount,
            "vatCode": line.vat_code,
            "vatAmount": line.vat_amount,
            "ledgerAccountId": line.ledger_account_id,
            "costCenterId": line.cost_center_id,
            "costUnitId": line.cost_unit_id,
        }
        for line in rows
    ]
    return {
        "id": invoice.pk,
        "invoiceNumber": invoice.invoice_number,
        "date": format_local(invoice.date),
        "bookyear": invoice.bookyear,
        "bookperiod": invoice.bookperiod,
        "journalId": invoice.journal.code,
        "debtorCustomerNumber": invoice.debtor.customer_number,
        "description": invoice.description,
        "status": invoice.status,
        "paymentConditionId": invoice.payment_condition_id,
        "paymentDueDate": format_local(invoice.payment_due_date),
        "amountExclVat": invoice.amount_excl_vat,
        "vatAmount": invoice.vat_amount,
        "amountInclVat": invoice.amount_incl_vat,
        "lines": {"_data": data, "_meta": {}},
        # Not in the contract's SalesInvoice, but every write moves it (see the report).
        "dateLastChange": format_local(invoice.date_last_change),
        "_meta": self_meta(context, f"/v1/salesinvoiceswithlines/{invoice.pk}"),
    }


def vat_code_json(context: ApiRequest, vat: VatCode) -> dict[str, Any]:
    return {
        "id": vat.code,
        "description": vat.description,
        "salesCode": vat.sales_code,
        "percentage": vat.percentage,
        "isDefault": vat.is_default,
        "countryCode": vat.country_code,
        "validFrom": format_local(vat.valid_from),
        "validUntil": format_local(vat.valid_until),
    }


def payment_condition_json(context: ApiRequest, condition: PaymentCondition) -> dict[str, Any]:
    return {"id": condition.pk, "description": condition.description, "days": condition.days}


def payment_method_json(context: ApiRequest, method: PaymentMethod) -> dict[str, Any]:
    return {"id": method.code, "description": method.description}


def sales_type_json(context: ApiRequest, sales_type: SalesType) -> dict[str, Any]:
    return {
        "id": sales_type.pk,
        "description": sales_type.description,
        "ledgerAccountId": sales_type.ledger_account_id,
        "vatCode": sales_type.vat_code.code,
    }


def debtor_kind_json(context: ApiRequest, kind: DebtorKind) -> dict[str, Any]:
    return {"id": kind.code, "description": kind.description, "isBusiness": kind.is_business}


def journal_json(context: ApiRequest, journal: Journal) -> dict[str, Any]:
    return {"id": journal.code, "description": journal.description, "type": journal.type}


def without_ids(body: dict[str, Any]) -> dict[str, Any]:
    """Return a validateOnly answer: the would-be record, without the ids it never got."""
    trimmed = {name: value for name, value in body.items() if name not in ("id", "_meta")}
    if "lines" in trimmed:
        data = [{k: v for k, v in line.items() if k != "id"} for line in body["lines"]["_data"]]
        trimmed["lines"] = {"_data": data, "_meta": {}}
    if trimmed.get("orderNumber") == "":
        del trimmed["orderNumber"]
    return trimmed
