"""Runs on a real Celery worker process: scheduling, and a worker killed mid-run."""

from __future__ import annotations

import pytest

from connectors.asperion.sandbox import models as asperion_db
from connectors.feeddex.sandbox import models as feeddex_db
from flows import services
from flows.models import FINISHED_STATUSES, Flow, FlowRun, RunStatus, Trigger
from tests.flows.conftest import Synced, article_codes, place
from tests.worker import celery_worker, wait_until

pytestmark = pytest.mark.worker


def finished(run: FlowRun) -> bool:
    run.refresh_from_db()
    return run.status in FINISHED_STATUSES


def test_the_scheduler_starts_due_flows_and_a_worker_runs_them(synced: Synced, tmp_path):
    flow = services.flow_set_enabled(flow=synced.flow("products"), enabled=True)
    services.integration_go_live(integration=synced.integration)
    with celery_worker(tmp_path) as worker:
        assert services.schedule_due_flows() == 1
        assert services.schedule_due_flows() == 0  # claimed: not started twice
        run = FlowRun.objects.get(flow=flow)
        assert run.trigger == Trigger.SCHEDULE
        assert wait_until(lambda: finished(run), 90), worker.output()
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.created > 0
    flow.refresh_from_db()
    assert flow.running_run_id is None
    assert flow.next_run_at is not None


def test_a_worker_killed_mid_run_resumes_without_booking_twice(shop: Synced, tmp_path):
    codes = article_codes(shop, 3)
    orders = [
        place(shop, email=f"klant{i}@example.nl", skus=codes[i % 3 : i % 3 + 1]) for i in range(24)
    ]
    # Slow Asperion down so that the run is still busy when its worker dies.
    shop.set_knobs(latency_ms=200)
    admin = shop.administration
    booked = asperion_db.SalesOrder.objects.filter(administration=admin)
    with celery_worker(tmp_path, concurrency=1) as worker:
        run = services.flow_run_start(flow=shop.flow("orders"), trigger=Trigger.MANUAL)
        assert wait_until(lambda: booked.count() >= 3, 120), worker.output()
        worker.kill_children()
        booked_when_killed = booked.count()
        run.refresh_from_db()
        assert run.status == RunStatus.RUNNING  # killed in the middle of the run
        assert booked_when_killed < len(orders)
        assert wait_until(lambda: finished(run), 240), worker.output()
    assert run.status == RunStatus.SUCCEEDED, run.error
    references = [str(r) for r in booked.values_list("reference", flat=True)]
    assert sorted(references) == sorted(o.number for o in orders)  # each exactly once
    assert (
        feeddex_db.Order.objects.filter(
            pk__in=[o.pk for o in orders], external_reference__isnull=True
        ).count()
        == 0
    )
    assert Flow.objects.get(pk=shop.flow("orders").pk).running_run_id is None
