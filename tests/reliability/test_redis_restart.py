"""Redis (the broker and the cache) killed and restarted in the middle of a products run.

The Redis here keeps nothing on disk, so the killed server comes back empty: the message
of the slice that was running and any queued slice are gone, and the worker's call to the
shared rate limiter fails in the middle of a page. The scheduler's tick must notice the
run that stopped saving pages, fail it with a reason and start a successor that reads on
from the flow's cursor.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from connectors.asperion.sandbox.seed import seed_administration
from connectors.feeddex.sandbox import models as feeddex_db
from flows import services
from flows.models import FINISHED_STATUSES, Action, LedgerEntry, RecordLog, RunStatus, Trigger
from flows.tasks import schedule_due_flows_task
from tests.flows.conftest import Synced
from tests.reliability.conftest import (
    STALE_SECONDS,
    PrivateRedis,
    latest_run,
    product_codes,
    runs_of,
)
from tests.worker import celery_worker, wait_until

pytestmark = pytest.mark.worker

ARTICLES = 300  # three pages: the run dies with two to go
REDIS_DOWN_SECONDS = 3


def test_a_redis_restart_mid_run_is_resumed_and_loses_no_article(
    synced: Synced, private_redis: PrivateRedis, tmp_path: Any, settings: Any
):
    seed_administration(synced.administration, articles=ARTICLES, debtors=5, seed=7)
    expected = product_codes(synced)
    flow = synced.flow("products")
    # Redis may die under a slice or while the next slice waits in its queue.
    settings.FLOW_RUN_STALE_SECONDS = settings.FLOW_TASK_LOST_SECONDS = STALE_SECONDS
    env = {**private_redis.worker_env(), "FLOW_RUN_STALE_SECONDS": str(STALE_SECONDS)}
    with celery_worker(tmp_path, concurrency=1, extra_env=env) as worker:
        first = services.flow_run_start(flow=flow, trigger=Trigger.MANUAL)
        # Kill Redis once the run has saved a page, so that it dies with pages to go.
        assert wait_until(lambda: runs_of(flow)[0].read > 0, 120), worker.output()
        private_redis.kill()
        time.sleep(REDIS_DOWN_SECONDS)
        private_redis.start()

        def tick_until_finished() -> bool:
            schedule_due_flows_task()  # what beat does every 30 seconds
            return latest_run(flow).status in FINISHED_STATUSES

        assert wait_until(tick_until_finished, 150, step=1), worker.output()
    first, *successors = runs_of(flow)
    assert first.status == RunStatus.FAILED
    assert "no sign of life" in first.error or "next slice was lost" in first.error
    assert first.read < len(expected)  # it stopped with pages to go
    assert [run.status for run in successors] == [RunStatus.SUCCEEDED], [
        (run.status, run.error) for run in successors
    ]
    resumed = successors[0]
    assert f"run #{resumed.pk} carries on" in first.error
    assert resumed.params.resumes_run == first.pk
    assert resumed.trigger == Trigger.MANUAL
    skus = list(
        feeddex_db.Product.objects.filter(account=synced.account).values_list("sku", flat=True)
    )
    assert len(skus) == len(set(skus))  # no article twice
    assert set(skus) >= expected  # none lost
    # Every article ends with an outcome in the log of one of the two runs, none failed.
    logged = RecordLog.objects.filter(flow=flow, key__in=expected)
    assert set(logged.values_list("key", flat=True)) == expected
    assert not logged.filter(action=Action.FAILED).exists()
    assert LedgerEntry.objects.filter(flow=flow, source_key__in=expected).count() == len(expected)
    flow.refresh_from_db()
    assert flow.running_run_id is None
