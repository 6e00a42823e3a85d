"""The Asperion connector: articles, stock, debtors, sales orders and invoices.

Connection config (not secret):
    api_base_url           e.g. https://api.asperion.nl, or <site>/sandbox/asperion
    identity_base_url      e.g. https://identity.asperion.nl, or <site>/sandbox/asperion
    client_id              the OAuth client registered for the platform
    administration_id      sent as X-Tenant-Id (unset: the user's default administration)
    optional: rate_limit_per_second, rate_limit_burst, read_timeout_seconds,
              accept_language (default en-US), invoice_lookback_days (default 60)
Connection secrets: client_secret, refresh_token, access_token, access_token_expires_at
    (the last two are written by connectors.asperion.oauth).

Streams: articles → Product, stock → StockLevel (both from /v1/articles), debtors → Customer
(a company's primary contact person gives first and last name), salesinvoices → Invoice (the
debtor's email and name added), salesorders → SalesOrderState (id, number, reference, raw
status: what "the order status follows" needs).

Writes (payloads in Asperion's own JSON shape, checked against schemas.py first):
    articles, debtors            create and update (an update that lacks a required field
                                 is merged over the current record: one extra GET)
    contactpersons               create only; the payload carries "debtorId" (the debtor's
                                 Asperion id), which selects /v1/debtors/{debtorId}/...
    salesorders, salesinvoices   create only (the API has no update); "lines" may be a plain
                                 list or Asperion's {"_data": [...]}.
Lookups (entity, key):
    articles by code; debtors (= debtors_by_email) by email; debtors_by_number by customer
    number; debtors_by_vat_number by VAT number (read from the listing: no filter); salesorders by
    reference; salesinvoices by invoice number or by a description
    that contains the key as a word (the mapping writes the shop's order number there).
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

from django.core.cache import cache
from pydantic import BaseModel, ValidationError

from connectors.asperion import client, oauth
from connectors.asperion.schemas import (
    Administration,
    Article,
    ArticleIn,
    ContactPersonIn,
    Debtor,
    DebtorIn,
    DebtorKind,
    Journal,
    Payload,
    PaymentCondition,
    PaymentMethod,
    SalesInvoice,
    SalesInvoiceIn,
    SalesOrder,
    SalesOrderIn,
    SalesType,
    VatCode,
    local_datetime,
    parse_json,
    since_text,
)
from connectors.base import (
    AccountingConnector,
    CallWatch,
    HttpConnector,
    OnCall,
    Option,
    RawPage,
    SnapshotPaging,
    Stream,
    WriteResult,
    as_answered,
    describe_invalid,
)
from connectors.errors import ConnectorError, RecordRejected
from connectors.models import Connection
from connectors.records import (
    Customer,
    Invoice,
    InvoiceLine,
    Product,
    Record,
    SalesOrderState,
    StockLevel,
    description_words,
)

DEFAULT_API_BASE_URL = "https://api.asperion.nl"
PAID_STATUS = 7
# The customer-number counter is probed afresh at least this often (numbers may be taken by
# hand in Asperion meanwhile; a duplicate also drops it at once).
NUMBER_COUNTER_SECONDS = 6 * 3600
MAX_LOOKUP_PAGES = 20
# What an article for shipping costs is called (its description contains one of these).
SHIPPING_WORDS = ("verzend", "shipping", "porto")
# An article for the cent or two that VAT rounded per line leaves (Dutch, English, Danish).
ROUNDING_WORDS = ("afronding", "rounding", "afrunding")
# What is kept for a scope (a run) lives at most this long: longer than a run's slices take.
SCOPE_CACHE_SECONDS = 6 * 3600


REFERENCE_KINDS: dict[str, tuple[type[BaseModel], Callable[[Any], str]]] = {
    "vatcodes": (
        VatCode,
        lambda v: (
            f"{v.description} ({v.percentage}%)" if v.percentage is not None else v.description
        ),
    ),
    "paymentconditions": (PaymentCondition, lambda v: v.description),
    "paymentmethods": (PaymentMethod, lambda v: v.description),
    "salestypes": (SalesType, lambda v: v.description),
    "debtorkinds": (DebtorKind, lambda v: v.description),
    "journals": (Journal, lambda v: v.description),
}


class AsperionConnector(HttpConnector, AccountingConnector):
    system: ClassVar[str] = "asperion"
    streams: ClassVar[dict[str, type[Record]]] = {
        "articles": Product,
        "stock": StockLevel,
        "debtors": Customer,
        "salesinvoices": Invoice,
        "salesorders": SalesOrderState,
    }

    def __init__(
        self,
        connection: Connection,
        *,
        on_call: OnCall | None = None,
        watch: CallWatch | None = None,
    ) -> None:
        super().__init__(connection, on_call=on_call, watch=watch)
        config = connection.config
        self.api_base_url = str(config.get("api_base_url") or DEFAULT_API_BASE_URL)
        # The identity server's calls are only logged: a token refresh must never be cut off
        # half-way (its one-time refresh token would be lost with its answer).
        self.identity = oauth.identity_client(connection, on_call=self.on_call)
        self._clients.append(self.identity)
        headers = {"Accept-Language": str(config.get("accept_language") or "en-US")}
        if config.get("administration_id") not in (None, ""):
            headers["X-Tenant-Id"] = str(int(config["administration_id"]))
        self.api = self.http_client(self.api_base_url, auth=self._auth, headers=headers)
        self._cache: dict[str, Any] = {}
        # A run's records may be handled on several threads: what is read once is read by one.
        self._cache_lock = threading.RLock()
        self._debtors: dict[str, Debtor | None] = {}

    # -- auth -----------------------------------------------------------------------------

    def _auth(self, force: bool) -> dict[str, str]:
        if force:
            rejected = self.connection.secrets.get("access_token")
            token = oauth.refresh(self.connection, self.identity, rejected=rejected)
        else:
            token = oauth.access_token(self.connection, self.identity)
        return {"Authorization": f"Bearer {token}"}

    def rate_limit_key(self) -> str:
        # Asperion limits per administration; the default administration is per client.
        config = self.connection.config
        account = config.get("administration_id") or f"default-{config.get('client_id')}"
        digest = hashlib.sha256(f"{self.api_base_url}|{account}".encode()).hexdigest()[:20]
        return f"asperion-{digest}"

    # -- protocol -------------------------------------------------------------------------

    def check_connection(self) -> None:
        administrations = self._all(lambda page: client.list_administrations(self.api, page=page))
        wanted = self.connection.config.get("administration_id")
        ids = {parse_json(Administration, raw).id for raw in administrations}
        if wanted not in (None, "") and int(wanted) not in ids:
            raise ConnectorError(
                f"administration {wanted} is not among the administrations this login may use "
                f"({', '.join(str(i) for i in sorted(ids)) or 'none'})",
                permanent=True,
            )

    def stream(self, name: str) -> Stream:
        snapshot = SnapshotPaging(format_since=since_text)
        if name in {"articles", "stock"}:
            to_record = self._product if name == "articles" else self._stock_level
            return Stream(
                record_type=self.streams[name],
                to_record=to_record,
                paging=snapshot,
                fetch=self._fetch_articles,
                key_of=lambda raw: str(raw["code"]),
                page_size=client.MAX_PAGE_SIZE,
                fetch_keys=self._articles_by_code,
            )
        if name == "debtors":
            return Stream(
                record_type=Customer,
                to_record=self._customer,
                paging=snapshot,
                fetch=lambda page, size, since: client.list_debtors(
                    self.api, page=page, page_size=size, changed_since=since
                ),
                key_of=lambda raw: str(raw.get("emailAddress") or raw["customerNumber"]),
                page_size=client.MAX_PAGE_SIZE,
            )
        if name == "salesorders":
            return Stream(
                record_type=SalesOrderState,
                to_record=self._sales_order_state,
                paging=snapshot,
                fetch=lambda page, size, since: client.list_sales_orders(
                    self.api, page=page, page_size=size, changed_since=since
                ),
                key_of=lambda raw: str(raw["id"]),
                page_size=client.MAX_PAGE_SIZE,
            )
        return self._invoice_stream()

    def _invoice_stream(self) -> Stream:
        # Invoices have no change-time filter: each read looks back a window of invoice
        # dates (a payment arrives after the invoice); the ledger skips the unchanged ones.
        days = int(self.connection.config.get("invoice_lookback_days") or 60)
        paging = SnapshotPaging(
            format_since=lambda m: m.date().isoformat(), overlap=timedelta(days=days)
        )
        return Stream(
            record_type=Invoice,
            to_record=self._invoice,
            paging=paging,
            fetch=lambda page, size, since: client.list_sales_invoices(
                self.api, page=page, page_size=size, date_from=since[:10] if since else None
            ),
            key_of=lambda raw: f"{raw['debtorCustomerNumber']}:{raw.get('invoiceNumber')}",
            page_size=client.MAX_PAGE_SIZE,
        )

    def lookup(self, entity: str, key: str) -> dict[str, Any] | None:
        finders: dict[str, Callable[[str], dict[str, Any] | None]] = {
            "articles": self._article_by_code,
            "debtors": self._debtor_by_email,
            "debtors_by_email": self._debtor_by_email,
            "debtors_by_number": self._debtor_by_number,
            "debtors_by_vat_number": self._debtor_by_vat_number,
            "salesorders": self._sales_order_by_reference,
            "salesinvoices": self._sales_invoice_by_key,
        }
        if entity not in finders:
            raise ValueError(f"Asperion cannot look up {entity!r}")
        if not key:
            return None
        found = finders[entity](key)
        return self.redacted(found) if found is not None else None

    def create(self, entity: str, payload: dict[str, Any]) -> WriteResult:
        if entity == "contactpersons":
            return self._create_contact_person(payload)
        creators: dict[str, tuple[type[Payload], Callable[..., dict[str, Any]]]] = {
            "articles": (ArticleIn, client.create_article),
            "debtors": (DebtorIn, client.create_debtor),
            "salesorders": (SalesOrderIn, client.create_sales_order),
            "salesinvoices": (SalesInvoiceIn, client.create_sales_invoice),
        }
        if entity not in creators:
            raise ValueError(f"Asperion cannot create {entity!r}")
        schema, create = creators[entity]
        answer = create(self.api, prepare(schema, payload, entity))
        return WriteResult(str(answer["id"]), "created", self.redacted(answer))

    def update(
        self,
        entity: str,
        target_id: str,
        payload: dict[str, Any],
        *,
        current: dict[str, Any] | None = None,
    ) -> WriteResult:
        updaters: dict[str, tuple[type[Payload], Callable[..., dict[str, Any]], Any]] = {
            "articles": (ArticleIn, client.update_article, client.get_article),
            "debtors": (DebtorIn, client.update_debtor, client.get_debtor),
        }
        if entity not in updaters:
            raise ConnectorError(f"Asperion's API cannot update {entity}", permanent=True)
        schema, put, get = updaters[entity]
        if missing_required(schema, payload):
            # PUT replaces every writable field: fill what the payload lacks from the record,
            # as the caller just read it (a listing's item is the whole record) or read now.
            known = as_answered(current)
            filled = {**schema.contract_fields(known), **payload} if known else payload
            if known is None or missing_required(schema, filled):
                filled = {**schema.contract_fields(get(self.api, target_id)), **payload}
            payload = filled
        answer = put(self.api, target_id, prepare(schema, payload, entity))
        return WriteResult(str(answer["id"]), "updated", self.redacted(answer))

    def reference_data(self, kind: str) -> list[Option]:
        if kind == "administrations":
            items = self._all(lambda page: client.list_administrations(self.api, page=page))
            rows = [parse_json(Administration, raw) for raw in items]
            return [Option(str(row.id), row.name) for row in rows]
        if kind == "shipping_articles":
            return self._articles_saying(SHIPPING_WORDS)
        if kind == "rounding_articles":
            return self._articles_saying(ROUNDING_WORDS)
        if kind not in REFERENCE_KINDS:
            raise ValueError(f"Asperion has no reference list {kind!r}")
        model, label = REFERENCE_KINDS[kind]
        items = self._all(lambda page: client.list_reference(self.api, kind, page=page))
        options = []
        for raw in items:
            row = parse_json(model, raw)
            facts = row.model_dump(mode="json", exclude={"id", "description"})
            options.append(Option(str(getattr(row, "id")), label(row), facts))  # noqa: B009
        return options

    def reference_rows(self, kind: str) -> list[dict[str, Any]]:
        """The rows of a reference list with all their fields (a VAT code's percentage and
        country, a payment condition's days): what settings are matched against. Read once
        per run (its slices included), as the VAT rates are."""
        if kind not in REFERENCE_KINDS:
            raise ValueError(f"Asperion has no reference list {kind!r}")
        model, _label = REFERENCE_KINDS[kind]

        def load() -> list[dict[str, Any]]:
            items = self._all(lambda page: client.list_reference(self.api, kind, page=page))
            return [parse_json(model, raw).model_dump(mode="json") for raw in items]

        rows: list[dict[str, Any]] = self._cached(f"reference_rows:{kind}", load)
        return rows

    def _articles_saying(self, words: tuple[str, ...]) -> list[Option]:
        """Active articles whose code or description says one of the words (one filtered read
        per word): the candidates for the orders flow's shipping-cost or rounding line."""
        found: dict[str, Option] = {}
        for word in words:
            page = client.list_articles(self.api, description=word)
            for raw in page.items:
                article = parse_json(Article, raw)
                if article.active and not article.isVariant:
                    found.setdefault(article.code, Option(article.code, article.description))
        return list(found.values())

    def next_customer_number(self, range_start: int, range_end: int) -> str:
        """Return the next free customer number in [range_start, range_end], reserved.

        Asperion has no "next number" call and filters CustomerNumber by "contains" only.
        The first free number is found once by probing (doubling steps from range_start,
        then a binary search back to the first free one after the used block: about
        2·log2(n) look-ups), and kept as a counter in the shared cache; every later debtor
        takes the next number from that counter with an atomic increment, without a call.
        A number that turns out to be taken (a debtor made outside the platform) is refused
        by Asperion as a duplicate: the caller then calls forget_customer_numbers and asks
        again, which probes afresh.
        """
        if range_start > range_end:
            raise ValueError("the customer number range is empty")
        key = self._number_counter_key(range_start, range_end)
        number = self._counted(key)
        if number <= range_end:
            return str(number)
        with self._cache_lock:  # records in flight beside this one: one of them probes
            number = self._counted(key)
            if number <= range_end:
                return str(number)
            first = self._first_free_after(range_start - 1, range_end)
            if cache.add(key, first, timeout=NUMBER_COUNTER_SECONDS):
                return str(first)
        return self.next_customer_number(range_start, range_end)  # another worker seeded it

    @staticmethod
    def _counted(key: str) -> int:
        """The counter's next number; past any range when there is no counter (or it expired)."""
        try:
            return int(cache.incr(key))
        except ValueError:
            return 2**63

    def forget_customer_numbers(self, range_start: int, range_end: int) -> None:
        """Drop the counter: the next number is probed afresh (after a duplicate)."""
        cache.delete(self._number_counter_key(range_start, range_end))

    def debtor_emails(self, changed_since: datetime | None) -> Iterator[tuple[str, str]]:
        """Yield (email, customer number) of every debtor changed since the moment (all
        debtors when None), a page at a time: the orders flow's index of who exists."""
        since = since_text(changed_since) if changed_since else None
        for page in itertools.count(1):
            raw = client.list_debtors(self.api, page=page, changed_since=since)
            for item in raw.items:
                email = str(item.get("emailAddress") or "") if isinstance(item, dict) else ""
                if email and item.get("customerNumber"):
                    yield email, str(item["customerNumber"])
            if not raw.has_more:
                return

    def articles_by_code(self, *, max_pages: int) -> dict[str, dict[str, Any]] | None:
        """Every article by its code (casefolded; the first of a code, as a look-up by code
        finds it), or None when the list is longer than max_pages pages: the first page
        says how long (totalCount)."""
        found: dict[str, dict[str, Any]] = {}
        for page in range(1, max_pages + 1):
            raw = client.list_articles(self.api, page=page, page_size=client.MAX_PAGE_SIZE)
            if raw.total is not None and -(-raw.total // client.MAX_PAGE_SIZE) > max_pages:
                return None
            for item in raw.items:
                if isinstance(item, dict):
                    found.setdefault(str(item.get("code", "")).casefold(), item)
            if not raw.has_more:
                return found
        return None

    def booked_references(
        self, document: str, date_from: date, *, max_pages: int
    ) -> dict[str, dict[str, Any]] | None:
        """Return {reference: record} of the sales orders (or the order numbers named in the
        descriptions of the sales invoices) dated from date_from, or None when reading them
        would take more than max_pages calls (looking the orders up one by one is cheaper)."""
        fetch: Callable[[int], RawPage]
        if document == "salesorders":
            fetch = lambda page: client.list_sales_orders(  # noqa: E731
                self.api, page=page, date_from=date_from.isoformat()
            )
        else:
            fetch = lambda page: client.list_sales_invoices(  # noqa: E731
                self.api, page=page, date_from=date_from.isoformat()
            )
        found: dict[str, dict[str, Any]] = {}
        for page in range(1, max_pages + 1):
            raw = fetch(page)
            for item in raw.items:
                if isinstance(item, dict):
                    found.update(dict.fromkeys(reference_words(document, item), item))
            if not raw.has_more:
                return {key: self.redacted(item) for key, item in found.items()}
        return None

    # -- reading: conversions -------------------------------------------------------------

    def _fetch_articles(self, page: int, size: int, since: str | None) -> RawPage:
        return client.list_articles(self.api, page=page, page_size=size, changed_since=since)

    def _articles_by_code(self, codes: list[str]) -> list[Any]:
        found = [self._article_by_code(code) for code in codes]
        return [raw for raw in found if raw is not None]

    def _product(self, raw: Any) -> Product:
        article = parse_json(Article, raw)
        product: Product = Product.parse(
            {
                "source_id": str(article.id),
                "sku": article.code,
                "name": article.description,
                "short_description": article.description,
                "long_description": article.extendedDescription,
                "price_excl_vat": article.salesPrice,
                "price_incl_vat": article.salesPriceInclVat,
                "vat_rate": self._vat_rate(article),
                "vat_code": article.vatCode,
                "ean": article.eanCode,
                "unit": article.unit,
                "current_stock": article.currentStock,
                "reserved_stock": article.reservedStock,
                "active": article.active,
                "is_variant": article.isVariant,
                **{
                    f"characteristic_{n}": getattr(article, f"characteristic{n}")
                    for n in range(1, 6)
                },
                "changed_at": local_datetime(article.dateLastChange),
            }
        )
        return product

    def _stock_level(self, raw: Any) -> StockLevel:
        article = parse_json(Article, raw)
        level: StockLevel = StockLevel.parse(
            {
                "sku": article.code,
                "current_stock": article.currentStock,
                "reserved_stock": article.reservedStock,
                "changed_at": local_datetime(article.dateLastChange),
            }
        )
        return level

    def _vat_rate(self, article: Article) -> Decimal:
        rates = self._cached("vat_rates", self._load_vat_rates)
        if article.vatCode and article.vatCode in rates:
            return Decimal(rates[article.vatCode])
        if article.salesPriceInclVat is not None and article.salesPrice > 0:
            ratio = article.salesPriceInclVat / article.salesPrice - 1
            return (ratio * 100).quantize(Decimal("1"))
        raise ValueError(f"vatCode: unknown VAT code {article.vatCode!r}")

    def _load_vat_rates(self) -> dict[str, str]:
        items = self._all(lambda page: client.list_reference(self.api, "vatcodes", page=page))
        codes = [parse_json(VatCode, raw) for raw in items]
        return {c.id: str(c.percentage) for c in codes if c.percentage is not None}

    def _business_kinds(self) -> set[str]:
        def load() -> set[str]:
            items = self._all(
                lambda page: client.list_reference(self.api, "debtorkinds", page=page)
            )
            kinds = [parse_json(DebtorKind, raw) for raw in items]
            return {k.id for k in kinds if k.isBusiness}

        result: set[str] = self._cached("business_kinds", load)
        return result

    def _customer(self, raw: Any) -> Customer:
        debtor = parse_json(Debtor, raw)
        is_company = debtor.debtorKindId in self._business_kinds()
        first, last = self._contact_names(debtor) if is_company else split_name(debtor.name)
        customer: Customer = Customer.parse(
            {
                "source_id": str(debtor.id),
                "customer_number": debtor.customerNumber,
                "email": debtor.emailAddress or None,
                "is_company": is_company,
                "company_name": debtor.name if is_company else None,
                "first_name": first,
                "last_name": last,
                "phone": debtor.phoneNumber or debtor.mobileNumber,
                "vat_number": debtor.vatNumber,
                "coc_number": debtor.cocNumber,
                "billing": billing_address(debtor),
                "shipping": shipping_address(debtor),
                "changed_at": local_datetime(debtor.dateLastChange),
            }
        )
        return customer

    def _contact_names(self, debtor: Debtor) -> tuple[str | None, str | None]:
        """A company's contact: the debtor's "for the attention of" (no call); only a
        company without one has its contact persons read (one GET)."""
        if debtor.attentionTo:
            return split_name(debtor.attentionTo)
        persons = client.list_contact_persons(self.api, debtor.id)
        primary = next((p for p in persons if p.isPrimary), persons[0] if persons else None)
        if primary is not None:
            return primary.firstName, primary.lastName
        return None, None

    def _invoice(self, raw: Any) -> Invoice:
        """The invoice as read; its customer (a call per debtor) only by with_customer."""
        invoice = parse_json(SalesInvoice, raw)
        moment = local_datetime(invoice.date)
        assert moment is not None
        record: Invoice = Invoice.parse(
            {
                "source_id": str(invoice.id),
                "invoice_number": invoice.invoiceNumber or str(invoice.id),
                "customer_number": invoice.debtorCustomerNumber,
                "date": moment.date(),
                "status": str(invoice.status or ""),
                "paid": invoice.status == PAID_STATUS,
                "amount_incl_vat": invoice.amountInclVat,
                "lines": [InvoiceLine(name=line.description) for line in invoice.lines.data],
                "changed_at": local_datetime(invoice.dateLastChange),
            }
        )
        return record

    def with_customer(self, invoice: Invoice) -> Invoice:
        debtor = self._debtor(invoice.customer_number)
        if debtor is None:
            return invoice
        first, last = split_name(debtor.attentionTo or debtor.name)
        completed: Invoice = invoice.model_copy(
            update={
                "customer_email": debtor.emailAddress,
                "customer_name": debtor.name,
                "company_name": debtor.name if debtor.cocNumber else None,
                "first_name": first,
                "last_name": last,
            }
        )
        return completed

    def _debtor(self, customer_number: str) -> Debtor | None:
        if customer_number not in self._debtors:
            raw = self._debtor_by_number(customer_number)
            self._debtors[customer_number] = parse_json(Debtor, raw) if raw else None
        return self._debtors[customer_number]

    def _sales_order_state(self, raw: Any) -> SalesOrderState:
        order = parse_json(SalesOrder, raw)
        state: SalesOrderState = SalesOrderState.parse(
            {
                "source_id": str(order.id),
                "order_number": order.orderNumber,
                "reference": order.reference,
                "status": order.status or 0,
                "customer_number": order.debtorCustomerNumber,
                "changed_at": local_datetime(order.dateLastChange),
            }
        )
        return state

    # -- lookups --------------------------------------------------------------------------

    def _article_by_code(self, code: str) -> dict[str, Any] | None:
        return self._find(
            lambda page: client.list_articles(self.api, page=page, code=code),
            lambda raw: str(raw.get("code", "")).casefold() == code.casefold(),
        )

    def _debtor_by_email(self, email: str) -> dict[str, Any] | None:
        return self._find(
            lambda page: client.list_debtors(self.api, page=page, email=email),
            lambda raw: str(raw.get("emailAddress") or "").casefold() == email.casefold(),
        )

    def _debtor_by_number(self, number: str) -> dict[str, Any] | None:
        return self._find(
            lambda page: client.list_debtors(self.api, page=page, customer_number=number),
            lambda raw: str(raw.get("customerNumber", "")) == number,
        )

    def _debtor_by_vat_number(self, vat_number: str) -> dict[str, Any] | None:
        # The contract has no VatNumber filter on /v1/debtors: the listing is read until found.
        wanted = compact_vat_number(vat_number)
        return self._find(
            lambda page: client.list_debtors(self.api, page=page),
            lambda raw: compact_vat_number(str(raw.get("vatNumber") or "")) == wanted,
        )

    def contact_persons(self, debtor_id: str) -> list[dict[str, Any]]:
        persons = client.list_contact_persons(self.api, int(debtor_id))
        return [self.redacted(person.model_dump(mode="json")) for person in persons]

    def _sales_order_by_reference(self, reference: str) -> dict[str, Any] | None:
        return self._find(
            lambda page: client.list_sales_orders(self.api, page=page, reference=reference),
            lambda raw: str(raw.get("reference") or "") == reference,
        )

    def _sales_invoice_by_key(self, key: str) -> dict[str, Any] | None:
        """An invoice by its number, or by a description naming the key as a word."""
        by_number = self._find(
            lambda page: client.list_sales_invoices(self.api, page=page, invoice_number=key),
            lambda raw: str(raw.get("invoiceNumber") or "") == key,
        )
        if by_number is not None:
            return by_number
        return self._find(
            lambda page: client.list_sales_invoices(self.api, page=page, description=key),
            lambda raw: key in description_words(raw),
        )

    def _find(
        self, fetch: Callable[[int], RawPage], matches: Callable[[Any], bool]
    ) -> dict[str, Any] | None:
        """Return the first item that matches exactly (filters may match "contains")."""
        for page in range(1, MAX_LOOKUP_PAGES + 1):
            raw = fetch(page)
            for item in raw.items:
                if isinstance(item, dict) and matches(item):
                    return item
            if not raw.has_more:
                return None
        return None

    def _all(self, fetch: Callable[[int], RawPage]) -> list[Any]:
        items: list[Any] = []
        for page in range(1, MAX_LOOKUP_PAGES + 1):
            raw = fetch(page)
            items += raw.items
            if not raw.has_more:
                break
        return items

    def _cached(self, name: str, load: Callable[[], Any]) -> Any:
        """What is read once: for the connector's life, and for its watch's scope (one run,
        across its slices and workers) in the shared cache."""
        if name in self._cache:
            return self._cache[name]
        with self._cache_lock:
            return self._cached_once(name, load)

    def _cached_once(self, name: str, load: Callable[[], Any]) -> Any:
        if name not in self._cache:
            scope = self.watch.scope
            if not scope:
                self._cache[name] = load()
                return self._cache[name]
            key = f"connectors:asperion:{scope}:{self.connection.pk}:{name}"
            value = cache.get(key)
            if value is None:
                value = load()
                cache.set(key, value, timeout=SCOPE_CACHE_SECONDS)
            self._cache[name] = value
        return self._cache[name]

    # -- writing --------------------------------------------------------------------------

    def _create_contact_person(self, payload: dict[str, Any]) -> WriteResult:
        debtor_id = payload.get("debtorId")
        if not isinstance(debtor_id, int | str) or not str(debtor_id).isdigit():
            raise RecordRejected(
                "a contact person payload needs debtorId: the Asperion id of its debtor",
                field_errors={"debtorId": ["required: the debtor's Asperion id"]},
            )
        body = {k: v for k, v in payload.items() if k != "debtorId"}
        answer = client.create_contact_person(
            self.api, str(debtor_id), prepare(ContactPersonIn, body, "contactpersons")
        )
        return WriteResult(str(answer.get("id", "")), "created", self.redacted(answer))

    # -- customer numbers -----------------------------------------------------------------

    def _number_taken(self, number: int) -> bool:
        return self._debtor_by_number(str(number)) is not None

    def _first_free_after(self, low: int, end: int) -> int:
        """Return a free number in (low, end] that the next number is free after too: a free
        number just before a taken one is a gap in the used block (a range that starts at
        10000 with debtors from 10001 on), which would send the next debtors into the block."""
        while True:
            free = self._a_free_number_after(low, end)
            if free == end or not self._number_taken(free + 1):
                return free
            low = free + 1

    def _a_free_number_after(self, low: int, end: int) -> int:
        """Return a free number in (low, end]: gallop forward, then binary search back."""
        step = 1
        while True:
            probe = min(low + step, end)
            if not self._number_taken(probe):
                break
            if probe == end:
                raise RecordRejected(
                    f"no free customer number left in the range up to {end}: widen the range"
                )
            low, step = probe, step * 2
        high = probe  # free; every number up to low is taken
        while high - low > 1:
            middle = (low + high) // 2
            if self._number_taken(middle):
                low = middle
            else:
                high = middle
        return high

    def _number_counter_key(self, range_start: int, range_end: int) -> str:
        return f"connectors:asperion:next-number:{self.rate_limit_key()}:{range_start}:{range_end}"


# ---- helpers -------------------------------------------------------------------------------


def prepare(schema: type[Payload], payload: dict[str, Any], entity: str) -> dict[str, Any]:
    """Return the payload to send, checked against Asperion's schema.

    Read-only fields are dropped (the API ignores them); a bare list of lines is wrapped in
    Asperion's {"_data": [...]}. A payload that does not fit raises RecordRejected before
    any call is made.
    """
    body = schema.writable(payload)
    lines = body.get("lines")
    if isinstance(lines, list):
        body["lines"] = {"_data": lines}
    try:
        parse_json(schema, body)
    except ValidationError as error:
        raise RecordRejected(
            f"the {entity} payload does not fit Asperion's schema: {describe_invalid(error)}",
            field_errors={
                ".".join(str(p) for p in item["loc"]): [item["msg"]] for item in error.errors()
            },
        ) from None
    return body


def missing_required(schema: type[Payload], payload: dict[str, Any]) -> bool:
    return any(
        name not in payload for name, info in schema.model_fields.items() if info.is_required()
    )


def reference_words(document: str, raw: dict[str, Any]) -> list[str]:
    """The keys a booked document answers to: a sales order's reference; an invoice's
    number and the words of its description (where the order number is written)."""
    if document == "salesorders":
        return [str(raw["reference"])] if raw.get("reference") else []
    words = [w for w in description_words(raw) if w]
    return [str(raw["invoiceNumber"]), *words] if raw.get("invoiceNumber") else words


def split_name(name: str | None) -> tuple[str | None, str | None]:
    """Return (first, last) of a person's name: "Jan de Vries" → ("Jan", "de Vries")."""
    parts = (name or "").split(None, 1)
    if len(parts) == 2:
        return parts[0], parts[1]
    return None, (parts[0] if parts else None)


def billing_address(debtor: Debtor) -> dict[str, Any]:
    """Return the canonical Address as data (validated with its record, naming the field)."""
    return {
        "line": debtor.address or None,
        "postcode": debtor.postCode or None,
        "city": debtor.city or None,
        "country": debtor.countryCode or None,
    }


def shipping_address(debtor: Debtor) -> dict[str, Any] | None:
    if not debtor.deliveryAddress:
        return None
    return {
        "line": debtor.deliveryAddress,
        "postcode": debtor.deliveryPostCode or None,
        "city": debtor.deliveryCity or None,
        "country": debtor.deliveryCountryCode or None,
    }


def compact_vat_number(value: str) -> str:
    """A VAT number as compared: upper case, without spaces, dots and dashes."""
    return "".join(ch for ch in value.upper() if ch.isalnum())
