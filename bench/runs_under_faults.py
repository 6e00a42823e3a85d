"""Runs against a Feeddex that answers almost every call with a 500 or a 503, slowly.

    .venv/bin/python bench/runs_under_faults.py [--articles 2000] [--orders 200]
        [--error-rate 0.95] [--latency-ms 2000] [--workers 2] [--flood 400] [--no-interactive]

One company syncs its products and books its paid orders while Feeddex fails `--error-rate`
of its calls after `--latency-ms`; the scheduler's watch for stalled runs plays every 30 s,
as beat does. Meanwhile a second company, on healthy sandboxes of its own, has an order
booked, and the first company asks for `--flood` runs in 30 s through the run service.

Figures (every run of the first company, successors and automatic retries included):
- every article and every order accounted for (a final outcome in some run's log);
- records written by more than one run (target 0), orders booked twice (target 0);
- the longest slice (a worker's task), against FLOW_SLICE_SECONDS + the HTTP timeout;
- runs the flood queued per flow (target 1) and the other company's order: queued → started
  and queued → booked (targets 2 s and 30 s).
"""

from __future__ import annotations

import argparse
import contextlib
import re
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402
from bench.orders_sync import article_codes, clear_order_book, place_orders  # noqa: E402

SLICE_LOG = re.compile(r"Task flows\.tasks\.run_flow_task\[[^\]]+\] succeeded in ([0-9.]+)s")
HTTP_TIMEOUT = 30.0 + 5.0  # read + connect (connectors/http.py timeout_for)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--error-rate", type=float, default=0.95)
    parser.add_argument("--latency-ms", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--no-interactive",
        action="store_true",
        help="no worker of its own for the interactive queue (docker-compose has one)",
    )
    parser.add_argument("--flood", type=int, default=400)
    parser.add_argument("--timeout", type=float, default=6 * 3600)
    parser.add_argument("--keep", action="store_true", help="keep the database and logs")
    options = parser.parse_args()
    env = harness.environment("faults")
    harness.django_ready()
    ok = False
    try:
        with contextlib.ExitStack() as stack:
            stack.enter_context(harness.web_server(env))
            workers = [stack.enter_context(harness.celery_worker(env, concurrency=options.workers))]
            if not options.no_interactive:
                interactive = harness.celery_worker(env, name="interactive", queues="celery")
                workers.append(stack.enter_context(interactive))
            result = bench(options, workers)
        print(f"result: {harness.write_result('runs_under_faults', env, result)}")
        ok = True
    finally:
        harness.finish(env, keep=options.keep or not ok)
    return 0


def bench(options: argparse.Namespace, workers: list[harness.Process]) -> dict[str, Any]:
    from django.conf import settings

    from flows.models import Trigger
    from flows.services import flow_run_start

    shop = harness.make_shop(articles=options.articles)
    clear_order_book(shop)
    place_orders(shop, article_codes(shop), orders=options.orders, companies=0.2, batch=0)
    other = harness.make_shop(articles=20, email="other@example.com")
    clear_order_book(other)
    harness.sandbox_limits_off(shop, error_rate=options.error_rate, latency_ms=options.latency_ms)
    restore_asperion(shop)
    print(
        f"faults: {options.articles:,} articles, {options.orders} orders; Feeddex fails "
        f"{options.error_rate:.0%} after {options.latency_ms} ms; {options.workers} workers"
        f"{'' if options.no_interactive else ' and one for the interactive queue'}"
    )
    stop = threading.Event()
    watch = threading.Thread(target=stall_watch, args=(stop,), daemon=True)
    watch.start()
    started = time.monotonic()
    products = flow_run_start(flow=shop.flow("products"), trigger=Trigger.MANUAL)
    orders = flow_run_start(flow=shop.flow("orders"), trigger=Trigger.MANUAL)
    time.sleep(5)
    flood = flood_of_requests(shop, options.flood)
    latency = other_company_order(other)
    try:
        if not harness.wait_until(lambda: all_done(shop), options.timeout, step=2):
            raise RuntimeError("the runs did not finish in time")
    finally:
        stop.set()
    seconds = time.monotonic() - started
    slices = [float(s) for w in workers for s in SLICE_LOG.findall(w.output())]
    result = {
        "articles": options.articles,
        "orders": options.orders,
        "error_rate": options.error_rate,
        "latency_ms": options.latency_ms,
        "seconds": seconds,
        "first_runs": [products.pk, orders.pk],
        **accounting(shop),
        "longest_slice_seconds": max(slices, default=0.0),
        "slice_bound_seconds": settings.FLOW_SLICE_SECONDS + HTTP_TIMEOUT,
        "slices": len(slices),
        "flood": flood,
        "other_company": latency,
    }
    report(result)
    return result


def restore_asperion(shop: harness.Shop) -> None:
    """Only Feeddex fails: Asperion stays healthy (its knobs back to no faults)."""
    administration = shop.administration
    administration.knobs = {"rate_per_second": 0, "rate_per_minute": 0}
    administration.save(update_fields=["knobs"])


def stall_watch(stop: threading.Event) -> None:
    """The scheduler's tick, as beat plays it: fail runs presumed dead, start successors."""
    from django.db import connection

    from flows.services import resume_stalled_runs

    while not stop.wait(30):
        resume_stalled_runs()
    connection.close()


def flood_of_requests(shop: harness.Shop, requests: int) -> dict[str, Any]:
    from flows.models import FlowRun, Trigger
    from flows.services import RunRefused, flow_run_request

    flows = list(shop.integration.flows.order_by("id"))
    answers: Counter[str] = Counter()
    before = set(FlowRun.objects.filter(tenant=shop.tenant).values_list("pk", flat=True))
    for number in range(requests):
        try:
            asked = flow_run_request(flow=flows[number % len(flows)], trigger=Trigger.MANUAL)
            answers["joined" if asked.joined else "started"] += 1
        except RunRefused:
            answers["refused"] += 1
    new = FlowRun.objects.filter(tenant=shop.tenant).exclude(pk__in=before)
    per_flow = Counter(new.values_list("flow__kind", flat=True))
    return {"requests": requests, **answers, "new_runs_per_flow": dict(per_flow)}


def other_company_order(other: harness.Shop) -> dict[str, Any]:
    """Place an order at the second company and book it as its webhook would."""
    from django.utils import timezone

    from flows.models import FINISHED_STATUSES, FlowRun, Trigger
    from flows.services import flow_run_start

    place_orders(other, article_codes(other), orders=2, companies=0, batch=9)
    run = flow_run_start(flow=other.flow("orders"), trigger=Trigger.WEBHOOK)

    def done() -> bool:
        return FlowRun.objects.get(pk=run.pk).status in FINISHED_STATUSES

    harness.wait_until(done, 600, step=0.2)
    run.refresh_from_db()
    waited = (run.started_at or timezone.now()) - run.queued_at
    took = (run.finished_at or timezone.now()) - run.queued_at
    return {
        "status": run.status,
        "booked": run.created,
        "queued_to_started_seconds": waited.total_seconds(),
        "queued_to_booked_seconds": took.total_seconds(),
    }


def all_done(shop: harness.Shop) -> bool:
    from flows.models import ACTIVE_STATUSES, FlowRun

    return not FlowRun.objects.filter(tenant=shop.tenant, status__in=ACTIVE_STATUSES).exists()


def run_windows(flow: Any) -> dict[int, tuple[float, float]]:
    """Each run's lifetime, from its start to its end (or now, if it has none)."""
    from flows.models import FlowRun

    now = time.time()
    return {
        run.pk: (
            (run.started_at or run.queued_at).timestamp(),
            run.finished_at.timestamp() if run.finished_at else now,
        )
        for run in FlowRun.objects.filter(flow=flow)
    }


def overlapping(runs: set[int], windows: dict[int, tuple[float, float]]) -> bool:
    spans = sorted(windows[run] for run in runs)
    return any(later[0] < earlier[1] for earlier, later in zip(spans, spans[1:], strict=False))


def accounting(shop: harness.Shop) -> dict[str, Any]:
    """Every record's fate over all the company's runs, and writes by more than one run."""
    from connectors.asperion.sandbox.models import SalesOrder
    from connectors.feeddex.sandbox.models import Order, Product
    from flows.models import Action, RecordLog

    def fates(kind: str, entity: str) -> dict[str, Any]:
        logs = RecordLog.objects.filter(flow=shop.flow(kind), entity=entity)
        keys = set(logs.values_list("key", flat=True))
        writes = logs.filter(action__in=[Action.CREATED, Action.UPDATED])
        runs_of_key: dict[str, set[int]] = {}
        for key, run_id in writes.values_list("key", "run_id"):
            runs_of_key.setdefault(key, set()).add(run_id)
        windows = run_windows(shop.flow(kind))
        final = Counter(
            logs.order_by("key", "-id").distinct("key").values_list("action", flat=True)
        )
        return {
            "keys": len(keys),
            "last_outcome": dict(final),
            # Two runs one after the other may both write a record that changed in between
            # (stock booked by an order); two runs at the same time must never.
            "written_by_two_runs_at_once": sum(
                1 for runs in runs_of_key.values() if overlapping(runs, windows)
            ),
            "written_again_by_a_later_run": sum(
                1 for runs in runs_of_key.values() if len(runs) > 1
            ),
        }

    references = Counter(
        SalesOrder.objects.filter(administration=shop.administration).values_list(
            "reference", flat=True
        )
    )
    products_per_sku = Counter(
        Product.objects.filter(account=shop.account).values_list("sku", flat=True)
    )
    return {
        "products": fates("products", "product"),
        "orders_flow": fates("orders", "order"),
        "orders_placed": Order.objects.filter(account=shop.account).count(),
        "orders_booked": len(references),
        "orders_booked_twice": sum(1 for n in references.values() if n > 1),
        "feeddex_products": len(products_per_sku),
        "feeddex_products_twice": sum(1 for n in products_per_sku.values() if n > 1),
    }


def report(result: dict[str, Any]) -> None:
    print(f"  all runs done in {result['seconds']:.0f} s")
    for name in ("products", "orders_flow"):
        fate = result[name]
        print(
            f"  {name}: {fate['keys']} records accounted for, last outcomes "
            f"{fate['last_outcome']}, written by two runs at once: "
            f"{fate['written_by_two_runs_at_once']} (again by a later run: "
            f"{fate['written_again_by_a_later_run']})"
        )
    print(
        f"  orders: {result['orders_booked']} of {result['orders_placed']} booked, booked "
        f"twice: {result['orders_booked_twice']}; Feeddex products twice: "
        f"{result['feeddex_products_twice']}"
    )
    print(
        f"  longest slice {result['longest_slice_seconds']:.1f} s of {result['slices']} "
        f"(bound {result['slice_bound_seconds']:.0f} s)"
    )
    print(f"  flood: {result['flood']}")
    other = result["other_company"]
    print(
        f"  other company's order: {other['status']}, started after "
        f"{other['queued_to_started_seconds']:.2f} s, booked after "
        f"{other['queued_to_booked_seconds']:.1f} s"
    )


if __name__ == "__main__":
    raise SystemExit(main())
