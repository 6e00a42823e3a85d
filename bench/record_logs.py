"""A page's record logs and API calls written by INSERT (bulk_create) and by COPY; print the
times.

    .venv/bin/python bench/record_logs.py [rounds]

One page as a products first sync writes it: 250 record logs (the source article, the
payload sent, the answer) and 250 API calls, in one transaction, on its own PostgreSQL
database (`DATABASE_URL`'s server). The two ways are timed in turns (INSERT, COPY, INSERT,
...), so that a busy machine weighs on both alike; the figure is the median per page.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402
from bench.reply_parsing import ARTICLE, PRODUCT  # noqa: E402

PAGE = 250


def main(rounds: int = 15) -> None:
    env = harness.environment("recordlogs")
    harness.django_ready()
    try:
        measure(rounds)
    finally:
        harness.finish(env)


def page_rows(run: Any) -> tuple[list[Any], list[Any]]:
    from flows.models import Action, ApiCallLog, RecordLog

    logs = [
        RecordLog(
            tenant_id=run.tenant_id,
            run=run,
            flow_id=run.flow_id,
            entity="product",
            key=f"ART-{n:05d}",
            action=Action.CREATED,
            source={**ARTICLE, "id": n},
            payload={**PRODUCT, "sku": f"ART-{n:05d}"},
            response={**PRODUCT, "id": n},
            target_id=str(n),
            mapping_version=1,
        )
        for n in range(PAGE)
    ]
    calls = [
        ApiCallLog(run=run, system="feeddex", method="POST", path="/v1/products",
                   status=201, duration_ms=8, attempt=1)
        for _ in range(PAGE)
    ]  # fmt: skip
    return logs, calls


def measure(rounds: int) -> None:
    from django.db import transaction

    from flows.copy_rows import insert_rows
    from flows.models import ApiCallLog, FlowRun, RecordLog

    shop = harness.make_shop(articles=10)
    run = FlowRun.objects.create(tenant=shop.tenant, flow=shop.flow("products"), trigger="manual")

    def by_insert() -> None:
        logs, calls = page_rows(run)
        with transaction.atomic():
            RecordLog.objects.bulk_create(logs)
            ApiCallLog.objects.bulk_create(calls)

    def by_copy() -> None:
        logs, calls = page_rows(run)
        with transaction.atomic():
            insert_rows(RecordLog, logs)
            insert_rows(ApiCallLog, calls)

    ways: dict[str, Callable[[], None]] = {"insert": by_insert, "copy": by_copy}
    times: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(rounds):
        for name, work in ways.items():
            start = time.perf_counter()
            for _ in range(4):
                work()
            times[name].append((time.perf_counter() - start) / 4 * 1000)
    before, after = (statistics.median(times[k]) for k in ways)
    spread = {k: f"{min(v):.1f}-{max(v):.1f}" for k, v in times.items()}
    print(
        f"a page of {PAGE} record logs and {PAGE} API calls: INSERT {before:.1f} ms "
        f"({spread['insert']}), COPY {after:.1f} ms ({spread['copy']}), {before / after:.1f}x; "
        f"{(before - after) / PAGE * 1000:.0f} µs saved per record"
    )
    print("rows:", RecordLog.objects.filter(run=run).count(), "load:", os.getloadavg())


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
