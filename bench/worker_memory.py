"""Peak memory of the worker process that runs a products first sync of N articles.

    .venv/bin/python bench/worker_memory.py [--sizes 10000,100000]

Per size: the Asperion sandbox is seeded with N articles, the Feeddex organization and the
flow's ledger are emptied, and a fresh Celery worker (concurrency 1: one child process runs
every slice of the run) starts. The child's VmHWM (peak resident set, /proc/<pid>/status)
is read when it is idle, and again when the run has finished. Targets: ≤ 300 MB at 100,000
articles, and within 20 % of the 10,000-article figure. The run's time is printed too: at
100,000 articles the sync takes a while (about N ÷ the records/s of products_sync.py).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated article counts")
    parser.add_argument("--keep", action="store_true", help="keep the database and logs")
    options = parser.parse_args()
    sizes = [int(size) for size in options.sizes.split(",")]
    env = harness.environment("memory")
    harness.django_ready()
    ok = False
    try:
        with harness.web_server(env):
            result = bench(env, sizes)
        print(f"result: {harness.write_result('worker_memory', env, result)}")
        ok = True
    finally:
        harness.finish(env, keep=options.keep or not ok)
    return 0


def bench(env: harness.Environment, sizes: list[int]) -> dict[str, Any]:
    shop = harness.make_shop(articles=10)
    rows = [measure(env, shop, size) for size in sizes]
    smallest = rows[0]["peak_mib"]
    for row in rows:
        row["peak_vs_first_size"] = row["peak_mib"] / smallest
    print("summary:")
    for row in rows:
        print(
            f"  {row['articles']:>7,} articles: peak {row['peak_mib']:.0f} MiB "
            f"(idle {row['idle_mib']:.0f} MiB, growth {row['peak_mib'] - row['idle_mib']:.0f} "
            f"MiB); {row['peak_vs_first_size']:.2f}× the first size; run {row['seconds']:.0f} s"
        )
    return {"sizes": rows, "targets": {"peak_mib_at_100000": 300, "within_of_10000": 0.2}}


def measure(env: harness.Environment, shop: harness.Shop, articles: int) -> dict[str, Any]:
    from connectors.asperion.sandbox.seed import seed_administration
    from connectors.feeddex.sandbox.models import Product
    from flows.models import LedgerEntry
    from flows.services import flow_reset_cursor

    seed_administration(shop.administration, articles=articles, debtors=20, seed=1)
    harness.sandbox_limits_off(shop)
    flow = shop.flow("products")
    Product.objects.filter(account=shop.account).delete()
    LedgerEntry.objects.filter(flow=flow).delete()
    flow_reset_cursor(flow=flow)
    with harness.celery_worker(env, name=f"memory{articles}") as worker:
        (child,) = worker.children()
        idle = harness.memory_kib(child)
        run = harness.run_flow(flow, timeout=4 * 3600)
        if run.status != "succeeded":
            raise RuntimeError(f"the run did not succeed: {run}")
        if worker.children() != [child]:
            raise RuntimeError("the worker's child process was replaced during the run")
        peak = harness.memory_kib(child)
    row = {
        "articles": articles,
        "created": run.created,
        "seconds": run.seconds,
        "idle_mib": idle["VmHWM"] / 1024,
        "peak_mib": peak["VmHWM"] / 1024,
        "rss_after_mib": peak["VmRSS"] / 1024,
    }
    print(
        f"  {articles:,} articles: {run.created:,} created in {run.seconds:.0f} s; child "
        f"{child} peak {row['peak_mib']:.0f} MiB (idle {row['idle_mib']:.0f} MiB)"
    )
    return row


if __name__ == "__main__":
    sys.exit(main())
