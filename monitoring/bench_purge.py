"""Benchmark: purge N expired record logs; print the time taken and the longest batch.

    python -m monitoring.bench_purge [--rows 1000000] [--batch-size 1000] [--erase]

It never touches a real database: with DATABASE_URL (PostgreSQL) it creates a database of
its own beside the named one and drops it afterwards; without, it uses a throwaway SQLite
file in a temporary folder. Rows: `rows` record logs past the 90-day metadata retention
(in runs of 1,000, with an API call each) and 10 % fresh rows that must survive. With
--erase the expired rows are 31-89 days old instead: their payloads are erased, not deleted.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

RUN_SIZE = 1000
INSERT_CHUNK = 5000


@contextmanager
def own_database() -> Iterator[str]:
    """Point the settings at a database made for this run; yield its description."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        with tempfile.TemporaryDirectory(prefix="bench-purge-") as folder:
            os.environ["APICENTER_VAR_DIR"] = folder
            yield f"SQLite file in {folder}"
        return
    import psycopg

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'apicenter'}_bench_purge"
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
    try:
        yield f"PostgreSQL database {name}"
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


def make_world() -> Any:
    from tenants.services import signup
    from tests.factories import make_bare_integration, make_flow

    _, tenant = signup(email="bench@example.com", password="bench-purge-42", company_name="Bench")
    return make_flow(make_bare_integration(tenant), "customers")


def insert_rows(flow: Any, count: int, *, age: timedelta) -> None:
    from django.db import transaction
    from django.utils import timezone

    start = timezone.now() - age
    payload = {
        "email": "jan.jansen@example.nl",
        "first_name": "Jan",
        "last_name": "Jansen",
        "billing": {
            "street": "Keizersgracht",
            "house_number": "123",
            "postcode": "1015 CJ",
            "city": "Amsterdam",
            "country": "NL",
        },
    }
    for chunk in range(0, count, RUN_SIZE * 50):
        with transaction.atomic():  # fewer commits: SQLite syncs the file on each
            for first in range(chunk, min(count, chunk + RUN_SIZE * 50), RUN_SIZE):
                insert_run(
                    flow,
                    first=first,
                    size=min(RUN_SIZE, count - first),
                    start=start,
                    payload=payload,
                )


def insert_run(flow: Any, *, first: int, size: int, start: Any, payload: dict[str, Any]) -> None:
    from flows.models import ApiCallLog, FlowRun, RecordLog

    at = start + timedelta(seconds=first)
    run = FlowRun.objects.create(
        tenant_id=flow.tenant_id,
        flow=flow,
        trigger="schedule",
        status="succeeded",
        queued_at=at,
        finished_at=at,
    )
    ApiCallLog.objects.create(
        run=run, system="feeddex", method="PUT", path="/customers", status=200, created_at=at
    )
    RecordLog.objects.bulk_create(
        [
            RecordLog(
                tenant_id=flow.tenant_id,
                run=run,
                flow=flow,
                entity="customer",
                key=f"c{first + i}",
                action="updated",
                source=payload,
                payload=payload,
                response={"id": first + i},
                created_at=at + timedelta(milliseconds=i),
            )
            for i in range(size)
        ],
        batch_size=INSERT_CHUNK,
    )


def bench(rows: int, batch_size: int, erase: bool) -> None:
    from django.core.management import call_command
    from django.db import connection

    from flows.models import RecordLog
    from monitoring.purge import purge_expired

    call_command("migrate", verbosity=0)
    flow = make_world()
    started = time.monotonic()
    age = timedelta(days=60) if erase else timedelta(days=120)
    insert_rows(flow, rows, age=age)
    insert_rows(flow, rows // 10, age=timedelta(days=1))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"inserted {rows + rows // 10:,} record logs in {time.monotonic() - started:.1f} s")

    started = time.monotonic()
    progress = purge_expired(batch_size=batch_size)
    took = time.monotonic() - started
    t = progress.totals
    print(
        f"purged: {t.record_logs_deleted:,} record logs deleted, {t.payloads_purged:,} payloads"
        f" erased, {t.runs_deleted:,} runs and {t.api_calls_deleted:,} API calls deleted"
    )
    print(
        f"time: {took:.1f} s in {progress.batches:,} batches of at most {batch_size}; "
        f"longest batch {progress.longest_batch_seconds * 1000:.0f} ms "
        f"({progress.longest_step}); "
        f"{(t.record_logs_deleted + t.payloads_purged) / took:,.0f} record logs/s"
    )
    left = RecordLog.objects.count()
    print(f"record logs left: {left:,} (expected {rows // 10 + (rows if erase else 0):,})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--erase", action="store_true")
    options = parser.parse_args()
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "apicenter.settings")
    with own_database() as where:
        import django

        django.setup()
        from django.conf import settings

        settings.DEBUG = False  # no query log growing by a million entries
        print(f"purge benchmark on {where}")
        bench(options.rows, options.batch_size, options.erase)


if __name__ == "__main__":
    main()
