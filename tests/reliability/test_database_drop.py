"""The worker's PostgreSQL connections terminated in the middle of an orders run."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from connectors.asperion.sandbox import models as asperion_db
from connectors.feeddex.sandbox import models as feeddex_db
from flows import services
from flows.models import FINISHED_STATUSES, Flow, FlowRun, RunStatus, Trigger
from tests.flows.conftest import Synced, article_codes, place
from tests.worker import celery_worker, wait_until

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="terminates server connections: SQLite has no server (CI runs on PostgreSQL)",
    ),
]

# The worker's connections carry this name (libpq reads PGAPPNAME), so that only they are
# dropped and the sandboxes served by this process keep theirs.
WORKER_APPLICATION = "apicenter-test-worker"


def terminate_worker_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "select pg_terminate_backend(pid) from pg_stat_activity"
            " where datname = current_database() and application_name = %s"
            " and pid <> pg_backend_pid()",
            [WORKER_APPLICATION],
        )
        return len(cursor.fetchall())


def finished(run: FlowRun) -> bool:
    run.refresh_from_db()
    return run.status in FINISHED_STATUSES


def test_a_dropped_database_connection_mid_run_books_every_order_once(shop: Synced, tmp_path: Any):
    codes = article_codes(shop, 3)
    orders = [
        place(shop, email=f"klant{i}@example.nl", skus=codes[i % 3 : i % 3 + 1]) for i in range(24)
    ]
    # Slow Asperion down so that the run is still busy when its connection drops.
    shop.set_knobs(latency_ms=200)
    booked = asperion_db.SalesOrder.objects.filter(administration=shop.administration)
    env = {"PGAPPNAME": WORKER_APPLICATION}
    with celery_worker(tmp_path, concurrency=1, extra_env=env) as worker:
        run = services.flow_run_start(flow=shop.flow("orders"), trigger=Trigger.MANUAL)
        assert wait_until(lambda: booked.count() >= 3, 120), worker.output()
        assert terminate_worker_connections() >= 1
        booked_when_dropped = booked.count()
        assert wait_until(lambda: finished(run), 180), worker.output()
        output = worker.output()
    assert booked_when_dropped < len(orders)  # dropped in the middle of the run
    assert "Retry in" in output  # the slice was retried on a new connection
    assert run.status == RunStatus.SUCCEEDED, run.error
    references = [str(r) for r in booked.values_list("reference", flat=True)]
    assert sorted(references) == sorted(o.number for o in orders)  # each exactly once
    unbooked = feeddex_db.Order.objects.filter(
        pk__in=[o.pk for o in orders], external_reference__isnull=True
    )
    assert not unbooked.exists()
    assert Flow.objects.get(pk=shop.flow("orders").pk).running_run_id is None
