"""Stock: API calls per SKU for a full, a partial and an unchanged stock sync of N SKUs.

    .venv/bin/python bench/stock_sync.py [--articles 10000] [--repeat 3] [--changed 0.01]

Setup: N articles in the Asperion sandbox (about 10 % variants, which Feeddex does not get),
the products flow on and run once so that every simple product exists in Feeddex (its time
is printed too). Then, per repeat, on a real Celery worker:
  full       the stock flow's ledger is cleared: every level is read and written (batches
             of 100 per call);
  changed    `--changed` of the articles get a new stock level in Asperion: the flow reads
             only what changed since its cursor;
  unchanged  flow_reset_cursor, then a run that reads everything and writes nothing.
API calls per SKU = ApiCallLog rows of the run ÷ N (target ≤ 0.011).
"""

from __future__ import annotations

import argparse
import random
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--changed", type=float, default=0.01, help="share changed per repeat")
    parser.add_argument("--keep", action="store_true", help="keep the database and logs")
    options = parser.parse_args()
    env = harness.environment("stock")
    harness.django_ready()
    ok = False
    try:
        with harness.web_server(env), harness.celery_worker(env):
            result = bench(options.articles, options.repeat, options.changed)
        print(f"result: {harness.write_result('stock_sync', env, result)}")
        ok = True
    finally:
        harness.finish(env, keep=options.keep or not ok)
    return 0


def bench(articles: int, repeat: int, changed_share: float) -> dict[str, Any]:
    from flows.services import flow_set_enabled

    shop = harness.make_shop(articles=articles)
    products = flow_set_enabled(flow=shop.flow("products"), enabled=True)
    setup = harness.run_flow(products)
    print(
        f"stock: {articles:,} SKUs; products flow first: {setup.created:,} products in "
        f"{setup.seconds:.0f} s"
    )
    stock = flow_set_enabled(flow=shop.flow("stock"), enabled=True)
    rows = []
    for index in range(repeat):
        full = run_fresh(stock)
        changed = change_stock(shop, changed_share, seed=index)
        partial = harness.run_flow(stock)
        unchanged = run_from_start(stock)
        row = {
            "skus": articles,
            "full": full.__dict__,
            "full_calls_per_sku": full.api_calls / articles,
            "changed_articles": changed,
            "changed": partial.__dict__,
            "changed_calls_per_sku": partial.api_calls / articles,
            "unchanged": unchanged.__dict__,
            "unchanged_calls_per_sku": unchanged.api_calls / articles,
        }
        rows.append(row)
        print(
            f"  #{index + 1}: full {full.api_calls} calls ({full.updated:,} written, "
            f"{full.seconds:.1f} s) = {row['full_calls_per_sku']:.4f}/SKU; "
            f"{changed} changed: {partial.api_calls} calls ({partial.updated} written) = "
            f"{row['changed_calls_per_sku']:.4f}/SKU; unchanged: {unchanged.api_calls} calls "
            f"({unchanged.updated} written, {unchanged.seconds:.1f} s) = "
            f"{row['unchanged_calls_per_sku']:.4f}/SKU"
        )
    return summarize(articles, rows)


def run_fresh(stock: Any) -> harness.RunFigures:
    """Forget what the stock flow sent: every level is written again."""
    from flows.models import LedgerEntry

    LedgerEntry.objects.filter(flow=stock).delete()
    return run_from_start(stock)


def run_from_start(stock: Any) -> harness.RunFigures:
    from flows.services import flow_reset_cursor

    stock.refresh_from_db()
    flow_reset_cursor(flow=stock)
    return checked(harness.run_flow(stock))


def checked(run: harness.RunFigures) -> harness.RunFigures:
    if run.status != "succeeded" or run.failed:
        raise RuntimeError(f"the stock run did not succeed: {run}")
    return run


def change_stock(shop: harness.Shop, share: float, *, seed: int) -> int:
    """Give a share of the simple articles a new stock level, as a goods receipt would."""
    from django.utils import timezone

    from connectors.asperion.sandbox.models import Article

    simple = Article.objects.filter(administration=shop.administration, is_variant=False)
    ids = list(simple.values_list("id", flat=True))
    picked = random.Random(seed).sample(ids, max(1, round(len(ids) * share)))  # noqa: S311
    now = timezone.now()
    rows = list(Article.objects.filter(id__in=picked))
    for row in rows:
        row.current_stock = row.current_stock + Decimal(7)
        row.date_last_change = now
    Article.objects.bulk_update(rows, ["current_stock", "date_last_change"], batch_size=1000)
    return len(rows)


def summarize(articles: int, rows: list[dict[str, Any]]) -> dict[str, Any]:
    def column(name: str) -> list[float]:
        return [float(row[name]) for row in rows]

    print("summary (API calls per SKU, target ≤ 0.011):")
    for name in ("full", "changed", "unchanged"):
        harness.print_spread(name, column(f"{name}_calls_per_sku"), "", 4)
    return {
        "skus": articles,
        "runs": rows,
        **{
            f"{name}_calls_per_sku": harness.spread(column(f"{name}_calls_per_sku"))
            for name in ("full", "changed", "unchanged")
        },
    }


if __name__ == "__main__":
    sys.exit(main())
