"""What the orders flow finds out once per run (or once ever) instead of once per order.

An order needs three answers from the accounting system: do its articles exist, which
debtor is its customer, and was it booked already. Asked per order that is three or more
calls; here:

- articles: see flows/order_checks.py (the products flow's ledger, then once per run);
- debtors: the orders flow keeps an index of the accounting system's debtors by email in its
  own ledger ("debtor:<email>" → customer number), refreshed at the start of each run (its first
  slice: later slices would mostly read again the debtors the run itself made, which it
  has indexed as it made them) from the debtors changed since the last refresh, so a new
  customer costs no look-up at all, and a returning one none unless the data to send has
  changed (the payload hash, as for any other record);
- booked already: one listing of the documents dated from the page's oldest order answers
  for the whole page, when that listing is shorter than looking the orders up one by one;
  what it found is kept for the run's later slices (which resume inside the page and would
  otherwise list again what the run itself booked meanwhile): the documents of the page's
  orders, and the references of all the others (an order among those is looked up). An
  order whose booking was begun (its ledger says "booking") is always looked up afresh.

The index can miss a debtor made in the accounting system during a run; the order is then
booked on a new debtor with the same email, as any other integration would do in that window.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.utils import timezone

from connectors.records import Order, description_words
from flows.engine import RunContext
from flows.models import Flow, LedgerEntry
from flows.order_checks import RUN_CACHE_SECONDS
from flows.order_reference import booked_key
from mapping.amounts import accounting_amount

DEBTOR_PREFIX = "debtor:"
INDEX_CURSOR = "debtor_index"
# Debtors changed shortly before the last refresh are read again (clock skew, slow commits).
INDEX_OVERLAP = timedelta(minutes=10)
INDEX_BATCH = 500
# Below this many orders to check on a page, looking them up one by one is as cheap.
LISTING_FROM = 3
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def index_cache_key(ctx: RunContext) -> str:
    """Set once the run has refreshed the debtor index (the queue time tells apart runs of
    reused ids)."""
    run = ctx.run
    return f"flows:orders:run-debtor-index:{run.pk}:{run.queued_at.timestamp()}"


def debtor_key(email: str) -> str:
    return (DEBTOR_PREFIX + email.strip().casefold())[:200]


def order_day(order: Order) -> date | None:
    """The day the sales order is dated (the default mapping's date, in Dutch time)."""
    moment = order.created_at or order.changed_at
    if moment is None:
        return None
    if timezone.is_aware(moment):
        moment = moment.astimezone(AMSTERDAM)
    return moment.date()


class OrderLookups:
    """One run's answers; lives in ctx.extras["orders"] for the length of a slice."""

    def __init__(self, ctx: RunContext, document: str) -> None:
        self.ctx = ctx
        self.document = document
        self.references: dict[str, dict[str, Any]] = {}
        self.references_from: date | None = None
        # Whether the references are an earlier slice's answers (stale for an order whose
        # booking was begun since).
        self.references_kept = False
        # References an earlier slice's listing found without keeping their documents.
        self.listed: set[str] = set()
        self.index_ready = False

    @classmethod
    def of(cls, ctx: RunContext, document: str) -> OrderLookups:
        return ctx.once("orders", lambda: cls(ctx, document))

    # -- the debtor index ----------------------------------------------------------------

    def refresh_debtor_index(self) -> None:
        """Read the debtors changed since the last refresh into the index (once a run)."""
        ctx = self.ctx
        if self.index_ready or ctx.dry_run:
            return
        refreshed = index_cache_key(ctx)
        if cache.get(refreshed):
            self.index_ready = True
            return
        started = timezone.now()
        last = ctx.flow.cursor.get(INDEX_CURSOR)
        since = datetime.fromisoformat(last) - INDEX_OVERLAP if last else None
        batch: dict[str, str] = {}
        for email, number in ctx.accounting().debtor_emails(since):
            batch[debtor_key(email)] = number
            if len(batch) >= INDEX_BATCH:
                self._save_index(batch)
                batch = {}
        self._save_index(batch)
        ctx.flow.cursor = {**ctx.flow.cursor, INDEX_CURSOR: started.isoformat()}
        Flow.objects.filter(pk=ctx.flow.pk).update(cursor=ctx.flow.cursor)
        cache.set(refreshed, True, timeout=RUN_CACHE_SECONDS)
        self.index_ready = True

    def _save_index(self, numbers: dict[str, str]) -> None:
        if not numbers:
            return
        ctx = self.ctx
        LedgerEntry.objects.bulk_create(
            [
                LedgerEntry(
                    tenant_id=ctx.run.tenant_id,
                    flow=ctx.flow,
                    source_key=key,
                    target_id=number,
                    last_outcome="indexed",
                )
                for key, number in numbers.items()
            ],
            update_conflicts=True,
            unique_fields=["flow", "source_key"],
            update_fields=["target_id"],  # the hash of what we sent stays
        )

    def debtor(self, email: str) -> LedgerEntry | None:
        """The index entry of the debtor with this email, if the accounting system has one."""
        if not email:
            return None
        return LedgerEntry.objects.filter(flow=self.ctx.flow, source_key=debtor_key(email)).first()

    @property
    def index_complete(self) -> bool:
        """Whether a debtor missing from the index is missing from the accounting system."""
        return self.index_ready

    def remember_debtor(self, email: str, number: str, sent_hash: str) -> None:
        ctx = self.ctx
        if ctx.dry_run or not email:
            return
        LedgerEntry.objects.update_or_create(
            flow=ctx.flow,
            source_key=debtor_key(email),
            defaults={
                "tenant_id": ctx.run.tenant_id,
                "target_id": number,
                "payload_hash": sent_hash,
                "last_outcome": "debtor",
                "last_run": ctx.run,
            },
        )

    # -- booked already? -----------------------------------------------------------------

    def prepare_page(self, orders: list[Order]) -> None:
        """Read the documents booked from this page's oldest order on, when that takes
        fewer calls than one look-up per order."""
        days = [day for day in map(order_day, orders) if day is not None]
        if len(days) < LISTING_FROM or self._covers(min(days)):
            return
        if self._kept_answers(min(days)):
            return
        keys = {booked_key(self.ctx, order, self.document) for order in orders}
        since = min(days) - timedelta(days=1)
        found = self.ctx.accounting().booked_references(self.document, since, max_pages=len(days))
        if found is not None:
            self.references, self.references_from = found, since
            self.references_kept, self.listed = False, set()
            kept = {key: found[key] for key in keys if key in found}
            answers = {"from": since.isoformat(), "found": kept, "listed": sorted(found)}
            cache.set(self._answers_key(), answers, timeout=RUN_CACHE_SECONDS)

    def _kept_answers(self, oldest: date) -> bool:
        """Take an earlier slice's listing when it covers these orders' days."""
        kept = cache.get(self._answers_key())
        if not kept:
            return False
        since = date.fromisoformat(kept["from"])
        if oldest <= since:
            return False
        self.references, self.references_from = dict(kept["found"]), since
        self.references_kept, self.listed = True, set(kept["listed"])
        return True

    def _answers_key(self) -> str:
        run = self.ctx.run
        return f"flows:orders:run-booked:{run.pk}:{run.queued_at.timestamp()}:{self.document}"

    def booked(self, order: Order, *, resuming: bool = False) -> dict[str, Any] | None:
        """The accounting system's document of this order, if it was booked already."""
        day = order_day(order)
        key = booked_key(self.ctx, order, self.document)
        fresh = not (resuming and self.references_kept)
        # A reference listed earlier without its document kept: booked, looked up.
        known = key in self.references or key not in self.listed
        if day is not None and self._covers(day) and fresh and known:
            return self.references.get(key)
        return self.ctx.connector("accounting").lookup(self.document, key)

    def note_booked(self, order: Order, answer: dict[str, Any]) -> None:
        self.references[booked_key(self.ctx, order, self.document)] = answer

    def _covers(self, day: date) -> bool:
        return self.references_from is not None and day > self.references_from


# ---- booking as a sales invoice --------------------------------------------------------------


class InvoiceImpossible(ValueError):
    """The order cannot become an invoice; the message says which setting to fix."""


def invoice_payload(ctx: RunContext, order: Order, sales: dict[str, Any]) -> dict[str, Any]:
    """Turn the mapped sales order into a sales invoice for the sales journal: one line per
    order line, its amount excl. VAT after discount, on the revenue account of the billing
    country; the order number stays in the description (how the invoice is found again)."""
    settings = ctx.settings
    country = (order.billing.country or "").upper()
    ledger = settings.revenue_ledger_by_country.get(country, settings.revenue_ledger_account_id)
    lines = sales.get("lines") or []
    if isinstance(lines, dict):
        lines = lines.get("_data") or []
    description = str(sales.get("description") or "Feeddex order")
    if order.number not in description_words({"description": description}):
        description = f"{description} {order.number}"
    return {
        "date": sales["date"],
        "journalId": settings.invoice_journal_id,
        "debtorCustomerNumber": sales["debtorCustomerNumber"],
        "description": description,
        "paymentConditionId": sales.get("paymentConditionId"),
        "lines": [invoice_line(line, ledger) for line in lines],
    }


def invoice_line(line: dict[str, Any], ledger: int) -> dict[str, Any]:
    code = line.get("articleCode") or ""
    if not line.get("vatCode"):
        raise InvoiceImpossible(
            f"the line {code} has no VAT code: add its VAT rate to the setting 'VAT codes'"
        )
    quantity = Decimal(str(line.get("quantity") or 0))
    price = Decimal(str(line.get("unitPrice") or 0))
    discount = Decimal(str(line.get("discountPercentage") or 0))
    # Half up, as the accounting system rounds.
    amount = accounting_amount(quantity, price, discount)
    return {
        "description": f"{quantity.normalize()} × {line.get('description') or code}",
        "amount": float(amount),
        "vatCode": line["vatCode"],
        "ledgerAccountId": ledger,
    }
