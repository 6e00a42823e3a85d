"""The orders flow: Feeddex orders booked in Asperion, exactly once, and their status back.

Booking is two-phase so that a worker killed mid-write never books an order twice: the
ledger row is marked "booking" and committed before the sales order is created; a run that
finds a "booking" row looks the order up in Asperion by its reference before writing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db import transaction

from connectors.asperion.connector import SalesOrderState
from connectors.base import ConnectorError, Page
from connectors.records import Order, Record
from flows.definitions import FlowDefinition
from flows.engine import (
    Outcome,
    RunAborted,
    RunContext,
    failed,
    field_diff,
    process_page,
    run_pages,
    skipped,
    write_failure,
)
from flows.models import Action, LedgerEntry

BOOKING = "booking"
# Asperion sales order status → Feeddex order status (1 Open and 2 PartlyDelivered: no change).
STATUS_FOLLOWS = {3: "shipped", 4: "completed", 9: "cancelled"}


class OrderFailed(Exception):
    """One order cannot be booked; the message says why in the user's terms."""


class OrdersFlow(FlowDefinition):
    kind = "orders"
    source = "feeddex"
    stream = "orders"
    record_type = Order
    queue = "celery"
    status_stage: OrderStatusStage

    def __init__(self) -> None:
        self.status_stage = OrderStatusStage()

    def run(self, ctx: RunContext, *, deadline: float) -> bool:
        """Book new orders, then let booked orders follow their status in Asperion."""
        if not super().run(ctx, deadline=deadline):
            return False
        if not ctx.settings.follow_status or ctx.run.params.get("record_log_ids"):
            return True
        stage = self.status_stage
        return run_pages(ctx, stage.pages(ctx), process=stage.process_page, deadline=deadline)

    def check(self, ctx: RunContext) -> None:
        if ctx.customer_mapping is None:
            raise RunAborted("the orders flow has no customer mapping", permanent=True)

    def handle(self, ctx: RunContext, record: Record) -> Outcome | None:
        assert isinstance(record, Order)
        entry = ctx.ledger.get(record.key)
        if entry and entry.last_outcome != BOOKING and entry.target_id:
            # Booked by this flow already; it is read again because our write-back (or a
            # status change) touched it: nothing to do, nothing to log.
            return None
        source = record.as_source()
        reason = self.filter_reason(ctx, record)
        if reason:
            return skipped("order", record.key, reason, source=source)
        try:
            return self.book(ctx, record, source, resuming=bool(entry))
        except OrderFailed as error:
            return failed("order", record.key, str(error), source=source)
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
        asperion = ctx.connector("asperion")
        document = "salesorders"
        if resuming:
            existing = asperion.lookup(document, order.number)
            if existing:
                return self.booked(
                    ctx,
                    order,
                    source,
                    str(existing["id"]),
                    existing,
                    "found booked by an interrupted run",
                )
        self.check_skus(ctx, order)
        customer_number = self.debtor_number(ctx, order)
        payload = self.sales_payload(ctx, order, customer_number)
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
            result = asperion.create(document, payload)
        except ConnectorError as error:
            return write_failure("order", order.key, error, source=source, payload=payload)
        return self.booked(
            ctx, order, source, result.target_id, result.response, "", payload=payload
        )

    def booked(
        self,
        ctx: RunContext,
        order: Order,
        source: dict[str, Any],
        target_id: str,
        response: dict[str, Any],
        reason: str,
        payload: dict[str, Any] | None = None,
    ) -> Outcome:
        number = str(response.get("orderNumber") or response.get("invoiceNumber") or target_id)
        if ctx.settings.write_back_number:
            ctx.connector("feeddex").update(
                "orders", order.source_id, {"externalReference": number}
            )
        ctx.booked_skus.update(order.skus)
        return Outcome(
            entity="order",
            key=order.key,
            action=Action.CREATED,
            reason=reason,
            source=source,
            payload=payload,
            response=response,
            target_id=target_id,
            ledger_hash="",
        )

    def check_skus(self, ctx: RunContext, order: Order) -> None:
        asperion = ctx.connector("asperion")
        missing = [sku for sku in order.skus if asperion.lookup("articles", sku) is None]
        if missing:
            raise OrderFailed("SKUs not found in Asperion: " + ", ".join(missing))
        shipping = ctx.settings.shipping_article_code
        needs_shipping = order.shipping_cost is not None and order.shipping_cost.amount > 0
        if needs_shipping and shipping and asperion.lookup("articles", shipping) is None:
            raise OrderFailed(
                f"the shipping-cost article {shipping} does not exist in Asperion: create it, "
                "or clear the setting 'shipping article code'"
            )

    def debtor_number(self, ctx: RunContext, order: Order) -> str:
        """Return the customer number to book on: the collective debtor, or the customer's
        debtor found by email (updated), or a new debtor with the next free number."""
        asperion = ctx.connector("asperion")
        if ctx.settings.use_collective_debtor:
            number = ctx.settings.collective_debtor_number
            if asperion.lookup("debtors_by_number", number) is None:
                raise OrderFailed(f"the collective debtor {number} does not exist in Asperion")
            return str(number)
        debtor_payload = self.debtor_payload(ctx, order)
        existing = asperion.lookup("debtors", order.customer.email or "")
        if existing:
            if not ctx.dry_run and field_diff(existing, debtor_payload):
                asperion.update("debtors", str(existing["id"]), debtor_payload)
            return str(existing["customerNumber"])
        return self.create_debtor(ctx, order, debtor_payload)

    def create_debtor(self, ctx: RunContext, order: Order, payload: dict[str, Any]) -> str:
        defaults = ctx.customer_defaults
        asperion = ctx.connector("asperion")
        number = asperion.next_customer_number(  # type: ignore[attr-defined]
            defaults.customer_number_start, defaults.customer_number_end
        )
        if ctx.dry_run:
            return str(number)
        result = asperion.create("debtors", {**payload, "customerNumber": number})
        if order.customer.company_name and order.customer.last_name:
            contact = {
                "debtorId": int(result.target_id),
                "firstName": order.customer.first_name,
                "lastName": order.customer.last_name,
                "emailAddress": order.customer.email,
                "phoneNumber": order.customer.phone,
                "isPrimary": True,
            }
            asperion.create("contactpersons", contact)
        return str(number)

    def debtor_payload(self, ctx: RunContext, order: Order) -> dict[str, Any]:
        assert ctx.customer_mapping is not None
        payload, errors = ctx.customer_mapping.apply(
            order.as_source(), context=ctx.mapping_context()
        )
        if payload is None:
            raise OrderFailed(f"customer mapping failed: {errors}")
        return payload

    def sales_payload(self, ctx: RunContext, order: Order, customer_number: str) -> dict[str, Any]:
        payload, errors = ctx.map(order)
        if payload is None:
            raise OrderFailed(f"mapping failed: {errors}")
        payload = {**payload, "debtorCustomerNumber": customer_number}
        return add_shipping_line(ctx, order, payload)

    def after_run(self, ctx: RunContext) -> None:
        if ctx.booked_skus and not ctx.dry_run:
            from flows.services import stock_run_for_skus

            stock_run_for_skus(integration=ctx.flow.integration, skus=sorted(ctx.booked_skus))


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
    if isinstance(lines, dict):  # Asperion's {"_data": [...]} envelope, as the contract has it
        return {**payload, "lines": {**lines, "_data": [*lines.get("_data", []), line]}}
    return {**payload, "lines": [*lines, line]}


def mark_booking(ctx: RunContext, key: str) -> None:
    """Commit the intent to book before the write, so a crash leaves a trace to check."""
    with transaction.atomic():
        LedgerEntry.objects.update_or_create(
            flow=ctx.flow,
            source_key=key,
            defaults={"tenant_id": ctx.run.tenant_id, "last_outcome": BOOKING, "last_run": ctx.run},
        )


class OrderStatusStage:
    """The order follows Asperion back: delivered → shipped, invoiced → completed."""

    stream = "salesorders"

    def __init__(self) -> None:
        self.booked: dict[str, LedgerEntry] = {}

    def pages(self, ctx: RunContext) -> Iterator[Page]:
        cursor = ctx.flow.cursor.get(self.stream)
        return ctx.connector("asperion").read(self.stream, cursor=cursor)

    def process_page(self, ctx: RunContext, page: Page) -> None:
        ids = [r.key for r in page.records if isinstance(r, SalesOrderState)]
        booked = LedgerEntry.objects.filter(flow=ctx.flow, target_id__in=ids)
        self.booked = {entry.target_id: entry for entry in booked}
        process_page(ctx, page, stream=self.stream, handle=self.handle, key_of=status_key)

    def handle(self, ctx: RunContext, record: Record) -> Outcome | None:
        assert isinstance(record, SalesOrderState)
        new_status = STATUS_FOLLOWS.get(record.status)
        booked = self.booked.get(record.key)
        if booked is None or new_status is None:
            return None  # not an order this flow booked, or still open: nothing to follow
        key, source = status_key(record), record.as_source()
        entry = ctx.ledger.get(key)
        if entry and entry.payload_hash == new_status:
            return None  # Feeddex shows this status already
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
            result = ctx.connector("feeddex").update("orders", booked.source_key, payload)
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
