"""On a real Celery worker: a run's JSON log lines and slice lengths, the worker's and the
scheduler's health checks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from flows import services
from flows.models import FlowRun, RunStatus, Trigger
from flows.tasks import schedule_due_flows_task
from monitoring.models import Heartbeat
from tests.flows.conftest import Synced, assert_succeeded
from tests.operations.conftest import scrape
from tests.worker import ROOT, Worker, celery_worker, wait_until


def finished(run: FlowRun) -> bool:
    run.refresh_from_db()
    return run.status not in (RunStatus.QUEUED, RunStatus.RUNNING)


def json_lines(worker: Worker) -> list[dict[str, Any]]:
    """The worker's log lines that are JSON (Celery's banner is not)."""
    lines = []
    for text in worker.output().splitlines():
        if text.startswith("{"):
            lines.append(json.loads(text))
    return lines


def lines_of_run(worker: Worker, run: FlowRun) -> list[dict[str, Any]]:
    return [line for line in json_lines(worker) if line["run_id"] == run.pk]


def task_succeeded(worker: Worker, run: FlowRun) -> bool:
    return any("succeeded" in line["message"] for line in lines_of_run(worker, run))


@pytest.mark.worker
def test_a_runs_lines_on_a_worker_carry_its_ids_and_its_slice_is_timed(
    synced: Synced, tmp_path, metrics_token
):
    before = scrape()
    with celery_worker(tmp_path, extra_env={"LOG_FORMAT": "json"}) as worker:
        run = services.flow_run_start(flow=synced.flow("products"), trigger=Trigger.MANUAL)
        assert wait_until(lambda: finished(run), 120), worker.output()
        # Celery's line about the task's end comes just after the run's last write.
        assert wait_until(lambda: task_succeeded(worker, run), 30), worker.output()
        lines = lines_of_run(worker, run)
    assert_succeeded(run)
    assert "flows.tasks.run_flow_task" in {line["task"] for line in lines}
    for line in lines:  # the run's slices, and the monitoring's look at the finished run
        assert line["tenant_id"] == synced.tenant.pk
        assert line["flow_id"] == run.flow_id
        assert line["request_id"]  # the task's id
    slices = "apicenter_slice_seconds_count"
    assert scrape().value(slices, kind="products") - before.value(slices, kind="products") >= 1


def health_check(*args: str) -> subprocess.CompletedProcess[str]:
    """Run a health command as the container does: a process of its own."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=dict(os.environ),  # the test's own broker (tests/parallel.py)
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.worker
def test_worker_health_pings_the_worker_and_beat_health_sees_its_tick(transactional_db, tmp_path):
    with celery_worker(tmp_path, concurrency=1) as worker:
        answered = health_check("worker_health", "--timeout", "30")  # celery@<this host>
        assert answered.returncode == 0, answered.stderr
        assert "answered" in answered.stdout
        silent = health_check("worker_health", "--node", "nobody@%h", "--timeout", "1")
        assert silent.returncode == 1
        assert "nobody@" in silent.stderr
        with pytest.raises(CommandError, match="has not published"):
            call_command("beat_health")
        schedule_due_flows_task.delay()  # as beat publishes it every 30 seconds
        assert Heartbeat.objects.filter(name="beat").exists()
        call_command("beat_health")
        # The worker ran the tick: the other heartbeat, that /metrics shows.
        assert wait_until(lambda: Heartbeat.objects.filter(name="tick").exists(), 60), (
            worker.output()
        )


@pytest.mark.django_db
def test_beat_health_fails_when_the_last_tick_is_stale(settings):
    settings.BEAT_STALE_SECONDS = 150
    Heartbeat.objects.create(name="beat", at=timezone.now() - timedelta(seconds=400))
    with pytest.raises(CommandError, match="seconds old"):
        call_command("beat_health")
    Heartbeat.objects.filter(name="beat").update(at=timezone.now() - timedelta(seconds=100))
    call_command("beat_health")
