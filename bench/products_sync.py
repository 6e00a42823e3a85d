"""Products: first sync of N articles against a bare httpx script, then an unchanged re-sync.

    .venv/bin/python bench/products_sync.py [--articles 10000] [--repeat 3] [--keep]

Per repeat, on the same web server (gunicorn serving both sandboxes, their rate limits off)
and a real Celery worker (concurrency 1):
  1. the bare script (bench/bare_sync.py) reads every article page and POSTs each simple
     product to a Feeddex organization of its own;
  2. the platform's products flow does the first sync of the same articles to the tenant's
     Feeddex organization (queued → finished, slices included);
  3. flow_reset_cursor, then the same flow again: nothing changed, so no writes.
Which of 1 and 2 goes first alternates between repeats. Figures: records/s of each and their
ratio (target ≥ 0.8), re-sync writes (target 0), API calls per record (target ≤ 0.011) and
re-sync time ÷ first-sync time (target ≤ 10 %).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402
from bench.bare_sync import BareFigures, Endpoints, bare_sync  # noqa: E402

BARE_ORGANIZATION = "bench-bare"
BARE_AUTH_CODE = "bench-bare-code"
BARE_PASSWORD = "bench-bare-password"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--in-flight",
        type=int,
        default=0,
        help="requests a run keeps in flight per connection (default: the platform's)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the database and logs")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also run one first sync in this process under cProfile and print the top",
    )
    options = parser.parse_args()
    env = harness.environment("products")
    if options.in_flight:  # the worker's cap, before it starts
        os.environ["FLOW_MAX_IN_FLIGHT"] = str(options.in_flight)
    harness.django_ready()
    ok = False
    try:
        with harness.web_server(env):
            with harness.celery_worker(env):
                result = bench(options.articles, options.repeat, options.in_flight)
            if options.profile:  # in this process, with no worker to take the next slice
                profile_first_sync()
        path = harness.write_result("products_sync", env, result)
        print(f"result: {path}")
        ok = True
    finally:
        harness.finish(env, keep=options.keep or not ok)
    return 0


def bench(articles: int, repeat: int, in_flight: int = 0) -> dict[str, Any]:
    shop = harness.make_shop(articles=articles)
    if in_flight:
        for connection in (shop.integration.accounting, shop.integration.shop):
            connection.config = {**connection.config, "max_in_flight": in_flight}
            connection.save(update_fields=["config"])
    bare_account = make_bare_account()
    flow = shop.flow("products")
    print(f"products: {articles:,} articles, {repeat} repeats ({harness.machine()['cpus']} CPUs)")
    rows = []
    for index in range(repeat):
        reset(shop, flow, bare_account)
        bare_first = index % 2 == 0
        bare = run_bare(shop) if bare_first else None
        first = harness.run_flow(flow)
        if bare is None:
            bare = run_bare(shop)
        check(first, "first sync")
        flow.refresh_from_db()
        from flows.services import flow_reset_cursor

        flow_reset_cursor(flow=flow)
        again = harness.run_flow(flow)
        check(again, "re-sync")
        row = figures(first, again, bare)
        rows.append(row)
        print(
            f"  #{index + 1}: platform {row['platform_records_per_second']:,.0f} rec/s "
            f"({first.seconds:.1f} s, {first.created:,} created, {first.api_calls:,} calls); "
            f"bare {row['bare_records_per_second']:,.0f} rec/s ({bare.seconds:.1f} s, "
            f"{bare.posted:,} posted); ratio {row['ratio']:.2f}; re-sync {again.seconds:.1f} s, "
            f"{again.writes} writes, {row['resync_calls_per_record']:.4f} calls/record"
        )
    return summarize(articles, rows)


def profile_first_sync() -> None:
    """One first sync in this process under cProfile: where the platform's time goes."""
    from flows.models import Flow, FlowRun, Trigger

    flow = Flow.objects.get(kind="products")
    reset(harness.Shop(flow.tenant, flow.integration), flow, make_bare_account(existing=True))
    run = FlowRun.objects.create(tenant=flow.tenant, flow=flow, trigger=Trigger.MANUAL)
    harness.profile("products_sync", lambda: drain(run.pk))


def drain(run_id: int) -> None:
    from flows.services import run_execute

    while run_execute(run_id) == "continued":
        pass


def make_bare_account(*, existing: bool = False) -> Any:
    from connectors.feeddex.sandbox.models import Account
    from connectors.feeddex.sandbox.services import account_create
    from connectors.sandboxkit.knobs import Knobs

    if existing:
        return Account.objects.get(organization=BARE_ORGANIZATION)
    knobs = Knobs(rate_per_second=0, rate_per_minute=0)
    return account_create(
        organization=BARE_ORGANIZATION,
        auth_code=BARE_AUTH_CODE,
        password=BARE_PASSWORD,
        knobs=knobs,
    )


def reset(shop: harness.Shop, flow: Any, bare_account: Any) -> None:
    """Empty both Feeddex organizations and forget what the flow wrote: a first sync again."""
    from connectors.feeddex.sandbox.models import Product
    from flows.models import LedgerEntry
    from flows.services import flow_reset_cursor

    Product.objects.filter(account__in=[shop.account, bare_account]).delete()
    LedgerEntry.objects.filter(flow=flow).delete()
    flow.refresh_from_db()
    flow_reset_cursor(flow=flow)


def run_bare(shop: harness.Shop) -> BareFigures:
    from connectors.asperion.sandbox.seed import SHIPPING_ARTICLE_CODE

    asperion = shop.integration.accounting
    asperion.refresh_from_db()
    feeddex = shop.integration.shop
    target = Endpoints(
        asperion_url=asperion.config["api_base_url"],
        asperion_token=asperion.secrets["access_token"],
        administration_id=int(asperion.config["administration_id"]),
        feeddex_url=feeddex.config["api_base_url"],
        organization=BARE_ORGANIZATION,
        auth_code=BARE_AUTH_CODE,
        password=BARE_PASSWORD,
    )
    result = bare_sync(target, skip_codes=frozenset({SHIPPING_ARTICLE_CODE}))
    if result.errors:
        raise RuntimeError(f"the bare script had {result.errors} failed writes")
    return result


def check(run: harness.RunFigures, what: str) -> None:
    if run.status != "succeeded" or run.failed:
        raise RuntimeError(f"the {what} did not succeed: {run}")


def figures(
    first: harness.RunFigures, again: harness.RunFigures, bare: BareFigures
) -> dict[str, Any]:
    if bare.posted != first.created:
        print(f"  note: the bare script wrote {bare.posted}, the flow {first.created}")
    platform_rate = first.read / first.seconds
    bare_rate = bare.read / bare.seconds
    return {
        "platform_seconds": first.seconds,
        "platform_records_per_second": platform_rate,
        "platform_read": first.read,
        "platform_created": first.created,
        "platform_api_calls": first.api_calls,
        "first_calls_per_record": first.api_calls / first.read,
        "bare_seconds": bare.seconds,
        "bare_records_per_second": bare_rate,
        "bare_posted": bare.posted,
        "bare_calls": bare.calls,
        "ratio": platform_rate / bare_rate,
        "resync_seconds": again.seconds,
        "resync_writes": again.writes,
        "resync_read": again.read,
        "resync_api_calls": again.api_calls,
        "resync_calls_per_record": again.api_calls / again.read,
        "resync_time_share": again.seconds / first.seconds,
        # Within one run: the share of its time spent waiting for the APIs.
        "first_http_share": first.http_seconds / first.seconds,
        "resync_http_share": again.http_seconds / again.seconds,
    }


def summarize(articles: int, rows: list[dict[str, Any]]) -> dict[str, Any]:
    def column(name: str) -> list[float]:
        return [float(row[name]) for row in rows]

    print("summary:")
    harness.print_spread("platform ÷ bare httpx (target ≥ 0.8)", column("ratio"))
    harness.print_spread("platform first sync", column("platform_records_per_second"), " rec/s", 0)
    harness.print_spread("bare httpx script", column("bare_records_per_second"), " rec/s", 0)
    harness.print_spread("first sync API calls per record", column("first_calls_per_record"), "", 4)
    print(f"  re-sync writes (target 0): {sorted({int(v) for v in column('resync_writes')})}")
    harness.print_spread(
        "re-sync API calls per record (target ≤ 0.011)", column("resync_calls_per_record"), "", 4
    )
    harness.print_spread(
        "re-sync time ÷ first sync (target ≤ 0.10)", column("resync_time_share"), "", 3
    )
    harness.print_spread("first sync: share of time in API calls", column("first_http_share"))
    harness.print_spread("re-sync: share of time in API calls", column("resync_http_share"))
    return {
        "articles": articles,
        "runs": rows,
        "ratio": harness.spread(column("ratio")),
        "platform_records_per_second": harness.spread(column("platform_records_per_second")),
        "bare_records_per_second": harness.spread(column("bare_records_per_second")),
        "resync_writes": max(column("resync_writes")),
        "resync_calls_per_record": harness.spread(column("resync_calls_per_record")),
        "resync_time_share": harness.spread(column("resync_time_share")),
    }


if __name__ == "__main__":
    sys.exit(main())
