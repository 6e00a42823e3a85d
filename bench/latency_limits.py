"""APIs 200 ms away, at their own limits: how much of each limit do the flows use?

    .venv/bin/python bench/latency_limits.py [--latency 200] [--articles 300] [--orders 400]

Both sandboxes answer every call after `--latency` ms. Asperion admits 10 requests a second
(its token bucket, burst 20), Feeddex 120 a clock minute; past either the sandbox answers 429
with Retry-After. The tenant's connections keep the platform's own defaults
(connectors/ratelimit.py: Asperion 9.5/s, Feeddex 1.95/s, up to 4 requests in flight), as a
real tenant's would. One request at a time, 200 ms away, would be 5 a second: half of
Asperion's limit.

1. Products, first sync of N articles: a write to Feeddex per simple article, so Feeddex's
   limit is the one that binds.
2. Orders, M paid orders (half from returning customers, a fifth companies) booked in
   Asperion, with the order number's write-back to Feeddex off: Asperion's limit binds (with
   the write-back on, every order also costs a Feeddex call, and Feeddex's 2 a second bind
   the run to 2 orders a second).

Figures per part, for each system: calls per second over the part's span (first to last call
of the run), ÷ the limit for the system that binds (target ≥ 0.9), and the share of calls
answered 429 (target ≤ 1 %).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness, orders_sync  # noqa: E402

ASPERION_PER_SECOND = 10.0
FEEDDEX_PER_MINUTE = 120


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=int, default=200, help="milliseconds per answer")
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--orders", type=int, default=400)
    parser.add_argument("--keep", action="store_true", help="keep the database and logs")
    options = parser.parse_args()
    env = harness.environment("latency")
    harness.django_ready()
    ok = False
    try:
        # Six requests at once at most per worker process would leave the sandboxes short
        # of threads at 200 ms each: a real API is not the bottleneck of its own limit.
        with harness.web_server(env, threads=8), harness.celery_worker(env):
            result = bench(options.latency, options.articles, options.orders)
        print(f"result: {harness.write_result('latency_limits', env, result)}")
        ok = True
    finally:
        harness.finish(env, keep=options.keep or not ok)
    return 0


def bench(latency: int, articles: int, orders: int) -> dict[str, Any]:
    shop = harness.make_shop(articles=articles)
    platform_defaults(shop)
    limits_and_latency(shop, latency)
    print(
        f"latency {latency} ms; Asperion {ASPERION_PER_SECOND:g}/s, Feeddex "
        f"{FEEDDEX_PER_MINUTE}/min; the platform's own throttle and requests in flight"
    )
    products = harness.run_flow(shop.flow("products"), timeout=3 * 3600)
    if products.status != "succeeded":
        raise RuntimeError(f"the products run did not succeed: {products}")
    products_row = part("products", products, binding="feeddex")

    orders_sync.clear_order_book(shop)
    flow = shop.flow("orders")
    flow.settings = {**flow.settings, "write_back_number": False}
    flow.save(update_fields=["settings"])
    shop.integration.flows.filter(kind="stock").update(enabled=False)
    skus = orders_sync.article_codes(shop)
    placed = orders_sync.place_orders(shop, skus, orders=orders, companies=0.2, batch=0)
    run = harness.run_flow(flow, timeout=3 * 3600)
    if run.status != "succeeded":
        raise RuntimeError(f"the orders run did not succeed: {run}")
    orders_row = part("orders", run, binding="asperion")
    orders_row["placed"] = placed
    orders_row["booked"] = orders_sync.booked_count(run.run_id)
    return {
        "latency_ms": latency,
        "limits": {"asperion_per_second": ASPERION_PER_SECOND, "feeddex_per_minute": 120},
        "products": products_row,
        "orders": orders_row,
    }


def platform_defaults(shop: harness.Shop) -> None:
    """The connections as a tenant's are: the platform's default throttle, not the
    benchmark harness's lifted one."""
    for connection in (shop.integration.accounting, shop.integration.shop):
        connection.config = {
            k: v for k, v in connection.config.items() if k not in harness.NO_LIMIT
        }
        connection.save(update_fields=["config"])


def limits_and_latency(shop: harness.Shop, latency: int) -> None:
    from connectors.sandboxkit.knobs import Knobs

    administration = shop.administration
    administration.knobs = Knobs(
        rate_per_second=ASPERION_PER_SECOND, latency_ms=latency
    ).model_dump(mode="json")
    administration.save(update_fields=["knobs"])
    account = shop.account
    account.knobs = Knobs(
        rate_per_second=0, rate_per_minute=FEEDDEX_PER_MINUTE, latency_ms=latency
    ).model_dump(mode="json")
    account.save(update_fields=["knobs"])


def part(name: str, run: harness.RunFigures, *, binding: str) -> dict[str, Any]:
    from flows.models import ApiCallLog

    limits = {"asperion": ASPERION_PER_SECOND, "feeddex": FEEDDEX_PER_MINUTE / 60}
    row: dict[str, Any] = {
        "records": run.read,
        "created": run.created,
        "failed": run.failed,
        "seconds": run.seconds,
        "binding": binding,
    }
    print(f"  {name}: {run.read:,} read, {run.created:,} created, {run.failed} failed in "
          f"{run.seconds:.0f} s")  # fmt: skip
    for system, limit in limits.items():
        stamps = list(
            ApiCallLog.objects.filter(run_id=run.run_id, system=system)
            .order_by("created_at")
            .values_list("created_at", "status")
        )
        refused = sum(1 for _, status in stamps if status == 429)
        span = (stamps[-1][0] - stamps[0][0]).total_seconds() if len(stamps) > 1 else 0.0
        per_second = (len(stamps) - 1) / span if span else 0.0
        row[system] = {
            "calls": len(stamps),
            "answered_429": refused,
            "share_429": refused / max(len(stamps), 1),
            "per_second": per_second,
            "share_of_limit": per_second / limit,
        }
        target = " (target ≥ 0.9)" if system == binding else ""
        print(
            f"    {system}: {len(stamps):,} calls at {per_second:.2f}/s = "
            f"{per_second / limit:.3f} of its limit{target}; {refused} answered 429 = "
            f"{refused / max(len(stamps), 1):.1%} (target ≤ 1 %)"
        )
    return row


if __name__ == "__main__":
    sys.exit(main())
