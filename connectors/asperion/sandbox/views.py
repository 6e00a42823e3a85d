"""The API endpoints, one small function per path and method, and the route table.

Plain Django views rather than DRF: the answers mimic ASP.NET (ProblemDetails, PascalCase
error keys, case-insensitive routing, `{_data, _meta}` envelopes), which DRF's defaults
would have to be bent into at every step.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from connectors.asperion.sandbox import problems as msg
from connectors.asperion.sandbox import representations as show
from connectors.asperion.sandbox import schemas, services
from connectors.asperion.sandbox.api import (
    ApiRequest,
    Route,
    dispatch,
    json_response,
    read_json_body,
)
from connectors.asperion.sandbox.identity import authorize, token
from connectors.asperion.sandbox.listing import (
    DATE_LAST_CHANGE_FROM,
    Filter,
    apply_filters,
    apply_order,
    list_response,
    query_bool,
    query_choice,
)
from connectors.asperion.sandbox.models import (
    Article,
    ContactPerson,
    Debtor,
    DebtorKind,
    Journal,
    PaymentCondition,
    PaymentMethod,
    SalesInvoice,
    SalesOrder,
    SalesType,
    VatCode,
)
from connectors.asperion.sandbox.problems import ApiProblem, FieldErrors, Message
from connectors.asperion.sandbox.services import M, find

ARTICLE_FILTERS = (
    DATE_LAST_CHANGE_FROM,
    Filter("Code", "code"),
    Filter("EanCode", "ean_code"),
    Filter("Description", "description"),
)
ARTICLE_ORDER = {
    "id": "pk",
    "code": "code",
    "description": "description",
    "salesPrice": "sales_price",
    "dateLastChange": "date_last_change",
}
DEBTOR_FILTERS = (
    DATE_LAST_CHANGE_FROM,
    Filter("CustomerNumber", "customer_number"),
    Filter("Name", "name"),
    Filter("EmailAddress", "email_address"),
    Filter("CocNumber", "coc_number"),
    Filter("DateAdded_from", "date_added", "date_from"),
    Filter("DateAdded_to", "date_added", "date_to"),
    Filter("Blocked", "blocked", "boolean"),
)
DEBTOR_ORDER = {
    "id": "pk",
    "customerNumber": "customer_number",
    "name": "name",
    "dateLastChange": "date_last_change",
}
ORDER_FILTERS = (
    DATE_LAST_CHANGE_FROM,
    Filter("Reference", "reference"),
    Filter("DebtorCustomerNumber", "debtor__customer_number"),
    Filter("Status", "status", "integer"),
    Filter("Date_from", "date", "date_from"),
    Filter("Date_to", "date", "date_to"),
)
INVOICE_FILTERS = (
    DATE_LAST_CHANGE_FROM,
    Filter("InvoiceNumber", "invoice_number"),
    Filter("Description", "description"),
    Filter("DebtorCustomerNumber", "debtor__customer_number"),
    Filter("Status", "status", "integer"),
    Filter("Date_from", "date", "date_from"),
    Filter("Date_to", "date", "date_to"),
)
DATED_ORDER = {"id": "pk", "date": "date", "dateLastChange": "date_last_change"}
ACTIVE_STATES = ("Active", "Inactive", "All")


def rows_of(context: ApiRequest, model: type[M]) -> models.QuerySet[M]:
    return model._default_manager.filter(administration=context.administration)


def one_of(queryset: models.QuerySet[M], record_id: int, entity: str) -> M:
    row = find(queryset, pk=record_id)
    if row is None:
        raise ApiProblem(404, Message(msg.NOT_FOUND, entity=entity, id=record_id))
    return row


def validate_only(context: ApiRequest) -> bool:
    return query_bool(context, "validateOnly", False)


def written(
    context: ApiRequest, body: dict[str, Any], *, created: bool, dry_run: bool
) -> HttpResponse:
    if dry_run:
        return json_response(show.without_ids(body))
    return json_response(body, status=201 if created else 200)


def body_values(
    request: HttpRequest, fields: tuple[schemas.Field, ...]
) -> tuple[dict[str, Any], dict[str, Any], FieldErrors]:
    body = read_json_body(request)
    errors: FieldErrors = {}
    return body, schemas.read_fields(body, fields, errors), errors


# Administrations


def administrations_list(context: ApiRequest) -> HttpResponse:
    administrations = context.user.administrations.order_by("pk")
    return list_response(context, administrations, show.administration_json)


def administration_get(context: ApiRequest, record_id: int) -> HttpResponse:
    administration = one_of(context.user.administrations.all(), record_id, "administration")
    return json_response(show.administration_json(context, administration))


# Articles


def article_rows(context: ApiRequest) -> models.QuerySet[Article]:
    return rows_of(context, Article).select_related("sales_type__vat_code")


def articles_list(context: ApiRequest) -> HttpResponse:
    articles = apply_filters(context, article_rows(context), ARTICLE_FILTERS)
    state = query_choice(context, "ActiveState", ACTIVE_STATES, "Active")
    if state != "All":
        articles = articles.filter(active=state == "Active")
    articles = apply_order(context, articles, ARTICLE_ORDER)
    meta_only = query_bool(context, "metaOnly", False)
    return list_response(context, articles, show.article_json, meta_only=meta_only)


def article_post(context: ApiRequest) -> HttpResponse:
    return article_write(context, None)


def article_get(context: ApiRequest, record_id: int) -> HttpResponse:
    article = one_of(article_rows(context), record_id, "article")
    return json_response(show.article_json(context, article))


def article_put(context: ApiRequest, record_id: int) -> HttpResponse:
    return article_write(context, one_of(article_rows(context), record_id, "article"))


def article_write(context: ApiRequest, article: Article | None) -> HttpResponse:
    dry_run = validate_only(context)
    _body, values, errors = body_values(context.request, schemas.ARTICLE_FIELDS)
    saved = services.article_save(
        administration=context.administration,
        article=article,
        values=values,
        errors=errors,
        validate_only=dry_run,
    )
    body = show.article_json(context, saved)
    return written(context, body, created=article is None, dry_run=dry_run)


# Debtors and contact persons


def debtor_rows(context: ApiRequest) -> models.QuerySet[Debtor]:
    return rows_of(context, Debtor).select_related("debtor_kind", "payment_method")


def debtors_list(context: ApiRequest) -> HttpResponse:
    debtors = apply_filters(context, debtor_rows(context), DEBTOR_FILTERS)
    debtors = apply_order(context, debtors, DEBTOR_ORDER)
    return list_response(context, debtors, show.debtor_json)


def debtor_post(context: ApiRequest) -> HttpResponse:
    return debtor_write(context, None)


def debtor_get(context: ApiRequest, record_id: int) -> HttpResponse:
    debtor = one_of(debtor_rows(context), record_id, "debtor")
    return json_response(show.debtor_json(context, debtor))


def debtor_put(context: ApiRequest, record_id: int) -> HttpResponse:
    return debtor_write(context, one_of(debtor_rows(context), record_id, "debtor"))


def debtor_write(context: ApiRequest, debtor: Debtor | None) -> HttpResponse:
    dry_run = validate_only(context)
    _body, values, errors = body_values(context.request, schemas.DEBTOR_FIELDS)
    saved = services.debtor_save(
        administration=context.administration,
        debtor=debtor,
        values=values,
        errors=errors,
        validate_only=dry_run,
    )
    body = show.debtor_json(context, saved)
    return written(context, body, created=debtor is None, dry_run=dry_run)


def contacts_list(context: ApiRequest, record_id: int) -> HttpResponse:
    debtor = one_of(debtor_rows(context), record_id, "debtor")
    contacts = ContactPerson.objects.filter(debtor=debtor).order_by("pk")
    return list_response(context, contacts, show.contact_json)


def contact_post(context: ApiRequest, record_id: int) -> HttpResponse:
    debtor = one_of(debtor_rows(context), record_id, "debtor")
    _body, values, errors = body_values(context.request, schemas.CONTACT_FIELDS)
    services.raise_if(errors)
    contact = services.contact_create(debtor=debtor, values=values)
    return json_response(show.contact_json(context, contact), status=201)


# Sales orders


def order_rows(context: ApiRequest) -> models.QuerySet[SalesOrder]:
    return rows_of(context, SalesOrder).select_related("debtor", "payment_method")


def orders_list(context: ApiRequest) -> HttpResponse:
    orders = apply_filters(context, order_rows(context), ORDER_FILTERS)
    orders = apply_order(context, orders, DATED_ORDER)
    return list_response(context, orders, show.order_json)


def order_post(context: ApiRequest) -> HttpResponse:
    dry_run = validate_only(context)
    body, values, errors = body_values(context.request, schemas.ORDER_FIELDS)
    lines = schemas.read_lines(body, schemas.ORDER_LINE_FIELDS, errors)
    order, rows = services.order_create(
        administration=context.administration,
        values=values,
        lines=lines,
        errors=errors,
        validate_only=dry_run,
    )
    return written(context, show.order_json(context, order, rows), created=True, dry_run=dry_run)


def order_get(context: ApiRequest, record_id: int) -> HttpResponse:
    order = one_of(order_rows(context), record_id, "sales order")
    return json_response(show.order_json(context, order))


# Sales invoices


def invoice_rows(context: ApiRequest) -> models.QuerySet[SalesInvoice]:
    return rows_of(context, SalesInvoice).select_related("debtor", "journal")


def invoices_list(context: ApiRequest) -> HttpResponse:
    invoices = apply_filters(context, invoice_rows(context), INVOICE_FILTERS)
    invoices = apply_order(context, invoices, DATED_ORDER | {"invoiceNumber": "invoice_number"})
    return list_response(context, invoices, show.invoice_json)


def invoice_post(context: ApiRequest) -> HttpResponse:
    dry_run = validate_only(context)
    body, values, errors = body_values(context.request, schemas.INVOICE_FIELDS)
    lines = schemas.read_lines(body, schemas.INVOICE_LINE_FIELDS, errors)
    invoice, rows = services.invoice_create(
        administration=context.administration,
        values=values,
        lines=lines,
        errors=errors,
        validate_only=dry_run,
    )
    body = show.invoice_json(context, invoice, rows)
    return written(context, body, created=True, dry_run=dry_run)


def invoice_get(context: ApiRequest, record_id: int) -> HttpResponse:
    invoice = one_of(invoice_rows(context), record_id, "sales invoice")
    return json_response(show.invoice_json(context, invoice))


# Reference lists


def reference_list(model: type[M], represent: Any, *related: str) -> Any:
    def endpoint(context: ApiRequest) -> HttpResponse:
        rows = rows_of(context, model).select_related(*related).order_by("pk")
        return list_response(context, rows, represent)

    return endpoint


ID = r"(?P<record_id>[0-9]+)"
ROUTES = [
    Route("connect/authorize", {"GET": authorize, "POST": authorize}, authenticated=False),
    Route("connect/token", {"POST": token}, authenticated=False),
    Route("v1/administrations", {"GET": administrations_list}),
    Route(f"v1/administrations/{ID}", {"GET": administration_get}),
    Route("v1/articles", {"GET": articles_list, "POST": article_post}),
    Route(f"v1/articles/{ID}", {"GET": article_get, "PUT": article_put}),
    Route("v1/debtors", {"GET": debtors_list, "POST": debtor_post}),
    Route(f"v1/debtors/{ID}", {"GET": debtor_get, "PUT": debtor_put}),
    Route(f"v1/debtors/{ID}/contactpersons", {"GET": contacts_list, "POST": contact_post}),
    # FOUND as /v1/SalesOrderWithLines; the contract's plural form is served as well.
    Route("v1/salesorders?withlines", {"GET": orders_list, "POST": order_post}),
    Route(f"v1/salesorders?withlines/{ID}", {"GET": order_get}),
    Route("v1/salesinvoices?withlines", {"GET": invoices_list, "POST": invoice_post}),
    Route(f"v1/salesinvoices?withlines/{ID}", {"GET": invoice_get}),
    Route("v1/vatcodes", {"GET": reference_list(VatCode, show.vat_code_json)}),
    Route(
        "v1/paymentconditions",
        {"GET": reference_list(PaymentCondition, show.payment_condition_json)},
    ),
    Route("v1/paymentmethods", {"GET": reference_list(PaymentMethod, show.payment_method_json)}),
    Route("v1/salestypes", {"GET": reference_list(SalesType, show.sales_type_json, "vat_code")}),
    Route("v1/debtorkinds", {"GET": reference_list(DebtorKind, show.debtor_kind_json)}),
    Route("v1/journals", {"GET": reference_list(Journal, show.journal_json)}),
]


@csrf_exempt
def api(request: HttpRequest, rest: str) -> HttpResponse:
    """Every path under the sandbox root except the admin pages."""
    return dispatch(request, rest, ROUTES)
