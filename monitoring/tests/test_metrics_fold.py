"""Counting runs into the counters of /metrics: each page once, across scrapes, for good."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from connectors.counters import key_of
from flows.models import ApiCallLog, FlowRun, RunStatus, Trigger
from monitoring.metrics import SETTLE, fold_runs
from monitoring.models import FoldedRun, MetricsFold, MetricTotal
from tests.factories import make_run

pytestmark = pytest.mark.django_db


def total(name: str, **labels: str) -> float:
    row = MetricTotal.objects.filter(name=name, labels=key_of(name, labels)[1]).first()
    return row.value if row else 0.0


def records(kind: str = "products") -> dict[str, float]:
    actions = ("created", "updated", "skipped", "failed")
    return {action: total("records", kind=kind, action=action) for action in actions}


def running(flow, **counts) -> FlowRun:
    now = timezone.now()
    return FlowRun.objects.create(
        tenant_id=flow.tenant_id,
        flow=flow,
        trigger=Trigger.MANUAL,
        status=RunStatus.RUNNING,
        started_at=now,
        heartbeat_at=now,
        **counts,
    )


def calls(run: FlowRun, system: str, *statuses: int | None) -> None:
    ApiCallLog.objects.bulk_create(
        ApiCallLog(run=run, system=system, method="GET", path="/x", status=status)
        for status in statuses
    )


def finish(run: FlowRun, *, after: float, status: str = RunStatus.SUCCEEDED) -> None:
    assert run.started_at is not None
    FlowRun.objects.filter(pk=run.pk).update(
        status=status, finished_at=run.started_at + timedelta(seconds=after)
    )


def test_the_first_fold_only_marks_where_counting_starts(team):
    history = make_run(team.products, read=5, failed=2)
    assert fold_runs() == 0
    assert MetricsFold.objects.get().runs_through == history.pk
    assert not MetricTotal.objects.exists()
    fold_runs()
    assert not MetricTotal.objects.exists()  # the run before the start stays history


def test_a_running_run_is_counted_page_by_page_and_each_page_once(team):
    fold_runs()
    run = running(team.products, created=3, updated=1)
    calls(run, "asperion", 200, 200)
    calls(run, "feeddex", 429, None)
    fold_runs()
    assert records() == {"created": 3, "updated": 1, "skipped": 0, "failed": 0}
    assert total("api_calls", system="asperion", status="2xx") == 2
    assert total("api_calls", system="feeddex", status="429") == 1
    assert total("api_calls", system="feeddex", status="none") == 1
    assert total("runs", kind="products", status="succeeded", trigger="manual") == 0
    fold_runs()  # a second scrape with nothing new adds nothing
    assert records() == {"created": 3, "updated": 1, "skipped": 0, "failed": 0}
    assert total("api_calls", system="asperion", status="2xx") == 2
    # The next page.
    FlowRun.objects.filter(pk=run.pk).update(created=5, failed=1)
    calls(run, "feeddex", 201, 422)
    fold_runs()
    assert records() == {"created": 5, "updated": 1, "skipped": 0, "failed": 1}
    assert total("api_calls", system="feeddex", status="2xx") == 1
    assert total("api_calls", system="feeddex", status="4xx") == 1
    assert total("api_calls", system="feeddex", status="429") == 1


def test_a_finished_run_is_counted_once_with_its_duration(team):
    fold_runs()
    run = running(team.orders, created=2)
    fold_runs()
    finish(run, after=90, status=RunStatus.FAILED)
    fold_runs()
    fold_runs()
    assert total("runs", kind="orders", status="failed", trigger="manual") == 1
    assert total("run_duration_seconds_bucket", kind="orders", le="120.0") == 1
    assert total("run_duration_seconds_sum", kind="orders") == 90
    assert records("orders")["created"] == 2


def test_a_dry_run_counts_as_a_run_but_its_records_do_not(team):
    fold_runs()
    make_run(team.products, trigger=Trigger.DRY_RUN, read=7)
    fold_runs()
    assert total("runs", kind="products", status="succeeded", trigger="dry_run") == 1
    assert records() == {"created": 0, "updated": 0, "skipped": 0, "failed": 0}


def test_the_mark_passes_runs_counted_in_full_once_they_settled(team):
    fold_runs()
    done = make_run(team.products, read=1)
    going = running(team.orders, created=1)
    fold_runs()
    # Both too young to pass: a run with a lower id might still be committing.
    assert MetricsFold.objects.get().runs_through < done.pk
    later = timezone.now() + SETTLE + timedelta(seconds=1)
    fold_runs(now=later)
    assert MetricsFold.objects.get().runs_through == done.pk  # the running run holds it
    assert list(FoldedRun.objects.values_list("run_id", flat=True)) == [going.pk]
    finish(going, after=5)
    fold_runs(now=later)
    assert MetricsFold.objects.get().runs_through == going.pk
    assert not FoldedRun.objects.exists()
    assert total("runs", kind="products", status="succeeded", trigger="schedule") == 1
    assert total("runs", kind="orders", status="succeeded", trigger="manual") == 1


def test_purging_runs_never_lowers_a_counter(team):
    fold_runs()
    run = make_run(team.products, read=4, failed=1)
    calls(run, "asperion", 200)
    fold_runs()
    before = {(t.name, t.labels): t.value for t in MetricTotal.objects.all()}
    FlowRun.objects.all().delete()  # what the purge does after the retention period
    fold_runs(now=timezone.now() + SETTLE * 2)
    assert {(t.name, t.labels): t.value for t in MetricTotal.objects.all()} == before
    assert records()["failed"] == 1
