"""Activity log at scale: page and search by SKU over N record logs of 5 tenants.

    .venv/bin/python bench/activity_log.py [--rows 1000000] [--tenants 5] [--samples 40]

Rows are inserted directly (COPY on PostgreSQL, bulk_create on SQLite), as runs of 1,000
records of the products, stock, customers and orders flows, the tenants' runs interleaved
in time as they would be: per tenant a catalogue of SKUs synced again and again (each SKU
appears once per products and stock run), mostly skipped as unchanged, some updated, a few
failed. Each row carries source, payload and response JSON of a realistic size.

Then, per query, `--samples` requests through Django's test client (the whole view: session,
tenant, form, query, template) for a signed-in owner of a random tenant, timed in-process
(server time, no network), and the same query through `record_log_page` alone. Target: p95
≤ 150 ms. On PostgreSQL the plan of each query is printed (EXPLAIN ANALYZE), so a slow
one names its cause.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402

RUN_SIZE = 1000
SKUS_PER_TENANT = 5000
COLUMNS = (
    "tenant_id", "run_id", "flow_id", "entity", "key", "action", "reason", "source", "payload",
    "response", "diff", "target_id", "mapping_version", "created_at", "payload_purged",
)  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--tenants", type=int, default=5)
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    options = parser.parse_args()
    env = harness.environment("activity")
    harness.django_ready()
    ok = False
    try:
        result = bench(options.rows, options.tenants, options.samples)
        print(f"result: {harness.write_result('activity_log', env, result)}")
        ok = True
    finally:
        harness.finish(env, keep=options.keep or not ok)
    return 0


@dataclass
class Company:
    tenant: Any
    owner: Any
    flows: dict[str, Any]


def bench(rows: int, tenants: int, samples: int) -> dict[str, Any]:
    companies = [make_company(n) for n in range(tenants)]
    started = time.monotonic()
    insert_logs(companies, rows)
    analyze()
    print(
        f"activity log: {rows:,} record logs over {tenants} tenants, inserted in "
        f"{time.monotonic() - started:.0f} s"
    )
    results = {}
    for name, make_query in queries().items():
        results[name] = measure(name, make_query, companies, samples)
    worst = max(result["view_p95_ms"] for result in results.values())
    print(f"summary: worst view p95 {worst:.0f} ms (target ≤ 150 ms)")
    return {"rows": rows, "tenants": tenants, "samples": samples, "queries": results}


def make_company(n: int) -> Company:
    from connectors.sandboxkit.provision import sandbox_connect
    from flows.services import integration_ensure
    from tenants.services import signup

    owner, tenant = signup(
        email=f"owner{n}@example.com", password=harness.BENCH_PASSWORD, company_name=f"Shop {n}"
    )
    sandbox_connect(tenant=tenant)
    integration = integration_ensure(tenant=tenant)
    return Company(tenant, owner, {flow.kind: flow for flow in integration.flows.all()})


# ---- rows ---------------------------------------------------------------------------------


def sku(n: int) -> str:
    return f"ART-{n:05d}"


def insert_logs(companies: list[Company], rows: int) -> None:
    """Runs of 1,000 rows; the tenants take turns, so their ids interleave as in real life."""
    from django.db import connection

    writer = copy_rows if connection.vendor == "postgresql" else bulk_rows
    plan = list(run_plan(companies, rows))
    start = harness_now() - timedelta(days=20)
    for index, (company, kind, first, size) in enumerate(plan):
        at = start + timedelta(seconds=index * 1700)
        run = make_run(company, kind, at, size)
        writer(list(log_rows(company, kind, run, first, size, at)))
        if index % 100 == 0:
            print(f"  inserted {index * RUN_SIZE:,} of {rows:,}", flush=True)


def harness_now() -> Any:
    from django.utils import timezone

    return timezone.now()


def run_plan(companies: list[Company], rows: int) -> Iterator[tuple[Company, str, int, int]]:
    """(company, flow kind, first SKU number, size) for each run, in time order."""
    kinds = ["products", "stock", "stock", "customers", "orders"]
    runs = rows // RUN_SIZE
    for index in range(runs):
        company = companies[index % len(companies)]
        kind = kinds[(index // len(companies)) % len(kinds)]
        # Each round of the five flows syncs the next block of the tenant's catalogue.
        round_number = index // len(companies) // len(kinds)
        first = (round_number * RUN_SIZE) % SKUS_PER_TENANT
        yield company, kind, first, RUN_SIZE
    if rows % RUN_SIZE:
        yield companies[0], "products", 0, rows % RUN_SIZE


def make_run(company: Company, kind: str, at: Any, size: int) -> Any:
    from flows.models import FlowRun

    return FlowRun.objects.create(
        tenant=company.tenant,
        flow=company.flows[kind],
        trigger="schedule",
        status="succeeded",
        read=size,
        skipped=size,
        queued_at=at,
        started_at=at,
        heartbeat_at=at,
        finished_at=at,
    )


def log_rows(
    company: Company, kind: str, run: Any, first: int, size: int, at: Any
) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(run.pk)  # noqa: S311 - test data
    flow = company.flows[kind]
    for i in range(size):
        n = first + i
        key, entity, source, payload = record_of(kind, n, run.pk)
        roll = rng.random()
        action = "failed" if roll < 0.005 else "updated" if roll < 0.1 else "skipped"
        reason = {
            "failed": "the API refused the record: price must be 0 or more",
            "skipped": "unchanged since the last run: nothing to write",
            "updated": "",
        }[action]
        response = {"id": 100000 + n, "sku": key, "updatedAt": at.isoformat()}
        yield (
            company.tenant.pk,
            run.pk,
            flow.pk,
            entity,
            key,
            action,
            reason,
            source,
            payload,
            response if action == "updated" else None,
            None,
            str(100000 + n),
            1,
            at + timedelta(milliseconds=i),
            False,
        )


def record_of(kind: str, n: int, run_id: int) -> tuple[str, str, dict[str, Any], dict[str, Any]]:
    if kind in ("products", "stock"):
        key = sku(n)
        source = {
            "sku": key,
            "name": f"Stoel model {n}",
            "price_excl_vat": "49.50",
            "vat_rate": "21",
            "ean": "8712345678906",
            "current_stock": str(n % 40),
            "reserved_stock": "1",
            "long_description": "Een stevige eikenhouten stoel met rechte rugleuning. " * 3,
        }
        payload = {"sku": key, "name": f"Stoel model {n}", "price": 59.9, "quantity": n % 40}
        return key, "product" if kind == "products" else "stock", source, payload
    if kind == "customers":
        key = f"klant{n}@example.nl"
        source = {"email": key, "first_name": "Jan", "last_name": "Jansen", "city": "Utrecht"}
        return key, "customer", source, {"email": key, "firstName": "Jan", "lastName": "Jansen"}
    key = str(100000 + run_id * 10 + n)
    order: dict[str, Any] = {
        "number": key,
        "email": f"klant{n}@example.nl",
        "lines": [{"sku": sku(n)}],
    }
    return key, "order", order, {"reference": key, "debtorCustomerNumber": str(20000 + n)}


def copy_rows(rows: list[tuple[Any, ...]]) -> None:
    from django.db import connection

    connection.ensure_connection()
    raw = connection.connection
    assert raw is not None
    with raw.cursor() as cursor:
        statement = f"COPY flows_recordlog ({', '.join(COLUMNS)}) FROM STDIN"
        with cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([json.dumps(v) if isinstance(v, dict) else v for v in row])
    raw.commit()


def bulk_rows(rows: list[tuple[Any, ...]]) -> None:
    from flows.models import RecordLog

    RecordLog.objects.bulk_create(
        [
            RecordLog(
                **{
                    c.removesuffix("_id") + "_id" if c.endswith("_id") else c: v
                    for c, v in zip(COLUMNS, row, strict=True)
                }
            )
            for row in rows
        ],
        batch_size=2000,
    )


def analyze() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE flows_recordlog")


# ---- queries ------------------------------------------------------------------------------

Query = Callable[[Company, random.Random], dict[str, str]]


def queries() -> dict[str, Query]:
    """The activity page's requests: query-string parameters per company."""

    def deep(company: Company, rng: random.Random) -> dict[str, str]:
        from flows.models import RecordLog

        ids = RecordLog.objects.filter(tenant=company.tenant).order_by("-id")
        count = ids.count()
        back = rng.randint(count // 20, count // 2)
        return {"before": str(ids.values_list("id", flat=True)[back])}

    return {
        "first page": lambda c, rng: {},
        "deep page (keyset, 5-50 % back)": deep,
        "search by SKU (exact)": lambda c, rng: {"q": sku(rng.randrange(SKUS_PER_TENANT))},
        "search by SKU prefix": lambda c, rng: {"q": sku(rng.randrange(SKUS_PER_TENANT))[:8]},
        "search by email": lambda c, rng: {"q": f"klant{rng.randrange(SKUS_PER_TENANT)}@"},
        "failed only": lambda c, rng: {"action": "failed"},
        "one flow": lambda c, rng: {"flow": str(c.flows["customers"].pk)},
    }


def measure(name: str, make_query: Query, companies: list[Company], samples: int) -> dict[str, Any]:
    from django.test import Client

    rng = random.Random(name)  # noqa: S311 - test data
    clients = {}
    for company in companies:
        client = Client()
        client.force_login(company.owner)
        client.get("/activity/")  # warm-up: templates compiled, connection open
        clients[company.tenant.pk] = client
    view_ms, selector_ms, rows_found = [], [], []
    for _ in range(samples):
        company = rng.choice(companies)
        params = make_query(company, rng)
        started = time.perf_counter()
        response = clients[company.tenant.pk].get("/activity/", params)
        view_ms.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{name}: {response.status_code} for {params}")
        started = time.perf_counter()
        records = selector_page(company, params)
        selector_ms.append((time.perf_counter() - started) * 1000)
        rows_found.append(len(records))
    result = {
        "view_p50_ms": harness.percentile(view_ms, 0.5),
        "view_p95_ms": harness.percentile(view_ms, 0.95),
        "selector_p50_ms": harness.percentile(selector_ms, 0.5),
        "selector_p95_ms": harness.percentile(selector_ms, 0.95),
        "rows_per_page_median": harness.percentile([float(n) for n in rows_found], 0.5),
        "plan": explain(companies[0], make_query(companies[0], rng)),
    }
    print(
        f"  {name:<36} view p50 {result['view_p50_ms']:6.1f} ms, p95 "
        f"{result['view_p95_ms']:6.1f} ms; record_log_page p95 {result['selector_p95_ms']:6.1f} "
        f"ms; {result['rows_per_page_median']:.0f} rows"
    )
    return result


def filters_of(company: Company, params: dict[str, str]) -> tuple[Any, int | None]:
    from flows.selectors import RecordFilters

    filters = RecordFilters(
        flow_id=int(params["flow"]) if "flow" in params else None,
        action=params.get("action"),
        search=params.get("q"),
    )
    return filters, int(params["before"]) if "before" in params else None


def selector_page(company: Company, params: dict[str, str]) -> list[Any]:
    from flows.selectors import record_log_page

    filters, before = filters_of(company, params)
    records, _ = record_log_page(tenant=company.tenant, filters=filters, before_id=before, size=50)
    return records


def explain(company: Company, params: dict[str, str]) -> str:
    """The database's plan of the page query (PostgreSQL: EXPLAIN ANALYZE)."""
    from django.db import connection

    from flows.selectors import record_log_query

    filters, before = filters_of(company, params)
    logs = record_log_query(tenant=company.tenant, filters=filters).select_related("flow")
    if before is not None:
        logs = logs.filter(id__lt=before)
    page = logs.defer("source", "payload", "response", "diff")[:51]
    if connection.vendor != "postgresql":
        return page.explain()
    return page.explain(analyze=True, buffers=True)


if __name__ == "__main__":
    sys.exit(main())
