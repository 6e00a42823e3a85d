"""Each flow is one class: what it is called and does (for the pages and the emails), when it
runs, its settings, its default mappings, what it reads, and what it does with one record.
The engine does the rest; flows/registry.py lists the flows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise
from pydantic import BaseModel, ValidationError

from connectors.base import BadRecord, ConnectorError, Page
from connectors.errors import WaitPastDeadline
from connectors.records import Customer, Invoice, Product, Record, RecordInvalid
from flows.engine import (
    OWN_CHECK,
    Outcome,
    RunAborted,
    RunContext,
    save_page,
    skipped,
    write_failure,
)
from flows.models import Action, Flow, FlowRun, LedgerEntry, RecordLog
from flows.pages import process_page, read_ahead, run_pages
from flows.retries import retry_transient_failures
from flows.settings_schemas import (
    CustomerDefaults,
    CustomerSettings,
    ProductSettings,
    ReviewInvitationSettings,
    Settings,
    StockSettings,
)
from flows.upsert import Target, known_unchanged, upsert
from mapping import defaults
from mapping.kinds import MappingKind

# A dry run shows what would happen to a sample, not to the whole catalogue.
DRY_RUN_LIMIT = 50


class FlowDefinition:
    kind: ClassVar[str]
    # Its name in the emails ("Products"), its label in lists and its description on the
    # flows page and in the wizard (user-facing, translated).
    name: ClassVar[StrOrPromise]
    label: ClassVar[StrOrPromise]
    description: ClassVar[StrOrPromise]
    # The roles of the integration's connections it reads from and writes to.
    source: ClassVar[str]
    target: ClassVar[str]
    stream: ClassVar[str]
    record_type: ClassVar[type[Record]]
    # What the activity log calls its records: singular, the first for the flow's own records
    # (the orders flow also writes order statuses back).
    log_entities: ClassVar[tuple[str, ...]]
    # Minutes between two scheduled runs of a new flow.
    default_interval: ClassVar[int] = 60
    settings_schema: ClassVar[type[Settings]]
    # The flow creates records that need the integration's customer defaults.
    uses_customer_defaults: ClassVar[bool] = False
    # Its default mapping, and the one for the customer of its records (if any).
    mapping: ClassVar[MappingKind]
    customer_mapping: ClassVar[MappingKind | None] = None
    # The shop calls us on this flow's records (its webhooks are registered while it is on).
    receives_webhooks: ClassVar[bool] = False
    # Bulk flows go to their own queue so they never hold up order flows.
    queue: ClassVar[str] = "bulk"
    # Its records are independent writes: several of a page may be handled at once.
    concurrent: ClassVar[bool] = False

    # More `$name.…` values its mappings may read (by name: their schema), filled per run by
    # mapping_context_extra.
    mapping_context_models: ClassVar[dict[str, type[BaseModel]]] = {}

    def mapping_context_extra(self, ctx: RunContext) -> dict[str, Any]:
        return {}

    @property
    def direction(self) -> str:
        return f"{self.source} → {self.target}"

    def mapping_kinds(self) -> list[MappingKind]:
        """The kinds of mapping this flow declares, with its settings as their context."""
        context = {
            "settings": self.settings_schema,
            "customer_defaults": CustomerDefaults,
            **self.mapping_context_models,
        }
        kinds = [self.mapping, *self.extra_mappings()]
        return [MappingKind(**{**vars(kind), "context": context}) for kind in kinds]

    def extra_mappings(self) -> list[MappingKind]:
        return [self.customer_mapping] if self.customer_mapping is not None else []

    def check(self, ctx: RunContext) -> None:
        """Raise RunAborted when the settings cannot work (before anything is read).

        The reason says that it is our own check speaking, not an API."""
        problem = self.settings_problem(ctx.settings)
        if problem:
            raise RunAborted(f"{OWN_CHECK}: {problem}", permanent=True)

    def settings_problem(self, settings: Any) -> str | None:
        """What keeps these settings from working, in English (the wizard translates it);
        None when they can run. Checked before every run and before going live."""
        return None

    def pages(self, ctx: RunContext) -> Iterator[Page]:
        cursor = ctx.flow.cursor.get(self.stream)
        return ctx.connector(self.source).read(self.stream, cursor=cursor)

    def handle(self, ctx: RunContext, record: Record) -> Outcome | None:
        raise NotImplementedError

    def ledger_key(self, ctx: RunContext, record: Record) -> str:
        return record.key

    def without_calls(self, ctx: RunContext, record: Record) -> Outcome | None:
        """A record's outcome when it needs no call (skipped, unchanged), else None: given
        on the page's own thread, as handing a record to a worker costs more than that."""
        return None

    def locks(self, ctx: RunContext, record: Record) -> tuple[str, ...]:
        """Besides its ledger key, what a record must not write at the same time as another
        record of the page (a value the target holds unique); the page's order decides."""
        return ()

    def process_page(self, ctx: RunContext, page: Page) -> None:
        process_page(
            ctx,
            page,
            stream=self.stream,
            handle=self.handle,
            key_of=lambda record: self.ledger_key(ctx, record),
            locks_of=lambda record: self.locks(ctx, record),
            in_flight=ctx.in_flight(self.target) if self.concurrent else 1,
            without_calls=lambda record: self.without_calls(ctx, record),
        )

    def run(self, ctx: RunContext) -> bool:
        """Process the run's pages; return False when the time slice ran out first."""
        if ctx.run.params.record_log_ids:
            pages = iter([retry_page(ctx, self.record_type)])
        else:
            pages = self.pages(ctx)
        if ctx.dry_run:
            pages = sample(pages, DRY_RUN_LIMIT)
        return run_pages(ctx, pages, process=self.process_page)

    def after_slice(self, ctx: RunContext) -> None:
        """Work to start when a slice of a run has ended, finished or not (what the slice
        learnt lives in its context, which the next slice does not see)."""

    def after_run(self, ctx: RunContext) -> None:
        """Work to start when a run has finished: a later retry of the records that failed
        on an API that did not answer (flows/retries.py); a flow may add its own."""
        retry_transient_failures(ctx.run)


class ProductsFlow(FlowDefinition):
    kind = "products"
    concurrent = True
    name = _("Products")
    label = _("Products (Asperion → Feeddex)")
    description = _("Asperion articles become Feeddex products, matched by SKU (the article code).")
    source, target = "accounting", "shop"
    stream = "articles"
    record_type = Product
    log_entities = ("product",)
    settings_schema = ProductSettings
    mapping = MappingKind(
        "products", "Article → product", Product, "feeddex.Product", defaults.PRODUCTS
    )

    def handle(self, ctx: RunContext, record: Record) -> Outcome:
        """A record that needs a call: `without_calls` gave the others their outcome."""
        assert isinstance(record, Product)
        settings = ctx.settings
        target = Target(
            self.target,
            "products",
            settings.update_existing,
            create_only=product_create_only(ctx),
        )
        return upsert(ctx, record, target)

    def without_calls(self, ctx: RunContext, record: Record) -> Outcome | None:
        assert isinstance(record, Product)
        if record.is_variant:
            reason = "variant article: Feeddex takes simple products only"
            return skipped("product", record.key, reason, source=record.as_source())
        if record.sku == shipping_article_code(ctx):
            reason = "the orders flow books shipping costs on this article: not a product"
            return skipped("product", record.key, reason, source=record.as_source())
        active_only = ctx.settings.active_only
        if active_only and not record.active and not self.to_deactivate(ctx, record):
            reason = "inactive article (setting: active articles only)"
            return skipped("product", record.key, reason, source=record.as_source())
        return known_unchanged(ctx, record)

    def to_deactivate(self, ctx: RunContext, record: Product) -> bool:
        """An inactive article whose product is in the shop: the product goes inactive too."""
        return bool(ctx.settings.deactivate_inactive) and known_product(ctx, record.key)

    def run(self, ctx: RunContext) -> bool:
        note_full_read(ctx, self.stream)
        return super().run(ctx)

    def pages(self, ctx: RunContext) -> Iterator[Page]:
        return read_ahead(super().pages(ctx))

    def process_page(self, ctx: RunContext, page: Page) -> None:
        super().process_page(ctx, page)
        if is_full_read(ctx) and not ctx.dry_run:
            # A full read marks every article it saw, unchanged ones too (one query a page),
            # so that what it did not see is known at its end: gone from the accounting system.
            keys = [str(key) for r in page.records if (key := getattr(r, "key", None))]
            LedgerEntry.objects.filter(flow=ctx.flow, source_key__in=keys).update(last_run=ctx.run)

    def after_run(self, ctx: RunContext) -> None:
        # First: its calls may not fit in the slice, and then the next slice does after_run
        # again (the retry of failed records below must be started once).
        if is_full_read(ctx) and ctx.settings.deactivate_inactive and not ctx.dry_run:
            deactivate_gone(ctx, self.stream)
        super().after_run(ctx)

    mapping_context_models = {"stock": StockSettings}

    def mapping_context_extra(self, ctx: RunContext) -> dict[str, Any]:
        """The stock flow's settings: its calculation is the one truth for the quantity."""
        return {"stock": stock_settings(ctx).model_dump(mode="json")}


GONE = "gone"


def note_full_read(ctx: RunContext, stream: str) -> None:
    """Whether this run reads every article (no cursor when it started): noted by its first
    slice, so its later slices (whose cursor has moved) know it too."""
    if ctx.run.params.full_read is not None:
        return
    full = stream not in ctx.flow.cursor and not ctx.run.params.record_log_ids
    ctx.run.params = ctx.run.params.but(full_read=full)
    FlowRun.objects.filter(pk=ctx.run.pk).update(params=ctx.run.params)


def is_full_read(ctx: RunContext) -> bool:
    return bool(ctx.run.params.full_read)


def deactivate_gone(ctx: RunContext, stream: str) -> None:
    """After a full read: the products whose article it did not see are gone from the
    accounting system; set them inactive in the shop, once (until the article comes back).
    A run that carries on a stalled one saw only what that one had not: the articles either
    saw count. When the slice's time runs out, what was done is saved and the next slice
    does the rest."""
    gone = (
        LedgerEntry.objects.filter(flow=ctx.flow)
        .exclude(target_id="")
        .exclude(last_run__in=runs_of_this_read(ctx.run))
        .exclude(last_outcome=GONE)
    )
    outcomes: list[Outcome] = []
    try:
        for entry in gone.order_by("id"):
            outcomes.append(deactivated(ctx, entry))
    except WaitPastDeadline:
        save_gone(ctx, outcomes, stream)
        raise
    save_gone(ctx, outcomes, stream)


def runs_of_this_read(run: FlowRun) -> list[int]:
    """The run and the stalled runs it carries on (each successor names its predecessor)."""
    ids = [run.pk]
    previous = run.params.resumes_run
    while previous is not None and previous not in ids:
        ids.append(previous)
        earlier = FlowRun.objects.filter(pk=previous).only("params").first()
        previous = earlier.params.resumes_run if earlier is not None else None
    return ids


def deactivated(ctx: RunContext, entry: LedgerEntry) -> Outcome:
    payload = {"active": False}
    try:
        result = ctx.connector("shop").update("products", entry.target_id, payload)
    except ConnectorError as error:
        return write_failure("product", entry.source_key, error, payload=payload)
    return Outcome(
        entity="product",
        key=entry.source_key,
        action=Action.UPDATED,
        reason="the article is gone from Asperion: the product is set inactive",
        payload=payload,
        response=result.response,
        target_id=entry.target_id,
        ledger_hash="",
    )


def save_gone(ctx: RunContext, outcomes: list[Outcome], stream: str) -> None:
    if not outcomes:
        return
    save_page(ctx, outcomes, stream=stream, cursor=None)
    written = [o.key for o in outcomes if o.action == Action.UPDATED]
    LedgerEntry.objects.filter(flow=ctx.flow, source_key__in=written).update(last_outcome=GONE)


def stock_flow(ctx: RunContext) -> Flow | None:
    return ctx.once("stock_flow", lambda: ctx.flow.integration.flows.filter(kind="stock").first())


def stock_settings(ctx: RunContext) -> StockSettings:
    flow = stock_flow(ctx)
    try:
        return StockSettings.model_validate(flow.settings if flow else {})
    except ValidationError:
        return StockSettings()


def product_create_only(ctx: RunContext) -> frozenset[str]:
    """Fields an update leaves alone: the mapping's "only when creating" rules, and the
    quantity while the stock flow is on (it alone keeps the quantity, by the same figure)."""
    fields = ctx.mapping.create_only if ctx.mapping is not None else frozenset()
    flow = stock_flow(ctx)
    return fields | {"quantity"} if flow is not None and flow.enabled else fields


def known_product(ctx: RunContext, sku: str) -> bool:
    entry = ctx.ledger.get(sku)
    return bool(entry and entry.target_id)


def shipping_article_code(ctx: RunContext) -> str | None:
    """Return the orders flow's shipping-cost article code (once per run)."""

    def read() -> str | None:
        orders = ctx.flow.integration.flows.filter(kind="orders").first()
        return (orders.settings or {}).get("shipping_article_code", "VERZEND") if orders else None

    return ctx.once("shipping_article_code", read)


class CustomersFlow(FlowDefinition):
    kind = "customers"
    concurrent = True
    name = _("Customers")
    label = _("Customers (Asperion → Feeddex)")
    description = _("Asperion debtors become Feeddex customers, with billing and shipping address.")
    source, target = "accounting", "shop"
    stream = "debtors"
    record_type = Customer
    log_entities = ("customer",)
    settings_schema = CustomerSettings
    uses_customer_defaults = True
    mapping = MappingKind(
        "customers", "Debtor → customer", Customer, "feeddex.Customer", defaults.CUSTOMERS
    )

    def handle(self, ctx: RunContext, record: Record) -> Outcome:
        assert isinstance(record, Customer)
        if not record.email:
            reason = "the debtor has no email address, which Feeddex needs"
            return skipped("customer", record.key, reason, source=record.as_source())
        return upsert(
            ctx, record, Target(self.target, "customers"), key=self.ledger_key(ctx, record)
        )

    def ledger_key(self, ctx: RunContext, record: Record) -> str:
        """Matched by customer number, a customer keeps its record in the shop when its email
        changes: the ledger remembers the target id under the number."""
        assert isinstance(record, Customer)
        if ctx.settings.match_by == "customer_number" and record.customer_number:
            return f"number:{record.customer_number}"
        return record.key

    def locks(self, ctx: RunContext, record: Record) -> tuple[str, ...]:
        """The shop knows a customer by email: of two debtors with one email, the first of the
        page writes first, whatever the ledger keys."""
        assert isinstance(record, Customer)
        return (f"email:{record.email.lower()}",) if record.email else ()


class ReviewInvitationsFlow(FlowDefinition):
    kind = "review_invitations"
    concurrent = True
    name = _("Review invitations")
    label = _("Review invitations (Asperion → Feeddex)")
    description = _("After an invoice is paid, Feeddex invites the customer to give feedback.")
    source, target = "accounting", "shop"
    stream = "salesinvoices"
    record_type = Invoice
    log_entities = ("invitation",)
    settings_schema = ReviewInvitationSettings
    mapping = MappingKind(
        "review_invitations",
        "Paid invoice → review invitation",
        Invoice,
        "feeddex.NewTransaction",
        defaults.REVIEW_INVITATIONS,
    )

    def settings_problem(self, settings: Any) -> str | None:
        if settings.unit_id is None:
            return "choose the Feeddex unit in this flow's settings"
        return None

    def handle(self, ctx: RunContext, record: Record) -> Outcome:
        assert isinstance(record, Invoice)
        source = record.as_source()
        if ctx.settings.paid_only and not record.paid:
            return skipped("invitation", record.key, "the invoice is not paid yet", source=source)
        if record.key in ctx.ledger:
            return skipped("invitation", record.key, "invited already", source=source)
        if not record.customer_email:
            # The customer is read only for an invoice that is to be written.
            record = ctx.accounting().with_customer(record)
            source = record.as_source()
        if not record.customer_email:
            return skipped(
                "invitation", record.key, "the debtor has no email address", source=source
            )
        return upsert(ctx, record, Target(self.target, "transactions", update_existing=False))


def retry_page(ctx: RunContext, record_type: type[Record]) -> Page:
    """Rebuild the failed records of a retry from what their logs kept as read."""
    ids = ctx.run.params.record_log_ids or []
    logs = RecordLog.objects.filter(
        pk__in=ids, flow=ctx.flow, tenant_id=ctx.run.tenant_id, action=Action.FAILED
    )
    records: list[Record | BadRecord] = []
    for log in logs:
        if log.source is None or log.payload_purged or ctx.mask_personal_data:
            # Purged or masked data cannot be written again: the next run reads it afresh.
            reason = "the record as read is no longer kept (purged or masked): run the flow"
            records.append(BadRecord(log.key, {}, reason))
            continue
        try:
            records.append(record_type.parse(log.source))
        except RecordInvalid as error:
            records.append(BadRecord(log.key, log.source, str(error)))
    return Page(records=records, cursor=None)


def sample(pages: Iterator[Page], limit: int) -> Iterator[Page]:
    seen = 0
    for page in pages:
        records = page.records[: limit - seen]
        seen += len(records)
        yield Page(records=records, cursor=None)
        if seen >= limit:
            return
