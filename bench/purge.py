"""Purge of N expired record logs with the monitoring app's purge; JSON result per repeat.

    .venv/bin/python bench/purge.py [--rows 1000000] [--batch-size 1000] [--repeat 1]

The rows are made by the monitoring app's own benchmark (monitoring/bench_purge.py: runs of
1,000 record logs past the 90-day retention, each run with an API call, and 10 % fresh rows
that must survive); this script runs `monitoring.purge.purge_expired` on them in the
benchmark database of bench/harness.py, checks what is left, and writes the figures.
Targets: ≤ 60 s in all, no single batch over 1 s. Inserting a million rows takes a few
minutes, so one repeat is the default.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    options = parser.parse_args()
    env = harness.environment("purge")
    harness.django_ready()
    ok = False
    try:
        rows = [purge_once(options.rows, options.batch_size) for _ in range(options.repeat)]
        print("summary:")
        harness.print_spread("purge time (target ≤ 60 s)", [r["seconds"] for r in rows], " s", 1)
        harness.print_spread(
            "longest batch (target ≤ 1 s)", [r["longest_batch_seconds"] for r in rows], " s", 3
        )
        result = {
            "rows": options.rows,
            "batch_size": options.batch_size,
            "runs": rows,
            "seconds": harness.spread([r["seconds"] for r in rows]),
            "longest_batch_seconds": harness.spread([r["longest_batch_seconds"] for r in rows]),
        }
        print(f"result: {harness.write_result('purge', env, result)}")
        ok = True
    finally:
        harness.finish(env, keep=options.keep or not ok)
    return 0


def purge_once(rows: int, batch_size: int) -> dict[str, Any]:
    from django.db import connection

    from flows.models import RecordLog
    from monitoring.bench_purge import insert_rows
    from monitoring.purge import purge_expired

    RecordLog.objects.all().delete()
    flow = world()
    started = time.monotonic()
    insert_rows(flow, rows, age=timedelta(days=120))
    insert_rows(flow, rows // 10, age=timedelta(days=1))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    print(
        f"purge: inserted {rows + rows // 10:,} record logs in {time.monotonic() - started:.0f} s"
    )
    started = time.monotonic()
    progress = purge_expired(batch_size=batch_size)
    took = time.monotonic() - started
    left = RecordLog.objects.count()
    totals = progress.totals
    figures = {
        "seconds": took,
        "batches": progress.batches,
        "longest_batch_seconds": progress.longest_batch_seconds,
        "longest_step": progress.longest_step,
        "record_logs_deleted": totals.record_logs_deleted,
        "runs_deleted": totals.runs_deleted,
        "api_calls_deleted": totals.api_calls_deleted,
        "record_logs_left": left,
        "record_logs_per_second": totals.record_logs_deleted / took,
    }
    print(
        f"  {totals.record_logs_deleted:,} deleted in {took:.1f} s ({progress.batches:,} "
        f"batches, longest {progress.longest_batch_seconds * 1000:.0f} ms in "
        f"{progress.longest_step}); {left:,} left (expected {rows // 10:,})"
    )
    if left != rows // 10:
        raise RuntimeError(f"the purge left {left} record logs, expected {rows // 10}")
    return figures


_world: list[Any] = []


def world() -> Any:
    """The tenant and flow of the rows, made once per database (signup takes an email once)."""
    from monitoring.bench_purge import make_world

    if not _world:
        _world.append(make_world())
    return _world[0]


if __name__ == "__main__":
    sys.exit(main())
