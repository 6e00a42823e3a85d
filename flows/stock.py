"""The stock flow: the accounting system's stock levels to the shop, in batches, only what
changed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext_lazy as _

from connectors.base import BadRecord, ConnectorError, Page
from connectors.records import Record, StockLevel
from flows.definitions import FlowDefinition
from flows.engine import (
    Outcome,
    RunContext,
    bad_record_outcome,
    failed,
    field_diff,
    payload_hash,
    save_page,
    skipped,
    write_failure,
)
from flows.models import Action, LedgerEntry
from flows.settings_schemas import StockSettings
from flows.upsert import UNCHANGED
from mapping import defaults
from mapping.kinds import MappingKind

NOT_IN_SHOP = (
    "no Feeddex product with this SKU: the products flow has not created it (a variant, an "
    "inactive article, or not synced yet)"
)


class StockFlow(FlowDefinition):
    kind = "stock"
    name = _("Stock")
    label = _("Stock (Asperion → Feeddex)")
    description = _("Asperion's stock (current minus reserved) keeps Feeddex's quantities right.")
    source, target = "accounting", "shop"
    stream = "stock"
    record_type = StockLevel
    log_entities = ("stock",)
    default_interval = 15
    settings_schema = StockSettings
    mapping = MappingKind(
        "stock", "Stock level → stock update", StockLevel, "feeddex.StockUpdate", defaults.STOCK
    )

    def pages(self, ctx: RunContext) -> Iterator[Page]:
        skus = ctx.run.params.skus
        if skus:  # stock for the SKUs of booked orders: read just those
            return ctx.connector(self.source).read(self.stream, keys=list(skus))
        return super().pages(ctx)

    def process_page(self, ctx: RunContext, page: Page) -> None:
        levels = [r for r in page.records if isinstance(r, StockLevel)]
        outcomes = [bad_record_outcome(ctx, r) for r in page.records if isinstance(r, BadRecord)]
        ctx.load_ledger(level.key for level in levels)
        in_shop = self.skus_in_shop(ctx, [level.key for level in levels])
        pending: list[tuple[StockLevel, dict[str, Any], str]] = []
        for level in levels:
            if in_shop is not None and level.key not in in_shop:
                outcomes.append(skipped("stock", level.key, NOT_IN_SHOP, source=level.as_source()))
                continue
            outcome, payload = self.prepare(ctx, level)
            if outcome is not None:
                outcomes.append(outcome)
            elif payload is not None:
                pending.append((level, payload, payload_hash(payload)))
        outcomes += self.write_batches(ctx, pending)
        save_page(ctx, outcomes, stream=self.stream, cursor=page.cursor)

    def skus_in_shop(self, ctx: RunContext, skus: list[str]) -> set[str] | None:
        """Return the SKUs the products flow has put in the shop, or None when that flow is
        off and has put none there (the catalogue is kept in the shop by other means: the
        shop itself reports unknown SKUs). Variants, inactive articles and the shipping-cost
        article never get stock: the products flow did not make them."""
        products = ctx.flow.integration.flows.filter(kind="products").first()
        if products is None:
            return None
        synced = LedgerEntry.objects.filter(flow=products).exclude(target_id="")
        if "products_synced" not in ctx.extras:
            ctx.extras["products_synced"] = products.enabled or synced.exists()
        if not ctx.extras["products_synced"]:
            return None
        known = synced.filter(source_key__in=skus)
        return set(known.values_list("source_key", flat=True))

    def prepare(
        self, ctx: RunContext, level: StockLevel
    ) -> tuple[Outcome | None, dict[str, Any] | None]:
        source = level.as_source()
        payload, errors = ctx.map(level)
        if payload is None:
            return failed("stock", level.key, f"mapping failed: {errors}", source=source), None
        entry = ctx.ledger.get(level.key)
        if entry and entry.payload_hash == payload_hash(payload):
            outcome = skipped("stock", level.key, UNCHANGED, source=source, payload=payload)
            outcome.quiet = True  # counted, not logged one row each
            return outcome, None
        return None, payload

    def write_batches(
        self, ctx: RunContext, pending: list[tuple[StockLevel, dict[str, Any], str]]
    ) -> list[Outcome]:
        size = ctx.settings.batch_size
        outcomes: list[Outcome] = []
        for start in range(0, len(pending), size):
            outcomes += self.write_batch(ctx, pending[start : start + size])
        return outcomes

    def write_batch(
        self, ctx: RunContext, batch: list[tuple[StockLevel, dict[str, Any], str]]
    ) -> list[Outcome]:
        if ctx.dry_run:
            return [
                Outcome(
                    entity="stock",
                    key=level.key,
                    action=Action.UPDATED,
                    source=level.as_source(),
                    payload=payload,
                    diff=field_diff(None, payload),
                )
                for level, payload, _digest in batch
            ]
        results = ctx.connector(self.target).write_batch("stock", [p for _l, p, _d in batch])
        return [
            self.batch_outcome(level, payload=payload, digest=digest, result=result)
            for (level, payload, digest), result in zip(batch, results, strict=True)
        ]

    def batch_outcome(
        self, level: StockLevel, *, payload: dict[str, Any], digest: str, result: Any
    ) -> Outcome:
        common: dict[str, Any] = {"source": level.as_source(), "payload": payload}
        if isinstance(result, ConnectorError):
            return write_failure("stock", level.key, result, **common)
        return Outcome(
            entity="stock",
            key=level.key,
            action=Action.UPDATED,
            response=result.response,
            target_id=result.target_id,
            ledger_hash=digest,
            **common,
        )

    def handle(self, ctx: RunContext, record: Record) -> Outcome:
        raise NotImplementedError("the stock flow processes whole pages")
