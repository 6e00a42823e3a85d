"""The connectors' "done when": read every Asperion article and write each as a Feeddex
product while both sandboxes answer 20 % of the calls with 500/503 and limit the rate.

Shared by the test (a small run) and bench/connectors_fault_run.py (2,000 records). Every
record must be accounted for: read = created + skipped (variants) + rejected (with the
API's reason); nothing may be lost to a transient fault.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from connectors.base import ApiCall, BadRecord, ConnectorError, RecordRejected
from connectors.models import Connection
from connectors.records import Product
from connectors.registry import connector_class
from connectors.sandboxkit.knobs import Knobs

ERROR_RATE = 0.2
FEEDDEX_VAT_RATES = (0, 9, 21)


def tight_knobs(*, per_second: float, burst: int) -> Knobs:
    return Knobs(rate_per_second=per_second, burst=burst, rate_per_minute=0, error_rate=ERROR_RATE)


def client_limit(*, per_second: float, burst: int) -> dict[str, float]:
    """Return the connection config that never exceeds a server counting `burst` requests
    per window of burst/per_second seconds (as the sandboxes do): 1 + window × rate ≤ burst."""
    window = burst / per_second
    return {"rate_limit_per_second": (burst - 1) / window, "rate_limit_burst": 1}


@dataclass
class Tally:
    calls: list[ApiCall] = field(default_factory=list)

    def __call__(self, call: ApiCall) -> None:
        self.calls.append(call)

    def count(self, *statuses: int) -> int:
        return sum(1 for c in self.calls if c.status in statuses)


@dataclass
class Figures:
    articles: int = 0
    bad_records: int = 0
    created: int = 0
    skipped_variants: int = 0
    rejected: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    read_calls: int = 0
    write_calls: int = 0
    throttled_429: int = 0
    server_errors: int = 0
    read_seconds: float = 0.0
    write_seconds: float = 0.0

    @property
    def accounted(self) -> int:
        return (
            self.bad_records
            + self.created
            + self.skipped_variants
            + len(self.rejected)
            + len(self.failed)
        )

    def lines(self) -> list[str]:
        records = max(self.articles, 1)
        written = max(self.created + len(self.rejected), 1)
        return [
            f"articles read:        {self.articles} ({self.bad_records} unreadable)",
            f"products created:     {self.created}",
            f"variants skipped:     {self.skipped_variants}",
            f"rejected by Feeddex:  {len(self.rejected)}",
            f"failed (transient):   {len(self.failed)}",
            f"accounted for:        {self.accounted} of {self.articles}",
            f"429 answers:          {self.throttled_429}",
            f"500/503 answers:      {self.server_errors} (injected)",
            f"API calls per record, reads:  {self.read_calls / records:.3f}"
            f" ({self.read_calls} calls)",
            f"API calls per record, writes: {self.write_calls / written:.3f}"
            f" ({self.write_calls} calls)",
            f"seconds: read {self.read_seconds:.1f}, write {self.write_seconds:.1f}",
        ]


def product_payload(product: Product) -> dict[str, Any]:
    """A plain Asperion article → Feeddex product mapping (the flows' mapping does more)."""
    vat = int(product.vat_rate) if int(product.vat_rate) in FEEDDEX_VAT_RATES else 21
    price = product.price_incl_vat or product.price_excl_vat * (1 + Decimal(vat) / 100)
    payload: dict[str, Any] = {
        "sku": product.sku,
        "name": product.name,
        "shortDescription": product.short_description,
        "longDescription": product.long_description,
        "price": float(round(price, 2)),
        "priceIncludesVat": True,
        "vatRate": vat,
        "quantity": int(product.current_stock - product.reserved_stock),
        "active": product.active,
    }
    if product.ean:
        payload["ean"] = product.ean
    return payload


def fault_run(*, asperion: Connection, feeddex: Connection) -> Figures:
    figures = Figures()
    reads, writes = Tally(), Tally()
    source = connector_class("asperion")(asperion, on_call=reads)
    target = connector_class("feeddex")(feeddex, on_call=writes)
    try:
        started = time.monotonic()
        products: list[Product] = []
        for page in source.read("articles"):
            for record in page.records:
                if isinstance(record, BadRecord):
                    figures.bad_records += 1
                else:
                    assert isinstance(record, Product)
                    products.append(record)
        figures.articles = len(products) + figures.bad_records
        figures.read_seconds = time.monotonic() - started
        started = time.monotonic()
        for product in products:
            write_one(target, product, figures)
        figures.write_seconds = time.monotonic() - started
    finally:
        source.close()
        target.close()
    figures.read_calls, figures.write_calls = len(reads.calls), len(writes.calls)
    figures.throttled_429 = reads.count(429) + writes.count(429)
    figures.server_errors = reads.count(500, 503) + writes.count(500, 503)
    return figures


def write_one(target: Any, product: Product, figures: Figures) -> None:
    if product.is_variant:
        figures.skipped_variants += 1
        return
    try:
        target.create("products", product_payload(product))
    except RecordRejected as error:
        figures.rejected.append(f"{product.sku}: {error.api_message or error}")
        return
    except ConnectorError as error:
        figures.failed.append(f"{product.sku}: {error}")
        return
    figures.created += 1
