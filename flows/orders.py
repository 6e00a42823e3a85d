"""The orders flow: the shop's orders booked in the accounting system, exactly once, and
their status back.

Booking is two-phase so that a worker killed mid-write never books an order twice: the
ledger row is marked "booking" and committed before the sales order (or invoice) is created;
before any write the order is looked for in the accounting system (by the sales order's
reference, or the order number in the invoice's description), so an interrupted booking, or
one made before the ledger knew of it, is found instead of booked again. What is looked up
once per run instead of once per order: flows/order_lookups.py.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Iterator
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from connectors.base import ConnectorError, Page, WriteResult
from connectors.errors import RecordRejected
from connectors.records import Order, Record, SalesOrderState
from flows.definitions import FlowDefinition
from flows.engine import (
    Outcome,
    RunAborted,
    RunContext,
    confirm_progress,
    failed,
    field_diff,
    payload_hash,
    skipped,
    write_failure,
)
from flows.mappings import compiled_default
from flows.models import Action, LedgerEntry
from flows.order_amounts import AmountsDiffer, add_rounding_line, settle_order
from flows.order_checks import (
    article_problems,
    describe_problems,
    in_order_terms,
    prepare_articles,
)
from flows.order_debtors import debtor_changes, has_contact, is_business_debtor, match_key
from flows.order_lookups import InvoiceImpossible, OrderLookups, invoice_payload
from flows.order_payment import with_payment_defaults
from flows.order_reference import order_reference
from flows.order_reversals import clear_needs_action, handle_reversal, reversal_reason
from flows.order_vat import VatCodeMissing, apply_vat_codes
from flows.pages import process_page, run_pages
from flows.settings_schemas import OrderSettings
from mapping import defaults
from mapping.kinds import MappingKind

BOOKING = "booking"
# A page is kept for the run's next slice, which starts within seconds (or minutes, when the
# workers are busy).
PAGE_CACHE_SECONDS = 3600
# Numbers a new debtor may be refused as taken before its order fails.
NUMBER_ATTEMPTS = 3
# How far the accounting system's sales order is → the shop's order status (an order still
# open or partly delivered changes nothing).
STATUS_FOLLOWS = {"delivered": "shipped", "invoiced": "completed", "cancelled": "cancelled"}


class OrderFailed(Exception):
    """One order cannot be booked; the message says why in the user's terms."""


class OrdersFlow(FlowDefinition):
    kind = "orders"
    name = _("Orders")
    label = _("Orders (Feeddex → Asperion)")
    description = _(
        "Paid Feeddex orders are booked in Asperion as sales orders or invoices, with the "
        "customer; the order status follows Asperion back."
    )
    source, target = "shop", "accounting"
    stream = "orders"
    record_type = Order
    log_entities = ("order", "order status", "order reversal")
    default_interval = 5
    settings_schema = OrderSettings
    uses_customer_defaults = True
    mapping = MappingKind(
        "orders", "Order → sales order", Order, "asperion.SalesOrder", defaults.ORDERS
    )
    customer_mapping = MappingKind(
        "order_customer",
        "Order's customer → debtor",
        Order,
        "asperion.Debtor",
        defaults.ORDER_CUSTOMER,
    )
    # The contact person of a new company debtor: always the default rules.
    contact_mapping = MappingKind(
        "order_contact",
        "Order's customer → contact person",
        Order,
        "asperion.ContactPerson",
        defaults.ORDER_CONTACT,
    )
    receives_webhooks = True
    queue = "celery"
    # Against an API 200 ms away one order at a time books two or three orders a second;
    # orders of different customers are booked side by side, each order's own calls (look
    # up, debtor, booking mark, document, write-back) still one after the other.
    concurrent = True
    status_stage: OrderStatusStage

    def __init__(self) -> None:
        self.status_stage = OrderStatusStage()

    def extra_mappings(self) -> list[MappingKind]:
        return [*super().extra_mappings(), self.contact_mapping]

    def run(self, ctx: RunContext) -> bool:
        """Book new orders, then let booked orders follow their status in the accounting system."""
        if not super().run(ctx):
            return False
        if not follows_status(ctx) or ctx.run.params.record_log_ids:
            return True
        stage = self.status_stage
        return run_pages(ctx, stage.pages(ctx), process=stage.process_page)

    def pages(self, ctx: RunContext) -> Iterator[Page]:
        """The stream's pages; a page that a slice stopped inside is taken by the next slice
        from the run's cache instead of being read again (a slow run stops inside most of
        its pages). Its orders are as they were when read: one that changed since comes
        again later in the stream, as it would within a slice."""
        cursor = ctx.flow.cursor.get(self.stream)
        kept = cache.get(page_cache_key(ctx, cursor))
        if isinstance(kept, Page) and kept.cursor is not None:
            yield kept
            if kept.last:
                return
            cursor = kept.cursor
        for page in ctx.connector(self.source).read(self.stream, cursor=cursor):
            cache.set(page_cache_key(ctx, cursor), page, timeout=PAGE_CACHE_SECONDS)
            cursor = page.cursor
            yield page

    def check(self, ctx: RunContext) -> None:
        super().check(ctx)
        if ctx.customer_mapping is None:
            raise RunAborted("the orders flow has no customer mapping", permanent=True)

    def process_page(self, ctx: RunContext, page: Page) -> None:
        lookups = OrderLookups.of(ctx, document_of(ctx))
        if not ctx.settings.use_collective_debtor:
            try:
                lookups.refresh_debtor_index()
            except ConnectorError as error:
                raise RunAborted(str(error), permanent=error.permanent) from error
        ctx.load_ledger(r.key for r in page.records if isinstance(r, Order))
        to_book = [r for r in page.records if isinstance(r, Order) and self.wants(ctx, r)]
        with contextlib.suppress(ConnectorError):  # then each order is looked up on its own
            lookups.prepare_page(to_book)
        shipping = ctx.settings.shipping_article_code
        skus = [sku for order in to_book for sku in order.skus] + ([shipping] if shipping else [])
        with contextlib.suppress(ConnectorError):  # then each SKU is looked up on its own
            prepare_articles(ctx, skus)
        super().process_page(ctx, page)

    def locks(self, ctx: RunContext, record: Record) -> tuple[str, ...]:
        """Two orders of one customer, at once, would both find no debtor and make two (or
        both add its contact person): a customer's orders are booked in the page's order."""
        assert isinstance(record, Order)
        customer = record.customer
        locks = [f"email:{customer.email.casefold()}"] if customer.email else []
        if customer.vat_number:
            locks.append(f"vat:{customer.vat_number.casefold()}")
        return tuple(locks)

    def wants(self, ctx: RunContext, order: Order) -> bool:
        entry = ctx.ledger.get(order.key)
        return not (entry and entry.target_id) and not self.filter_reason(ctx, order)

    def handle(self, ctx: RunContext, record: Record) -> Outcome | None:
        assert isinstance(record, Order)
        entry = ctx.ledger.get(record.key)
        if entry and entry.last_outcome != BOOKING and entry.target_id:
            if reversal_reason(record):  # cancelled or refunded after it was booked
                invoice = document_of(ctx) == "salesinvoices"
                return handle_reversal(ctx, record, entry, invoice=invoice)
            # Booked by this flow already; it is read again because our write-back (or a
            # status change) touched it: nothing to do, nothing to log.
            return None
        source = record.as_source()
        reason = self.filter_reason(ctx, record)
        if reason:
            return skipped("order", record.key, reason, source=source)
        try:
            return self.book(ctx, record, source, resuming=bool(entry))
        except (OrderFailed, InvoiceImpossible, AmountsDiffer, VatCodeMissing) as error:
            return failed("order", record.key, str(error), source=source)
        except RecordRejected as error:
            return write_failure("order", record.key, in_order_terms(error, {}), source=source)
        except ConnectorError as error:
            return write_failure("order", record.key, error, source=source)

    def filter_reason(self, ctx: RunContext, order: Order) -> str:
        settings = ctx.settings
        if order.payment_status not in settings.payment_statuses:
            wanted = ", ".join(settings.payment_statuses)
            return f"payment status is {order.payment_status} (booked when: {wanted})"
        if order.status not in settings.order_statuses:
            return f"order status is {order.status} (not among the statuses to book)"
        if order.external_reference:
            return f"booked already elsewhere ({order.external_reference})"
        return ""

    def book(
        self, ctx: RunContext, order: Order, source: dict[str, Any], *, resuming: bool
    ) -> Outcome:
        document = document_of(ctx)
        lookups = OrderLookups.of(ctx, document)
        existing = lookups.booked(order, resuming=resuming)
        if existing:
            # Ours, from a run that died between the write and its log; or booked before.
            found = "found booked by an interrupted run" if resuming else "in Asperion already"
            reason = f"{found} ({document_number(existing) or existing['id']})"
            action = Action.CREATED if resuming else Action.SKIPPED
            return self.booked(
                ctx,
                order,
                source=source,
                target_id=str(existing["id"]),
                response=existing,
                reason=reason,
                action=action,
            )
        self.check_skus(ctx, order)
        customer_number = self.debtor_number(ctx, order)
        payload = self.sales_payload(ctx, order, customer_number)
        payload = apply_vat_codes(ctx.settings, order, payload)
        payload, residual = settle_order(order, payload)
        if document == "salesinvoices":
            payload = invoice_payload(ctx, order, payload)
        invoice = document == "salesinvoices"
        payload = add_rounding_line(ctx.settings, payload, residual, invoice=invoice)
        if ctx.dry_run:
            return Outcome(
                entity="order",
                key=order.key,
                action=Action.CREATED,
                source=source,
                payload=payload,
                diff=field_diff(None, payload),
            )
        mark_booking(ctx, order.key)
        try:
            result = ctx.connector(self.target).create(document, payload)
        except RecordRejected as error:
            named = in_order_terms(error, payload)
            return write_failure("order", order.key, named, source=source, payload=payload)
        except ConnectorError as error:
            return write_failure("order", order.key, error, source=source, payload=payload)
        lookups.note_booked(order, result.response)
        return self.booked(
            ctx,
            order,
            source=source,
            target_id=result.target_id,
            response=result.response,
            reason="",
            payload=payload,
        )

    def booked(
        self,
        ctx: RunContext,
        order: Order,
        *,
        source: dict[str, Any],
        target_id: str,
        response: dict[str, Any],
        reason: str,
        payload: dict[str, Any] | None = None,
        action: str = Action.CREATED,
    ) -> Outcome:
        number = document_number(response) or target_id
        if ctx.settings.write_back_number and not ctx.dry_run:
            ctx.connector(self.source).update(
                "orders", order.source_id, {"externalReference": number}
            )
        ctx.booked_skus.update(order.skus)
        return Outcome(
            entity="order",
            key=order.key,
            action=action,
            reason=reason,
            source=source,
            payload=payload,
            response=response,
            target_id=target_id,
            ledger_hash="",
        )

    def check_skus(self, ctx: RunContext, order: Order) -> None:
        shipping = ctx.settings.shipping_article_code
        needs_shipping = order.shipping_cost is not None and order.shipping_cost.amount > 0
        wanted = [*order.skus, shipping] if needs_shipping and shipping else order.skus
        problems = article_problems(ctx, wanted)
        if shipping in problems and shipping not in order.skus:
            raise OrderFailed(
                f"the shipping-cost article {shipping}: {problems[shipping]}: create it, "
                "or choose another in the setting 'shipping article code'"
            )
        if problems:
            raise OrderFailed("SKUs that cannot be booked: " + describe_problems(problems))

    def debtor_number(self, ctx: RunContext, order: Order) -> str:
        """Return the customer number to book on: the collective debtor, or the customer's
        debtor (changed as the debtor policy allows), or a new debtor."""
        if ctx.settings.use_collective_debtor:
            return self.collective_debtor(ctx)
        email = order.customer.email or ""
        payload = self.debtor_payload(ctx, order)
        policy = ctx.settings.debtor_update
        sent_hash = payload_hash({**payload, "_policy": policy})
        lookups = OrderLookups.of(ctx, document_of(ctx))
        entity, key = match_key(ctx, order)
        by_email = entity == "debtors"
        entry = lookups.debtor(email) if by_email else None
        if entry and entry.payload_hash == sent_hash:
            return entry.target_id  # known, and nothing new to tell the accounting system
        existing = None
        if entry or not lookups.index_complete or not by_email:
            existing = ctx.connector(self.target).lookup(entity, key)
        if existing is None:
            number = self.create_debtor(ctx, order, payload)
        else:
            number = str(existing["customerNumber"])
            self.update_debtor(ctx, order, existing, payload)
        lookups.remember_debtor(email, number, sent_hash)
        return number

    def update_debtor(
        self, ctx: RunContext, order: Order, existing: dict[str, Any], payload: dict[str, Any]
    ) -> None:
        """Change an existing debtor as the policy allows; add a company's contact person."""
        if ctx.dry_run:
            return
        changes = debtor_changes(existing, payload, ctx.settings.debtor_update)
        if changes:
            # The lookup's answer is the whole debtor: the update needs no read of its own.
            ctx.connector(self.target).update(
                "debtors", str(existing["id"]), changes, current=existing
            )
        business_order = bool(order.customer.company_name and order.customer.last_name)
        adds_contact = business_order and ctx.settings.debtor_update != "never"
        if adds_contact and is_business_debtor(ctx, {**existing, **changes}):
            self.add_contact_if_missing(ctx, order, str(existing["id"]))

    def add_contact_if_missing(self, ctx: RunContext, order: Order, debtor_id: str) -> None:
        contact = self.contact_payload(ctx, order)
        accounting = ctx.accounting()
        persons = accounting.contact_persons(debtor_id)
        if not has_contact(persons, contact):
            primary = {**contact, "isPrimary": not persons}
            accounting.create("contactpersons", {**primary, "debtorId": int(debtor_id)})

    def collective_debtor(self, ctx: RunContext) -> str:
        number = str(ctx.settings.collective_debtor_number)

        def exists() -> bool:
            return ctx.connector(self.target).lookup("debtors_by_number", number) is not None

        if not ctx.once(f"collective_debtor:{number}", exists):
            raise OrderFailed(f"the collective debtor {number} does not exist in Asperion")
        return number

    def create_debtor(self, ctx: RunContext, order: Order, payload: dict[str, Any]) -> str:
        defaults = ctx.customer_defaults
        accounting = ctx.accounting()
        numbers = (defaults.customer_number_start, defaults.customer_number_end)
        seeded = ctx.extras.get("numbers_seeded", 0)
        number = accounting.next_customer_number(*numbers)
        if ctx.dry_run:
            return str(number)
        try:
            result = accounting.create("debtors", {**payload, "customerNumber": number})
        except RecordRejected as error:
            if not names_field(error, "customerNumber"):
                raise
            number, result = self.create_debtor_again(ctx, payload, seeded)
        if order.customer.company_name and order.customer.last_name:
            contact = self.contact_payload(ctx, order)
            accounting.create("contactpersons", {**contact, "debtorId": int(result.target_id)})
        return str(number)

    def create_debtor_again(
        self, ctx: RunContext, payload: dict[str, Any], seeded: int
    ) -> tuple[str, WriteResult]:
        """The number drawn was taken outside the platform since the counter was seeded:
        probe afresh. Orders in flight beside this one drew numbers of the same taken block:
        the first of them to get here probes, the others draw from its new counter; a number
        refused again (a gap in a used block) makes the counter be probed again."""
        defaults = ctx.customer_defaults
        numbers = (defaults.customer_number_start, defaults.customer_number_end)
        accounting = ctx.accounting()
        with ctx.once("new_debtor", threading.Lock):
            for attempt in range(1, NUMBER_ATTEMPTS + 1):
                if ctx.extras.get("numbers_seeded", 0) == seeded:
                    accounting.forget_customer_numbers(*numbers)
                    ctx.extras["numbers_seeded"] = seeded + 1
                seeded = ctx.extras["numbers_seeded"]
                number = accounting.next_customer_number(*numbers)
                try:
                    return number, accounting.create(
                        "debtors", {**payload, "customerNumber": number}
                    )
                except RecordRejected as error:
                    if attempt == NUMBER_ATTEMPTS or not names_field(error, "customerNumber"):
                        raise
        raise AssertionError("unreachable")

    def contact_payload(self, ctx: RunContext, order: Order) -> dict[str, Any]:
        """The contact person of a company debtor, by the contact person mapping."""
        mapping = ctx.once("contact_mapping", lambda: compiled_default(self.contact_mapping))
        payload, errors = mapping.apply(order.as_source(), context=ctx.mapping_context())
        if payload is None:
            raise OrderFailed(f"contact person mapping failed: {errors}")
        return payload

    def debtor_payload(self, ctx: RunContext, order: Order) -> dict[str, Any]:
        assert ctx.customer_mapping is not None
        payload, errors = ctx.customer_mapping.apply(
            order.as_source(), context=ctx.mapping_context()
        )
        if payload is None:
            raise OrderFailed(f"customer mapping failed: {errors}")
        return with_payment_defaults(ctx, order, payload)

    def sales_payload(self, ctx: RunContext, order: Order, customer_number: str) -> dict[str, Any]:
        payload, errors = ctx.map(order)
        if payload is None:
            raise OrderFailed(f"mapping failed: {errors}")
        payload = {**payload, "debtorCustomerNumber": customer_number}
        payload["reference"] = order_reference(ctx, order)
        payload = with_payment_defaults(ctx, order, payload)
        return add_shipping_line(ctx, order, payload)

    def after_slice(self, ctx: RunContext) -> None:
        """Stock for the SKUs this slice booked (a later slice knows only its own)."""
        if ctx.booked_skus and not ctx.dry_run:
            from flows.services import stock_run_for_skus

            stock_run_for_skus(integration=ctx.flow.integration, skus=sorted(ctx.booked_skus))


def page_cache_key(ctx: RunContext, cursor: str | None) -> str:
    """A page of the run's orders by the cursor it was read from (the queue time tells apart
    runs of reused ids)."""
    run = ctx.run
    digest = hashlib.sha256(str(cursor).encode()).hexdigest()[:24]
    return f"flows:orders:run-page:{run.pk}:{run.queued_at.timestamp()}:{digest}"


def names_field(error: RecordRejected, name: str) -> bool:
    """Whether the API refused this field (ASP.NET names it in PascalCase)."""
    return name.casefold() in {field.casefold() for field in error.field_errors or {}}


def document_of(ctx: RunContext) -> str:
    """The accounting system's document an order becomes, by the setting "book orders as"."""
    return "salesinvoices" if ctx.settings.book_as == "salesinvoice" else "salesorders"


def document_number(answer: dict[str, Any]) -> str:
    return str(answer.get("orderNumber") or answer.get("invoiceNumber") or "")


def follows_status(ctx: RunContext) -> bool:
    """Only sales orders have a status to follow (an invoice is final when booked)."""
    return bool(ctx.settings.follow_status) and document_of(ctx) == "salesorders"


def add_shipping_line(ctx: RunContext, order: Order, payload: dict[str, Any]) -> dict[str, Any]:
    cost = order.shipping_cost
    code = ctx.settings.shipping_article_code
    if cost is None or cost.amount <= 0 or not code:
        return payload
    amount = cost.amount
    if cost.price_includes_vat:
        amount = (amount * 100 / (100 + cost.vat_rate)).quantize(amount.__class__("0.01"))
    vat_code = ctx.settings.vat_code_map.get(str(int(cost.vat_rate)))
    line = {
        "articleCode": code,
        "description": "Verzendkosten",
        "quantity": 1,
        "unitPrice": float(amount),
        "vatCode": vat_code,
    }
    lines = payload.get("lines") or {}
    if isinstance(lines, dict):  # the accounting contract's {"_data": [...]} envelope
        return {**payload, "lines": {**lines, "_data": [*lines.get("_data", []), line]}}
    return {**payload, "lines": [*lines, line]}


def mark_booking(ctx: RunContext, key: str) -> None:
    """Commit the intent to book before the write, so a crash leaves a trace to check; the
    run's lease fences it, so a slice that was taken over books nothing more."""
    with transaction.atomic():
        confirm_progress(ctx, activity=f"booking order {key}")
        LedgerEntry.objects.update_or_create(
            flow=ctx.flow,
            source_key=key,
            defaults={"tenant_id": ctx.run.tenant_id, "last_outcome": BOOKING, "last_run": ctx.run},
        )


class OrderStatusStage:
    """The order follows the accounting system back: delivered → shipped, invoiced →
    completed."""

    stream = "salesorders"

    def __init__(self) -> None:
        self.booked: dict[str, LedgerEntry] = {}

    def pages(self, ctx: RunContext) -> Iterator[Page]:
        cursor = ctx.flow.cursor.get(self.stream)
        return ctx.connector("accounting").read(self.stream, cursor=cursor)

    def process_page(self, ctx: RunContext, page: Page) -> None:
        ids = [r.key for r in page.records if isinstance(r, SalesOrderState)]
        # Only order rows: status and debtor rows of this ledger hold other systems' ids.
        booked = LedgerEntry.objects.filter(flow=ctx.flow, target_id__in=ids).exclude(
            source_key__contains=":"
        )
        self.booked = {entry.target_id: entry for entry in booked}
        process_page(ctx, page, stream=self.stream, handle=self.handle, key_of=status_key)

    def handle(self, ctx: RunContext, record: Record) -> Outcome | None:
        assert isinstance(record, SalesOrderState)
        new_status = STATUS_FOLLOWS.get(record.progress or "")
        booked = self.booked.get(record.key)
        if booked is None or new_status is None:
            return None  # not an order this flow booked, or still open: nothing to follow
        if new_status == "cancelled":
            clear_needs_action(ctx, booked.source_key)
        key, source = status_key(record), record.as_source()
        entry = ctx.ledger.get(key)
        if entry and entry.payload_hash == new_status:
            return None  # the shop shows this status already
        payload = {"status": new_status}
        if ctx.dry_run:
            return Outcome(
                entity="order status",
                key=key,
                action=Action.UPDATED,
                source=source,
                payload=payload,
            )
        try:
            result = ctx.connector("shop").update("orders", booked.source_key, payload)
        except ConnectorError as error:
            return write_failure("order status", key, error, source=source, payload=payload)
        return Outcome(
            entity="order status",
            key=key,
            action=Action.UPDATED,
            source=source,
            payload=payload,
            response=result.response,
            target_id=result.target_id,
            ledger_hash=new_status,
        )


def status_key(record: Record) -> str:
    return f"status:{record.key}"
