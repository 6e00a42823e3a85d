"""Load: N tenants, each with its own shop, all five flows started at once on two processes.

    .venv/bin/python bench/load_tenants.py [--tenants 50] [--articles 1000] [--orders 100]

Every tenant has its own Asperion sandbox administration (N articles, debtors, the seed's
sales orders and invoices) and its own Feeddex sandbox organization with M paid orders of
those articles: the wizard's sandbox accounts are shared demo accounts, so the benchmark
makes its own and points each tenant's connections at them. All five flows are switched on,
the integrations go live and one scheduler tick starts every flow, as at a go-live of many
tenants at once; a real Celery worker with two processes does the work. While it runs, the
benchmark plays the rest of the scheduler's tick every 30 s (runs that went quiet are failed
and resumed) but starts no new scheduled runs, so the burst is measured by itself.

When every run has finished (stock runs that booked orders start, retry runs and the
successors of stalled runs included), it checks: every run succeeded; per tenant, the Feeddex
products are exactly the simple active articles, and every paid order is booked exactly once
in Asperion. Figures: per-tenant completion time (first run queued → last run finished),
the longest slice (a task waiting for a busy process waits at most that long behind another
tenant), the worst wait of a run from queued to started against what round-robin slicing
promises, records per second, API calls, the worker processes' peak RSS.
"""

from __future__ import annotations

import argparse
import math
import random
import re
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402

FLOW_KINDS = ("products", "stock", "customers", "orders", "review_invitations")
TICK_SECONDS = 30
# A slice checks its deadline between pages, so it may overrun FLOW_SLICE_SECONDS by one
# page (and a slow machine by more): the bound allows half a slice on top.
SLICE_FACTOR = 1.5


@dataclass
class Tenant:
    index: int
    shop: harness.Shop
    administration_id: int
    organization: str
    paid_orders: list[str]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=50)
    parser.add_argument("--articles", type=int, default=1000, help="per tenant")
    parser.add_argument("--orders", type=int, default=100, help="paid orders per tenant")
    parser.add_argument("--debtors", type=int, default=50, help="per tenant")
    parser.add_argument("--processes", type=int, default=2, help="worker concurrency")
    parser.add_argument("--timeout", type=float, default=4 * 3600, help="seconds to wait")
    parser.add_argument("--keep", action="store_true", help="keep the database and logs")
    options = parser.parse_args()
    env = harness.environment("load_tenants")
    harness.django_ready()
    ok = False
    try:
        with (
            harness.web_server(env),
            harness.celery_worker(env, concurrency=options.processes) as worker,
        ):
            result = bench(options, worker)
        print(f"result: {harness.write_result('load_tenants', env, result)}")
        ok = result["passed"]
    finally:
        harness.finish(env, keep=options.keep or not ok)
    return 0 if ok else 1


def bench(options: argparse.Namespace, worker: harness.Process) -> dict[str, Any]:
    from django.conf import settings

    print(
        f"load: {options.tenants} tenants × {options.articles:,} articles, "
        f"{options.orders:,} paid orders; {options.processes} worker processes; "
        f"FLOW_SLICE_SECONDS={settings.FLOW_SLICE_SECONDS}"
    )
    started = time.monotonic()
    tenants = [
        make_tenant(index, options.articles, options.orders, options.debtors)
        for index in range(options.tenants)
    ]
    print(f"  {len(tenants)} tenants set up in {time.monotonic() - started:.0f} s")
    first_runs = start_all(tenants)
    print(f"  one scheduler tick queued {first_runs} runs")
    peak_kib = wait_for_all(worker, options.timeout)
    return report(options, tenants, worker, first_runs, peak_kib)


# ---- tenants --------------------------------------------------------------------------------


def make_tenant(index: int, articles: int, orders: int, debtors: int) -> Tenant:
    """A tenant connected to an Asperion administration and a Feeddex organization of its
    own, with all five flows switched on (not live yet)."""
    from connectors.feeddex.sandbox.models import Order
    from flows.services import flow_set_enabled
    from tenants.services import signup

    _, tenant = signup(
        email=f"load{index}@example.com",
        password=harness.BENCH_PASSWORD,
        company_name=f"Load {index} B.V.",
    )
    administration = own_administration(index, articles, debtors)
    skus = sellable_codes(administration)
    account = own_feeddex_account(index, skus, orders)
    integration = connect(tenant, administration.pk, account)
    shop = harness.Shop(tenant, integration)
    harness.sandbox_limits_off(shop)
    for flow in integration.flows.all():
        if flow.kind == "review_invitations":
            choose_unit(flow, account)
        flow_set_enabled(flow=flow, enabled=True)
    paid = list(
        Order.objects.filter(account=account, payment_status="paid").values_list(
            "number", flat=True
        )
    )
    return Tenant(index, shop, administration.pk, account.organization, paid)


def choose_unit(flow: Any, account: Any) -> None:
    """The one setting the wizard asks for before review invitations can run: the unit."""
    from flows.services import flow_update_settings

    unit = account.units.order_by("id").first()
    flow_update_settings(flow=flow, data={**flow.settings, "unit_id": unit.pk})


def own_administration(index: int, articles: int, debtors: int) -> Any:
    """An administration of the sandbox's demo login (whose tokens the wizard issues), so
    the tenant's Asperion connection only needs another administration id."""
    from connectors.asperion.sandbox import seed
    from connectors.asperion.sandbox.models import Administration

    user, _ = seed.ensure_demo_user()
    administration = Administration.objects.create(owner=user, name=f"Load {index} B.V.")
    seed.seed_administration(administration, articles=articles, debtors=debtors, seed=index)
    return administration


def sellable_codes(administration: Any) -> list[str]:
    """Codes of the articles an order can have: simple, active, not the shipping article."""
    from connectors.asperion.sandbox.models import Article
    from connectors.asperion.sandbox.seed import SHIPPING_ARTICLE_CODE

    rows = Article.objects.filter(administration=administration, is_variant=False, active=True)
    return list(
        rows.exclude(code=SHIPPING_ARTICLE_CODE).order_by("id").values_list("code", flat=True)
    )


def own_feeddex_account(index: int, skus: list[str], orders: int) -> Any:
    """A Feeddex organization whose shop has `orders` paid orders of the tenant's articles
    (written as history: no webhooks, the scheduled orders run finds them)."""
    from django.utils import timezone

    from connectors.feeddex.sandbox import seed, services
    from connectors.feeddex.sandbox.models import Order

    account = services.account_create(organization=f"load-{index}")
    rng = random.Random(index)  # noqa: S311 - test data
    catalogue = seed.catalogue_of(account, skus[:200], rng)
    now = timezone.now()
    drafts = []
    for n in range(orders):
        draft = seed.new_order(rng, catalogue=catalogue, customers=[], index=n)
        draft.payment_status = "paid"
        draft.created_at = now - timedelta(minutes=rng.randint(5, 600))
        drafts.append(draft)
    Order.objects.bulk_create(services.build_orders(account=account, new_orders=drafts, now=now))
    return account


def connect(tenant: Any, administration_id: int, account: Any) -> Any:
    """Both connections as the wizard's sandbox_connect makes them, on the tenant's own
    administration and organization, without client-side throttle."""
    from connectors.sandboxkit.provision import asperion_sandbox_credentials, sandbox_base_url
    from connectors.services import connection_save
    from flows.services import integration_ensure

    config, secrets, _ = asperion_sandbox_credentials()
    connection_save(
        tenant=tenant,
        system="asperion",
        name="Asperion sandbox",
        config={**config, "administration_id": administration_id, **harness.NO_LIMIT},
        secrets=secrets,
    )
    connection_save(
        tenant=tenant,
        system="feeddex",
        name="Feeddex sandbox",
        config={
            "api_base_url": sandbox_base_url("feeddex"),
            "organization": account.organization,
            **harness.NO_LIMIT,
        },
        secrets={"auth_code": account.auth_code, "password": account.password},
    )
    return integration_ensure(tenant=tenant)


# ---- running --------------------------------------------------------------------------------


def start_all(tenants: list[Tenant]) -> int:
    """Every integration goes live; one tick of the scheduler starts all their flows."""
    from flows.services import integration_go_live, schedule_due_flows

    for tenant in tenants:
        integration_go_live(integration=tenant.shop.integration)
    return schedule_due_flows()


def wait_for_all(worker: harness.Process, timeout: float) -> int:
    """Wait until no run is queued or running; return the worker processes' peak RSS (KiB).

    Every TICK_SECONDS the scheduler's watch for stalled runs runs, as beat's tick would
    (its other half, starting due flows, is left out: the flows ran moments ago)."""
    from flows.models import FlowRun, RunStatus
    from flows.services import resume_stalled_runs

    open_runs = FlowRun.objects.filter(status__in=(RunStatus.QUEUED, RunStatus.RUNNING))
    deadline = time.monotonic() + timeout
    next_tick = time.monotonic() + TICK_SECONDS
    next_line = time.monotonic() + 60
    peak: dict[int, int] = {}
    while open_runs.exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{open_runs.count()} runs still open after {timeout:.0f} s")
        if worker.popen.poll() is not None:
            raise RuntimeError("the worker stopped:\n" + worker.output()[-3000:])
        sample_memory(worker, peak)
        if time.monotonic() > next_tick:
            resumed = resume_stalled_runs()
            if resumed:
                print(f"  the tick resumed {resumed} stalled runs")
            next_tick += TICK_SECONDS
        if time.monotonic() > next_line:
            print(f"  {progress()}", flush=True)
            next_line += 60
        time.sleep(1)
    sample_memory(worker, peak)
    return max(peak.values(), default=0)


def progress() -> str:
    from django.db.models import Count, Sum

    from flows.models import FlowRun

    by_status = dict(FlowRun.objects.values_list("status").annotate(n=Count("id")))
    read = FlowRun.objects.aggregate(total=Sum("read"))["total"] or 0
    return f"runs {by_status}; {read:,} records read"


def sample_memory(worker: harness.Process, peak: dict[int, int]) -> None:
    for pid in worker.children():
        try:
            peak[pid] = harness.memory_kib(pid).get("VmHWM", 0)
        except OSError:  # the child just ended
            continue


# ---- checks and figures ---------------------------------------------------------------------


def report(
    options: argparse.Namespace,
    tenants: list[Tenant],
    worker: harness.Process,
    first_runs: int,
    peak_kib: int,
) -> dict[str, Any]:
    from django.conf import settings

    runs = run_rows()
    problems = run_problems(runs) + [p for t in tenants for p in tenant_problems(t)]
    for problem in problems[:30]:
        print(f"  PROBLEM {problem}")
    slices = slice_seconds(worker.output())
    slice_bound = settings.FLOW_SLICE_SECONDS * SLICE_FACTOR
    longest_slice = max(slices, default=0.0)
    waits = [(r["started_at"] - r["queued_at"]).total_seconds() for r in runs if r["started_at"]]
    worst_wait = max(waits, default=0.0)
    # Round robin: each process serves at most one slice of every run queued ahead of a run.
    wait_bound = math.ceil(first_runs / options.processes) * slice_bound
    completion = tenant_completion(runs)
    wall = wall_seconds(runs)
    records = sum(r["read"] for r in runs)
    writes = sum(r["created"] + r["updated"] for r in runs)
    calls = sum(r["api_calls"] for r in runs)
    slice_ok = longest_slice <= slice_bound
    wait_ok = worst_wait <= wait_bound
    passed = not problems and slice_ok and wait_ok
    print("summary:")
    print(f"  runs: {len(runs)} ({Counter(r['status'] for r in runs)}); problems: {len(problems)}")
    print(
        "  per-tenant completion (first queued → last finished): "
        + ", ".join(f"{k} {v:,.0f} s" for k, v in completion.items())
    )
    print(
        f"  longest slice: {longest_slice:.1f} s of {len(slices):,} (median "
        f"{statistics.median(slices) if slices else 0:.1f} s, p95 "
        f"{harness.percentile(slices, 0.95):.1f} s; "
        f"bound FLOW_SLICE_SECONDS × {SLICE_FACTOR} = {slice_bound:.0f} s): "
        f"{'PASS' if slice_ok else 'FAIL'}"
    )
    print(
        f"  worst wait queued → started: {worst_wait:,.0f} s, median "
        f"{statistics.median(waits) if waits else 0:,.0f} s (bound ⌈{first_runs} runs ÷ "
        f"{options.processes} processes⌉ × {slice_bound:.0f} s = {wait_bound:,.0f} s): "
        f"{'PASS' if wait_ok else 'FAIL'}"
    )
    print(
        f"  {records:,} records read, {writes:,} written in {wall:,.0f} s = "
        f"{records / max(wall, 1e-9):,.1f} records/s; {calls:,} API calls"
    )
    print(f"  peak RSS of a worker process: {peak_kib / 1024:,.0f} MiB")
    print(f"  {'PASS' if passed else 'FAIL'}")
    return {
        "tenants": options.tenants,
        "articles": options.articles,
        "orders": options.orders,
        "processes": options.processes,
        "flow_slice_seconds": settings.FLOW_SLICE_SECONDS,
        "runs": len(runs),
        "runs_by_status": dict(Counter(r["status"] for r in runs)),
        "problems": problems,
        "tenant_completion_seconds": completion,
        "longest_slice_seconds": longest_slice,
        "slices": len(slices),
        "slice_seconds_p95": harness.percentile(slices, 0.95),
        "slice_bound_seconds": slice_bound,
        "worst_wait_seconds": worst_wait,
        "median_wait_seconds": statistics.median(waits) if waits else 0.0,
        "wait_bound_seconds": wait_bound,
        "wall_seconds": wall,
        "records_read": records,
        "records_written": writes,
        "records_per_second": records / max(wall, 1e-9),
        "api_calls": calls,
        "peak_worker_rss_kib": peak_kib,
        "passed": passed,
    }


def run_rows() -> list[dict[str, Any]]:
    from flows.models import FlowRun

    return [
        dict(row)
        for row in FlowRun.objects.order_by("id").values(
            "id", "tenant_id", "flow__kind", "trigger", "status", "error", "queued_at",
            "started_at", "finished_at", "read", "created", "updated", "failed", "api_calls",
        )
    ]  # fmt: skip


def run_problems(runs: list[dict[str, Any]]) -> list[str]:
    problems = []
    for run in runs:
        where = (
            f"run {run['id']} ({run['flow__kind']}, {run['trigger']}, tenant {run['tenant_id']})"
        )
        if run["status"] != "succeeded":
            problems.append(f"{where} {run['status']}: {run['error'][:300]}")
        elif run["failed"]:
            problems.append(f"{where} failed {run['failed']} records")
    return problems


def tenant_problems(tenant: Tenant) -> list[str]:
    """Products are the simple active articles; every paid order is booked exactly once."""
    from connectors.asperion.sandbox.models import Administration, SalesOrder
    from connectors.feeddex.sandbox.models import Product

    administration = Administration.objects.get(pk=tenant.administration_id)
    account = tenant.shop.account
    problems = []
    articles = set(sellable_codes(administration))
    products = set(Product.objects.filter(account=account).values_list("sku", flat=True))
    if products != articles:
        problems.append(
            f"tenant {tenant.index}: {len(products)} Feeddex products for {len(articles)} "
            f"simple articles ({len(articles - products)} missing, "
            f"{len(products - articles)} extra)"
        )
    references = Counter(
        SalesOrder.objects.filter(
            administration=administration, reference__in=tenant.paid_orders
        ).values_list("reference", flat=True)
    )
    missing = [n for n in tenant.paid_orders if references[n] == 0]
    doubled = [n for n, count in references.items() if count > 1]
    if missing or doubled:
        problems.append(
            f"tenant {tenant.index}: of {len(tenant.paid_orders)} paid orders "
            f"{len(missing)} not booked, {len(doubled)} booked twice or more {doubled[:5]}"
        )
    return problems


def slice_seconds(worker_log: str) -> list[float]:
    """How long each run task held its process, from the worker's log."""
    pattern = re.compile(r"run_flow_task\[[^\]]+\] succeeded in ([0-9.]+)s")
    return [float(m.group(1)) for m in pattern.finditer(worker_log)]


def tenant_completion(runs: list[dict[str, Any]]) -> dict[str, float]:
    by_tenant: dict[int, list[dict[str, Any]]] = {}
    for run in runs:
        by_tenant.setdefault(run["tenant_id"], []).append(run)
    seconds = [wall_seconds(rows) for rows in by_tenant.values()]
    return {
        "min": min(seconds, default=0.0),
        "median": statistics.median(seconds) if seconds else 0.0,
        "p95": harness.percentile(seconds, 0.95),
        "max": max(seconds, default=0.0),
    }


def wall_seconds(runs: list[dict[str, Any]]) -> float:
    finished = [r["finished_at"] for r in runs if r["finished_at"]]
    if not runs or not finished:
        return 0.0
    return float((max(finished) - min(r["queued_at"] for r in runs)).total_seconds())


if __name__ == "__main__":
    sys.exit(main())
