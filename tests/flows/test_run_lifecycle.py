"""Run lifecycle rules: paused tenants, stale runs, masking of stored personal data."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from flows import services
from flows.models import FlowRun, RecordLog, RunStatus, Trigger
from flows.run_params import RunParams
from monitoring.services import monitoring_settings_update
from tenants.models import PlanStatus
from tests.flows.conftest import Synced, assert_succeeded


def test_a_paused_tenant_runs_nothing(synced: Synced):
    tenant = synced.tenant
    tenant.plan_status = PlanStatus.PAUSED
    tenant.save(update_fields=["plan_status"])
    run = synced.run("products")
    assert run.status == RunStatus.CANCELLED
    assert "trial has ended" in run.error
    assert not RecordLog.objects.exists()


def test_a_run_without_heartbeat_is_taken_over_and_marked_failed(synced: Synced):
    flow = synced.flow("customers")
    dead = FlowRun.objects.create(
        tenant=synced.tenant,
        flow=flow,
        trigger=Trigger.MANUAL,
        status=RunStatus.RUNNING,
        heartbeat_at=timezone.now() - timedelta(minutes=10),
    )
    flow.running_run = dead
    flow.save(update_fields=["running_run"])
    run = synced.run("customers")
    assert_succeeded(run)
    dead.refresh_from_db()
    assert dead.status == RunStatus.FAILED
    assert "worker stopped" in dead.error


def test_the_tick_hands_stalled_runs_to_one_successor_each(synced: Synced):
    long_ago = timezone.now() - timedelta(hours=2)
    silent = FlowRun.objects.create(
        tenant=synced.tenant,
        flow=synced.flow("customers"),
        trigger=Trigger.MANUAL,
        status=RunStatus.RUNNING,
        heartbeat_at=long_ago,
        params={"busy_attempts": 3, "record_log_ids": [1, 2]},
    )
    lost = FlowRun.objects.create(
        tenant=synced.tenant, flow=synced.flow("products"), trigger=Trigger.SCHEDULE
    )
    FlowRun.objects.filter(pk=lost.pk).update(queued_at=long_ago)
    alive = FlowRun.objects.create(
        tenant=synced.tenant,
        flow=synced.flow("stock"),
        trigger=Trigger.MANUAL,
        status=RunStatus.RUNNING,
        heartbeat_at=timezone.now(),
    )
    assert services.resume_stalled_runs() == 2
    assert services.resume_stalled_runs() == 0  # a second tick starts nothing more
    assert FlowRun.objects.filter(params__has_key="resumes_run").count() == 2
    for stalled, phrase in ((silent, "no sign of life"), (lost, "task was lost")):
        stalled.refresh_from_db()
        successor = FlowRun.objects.get(params__resumes_run=stalled.pk)
        assert stalled.status == RunStatus.FAILED
        assert phrase in stalled.error
        assert f"run #{successor.pk}" in stalled.error
        assert (successor.flow_id, successor.trigger) == (stalled.flow_id, stalled.trigger)
        assert successor.status == RunStatus.QUEUED
    successor = FlowRun.objects.get(params__resumes_run=silent.pk)
    assert successor.params == RunParams(record_log_ids=[1, 2], resumes_run=silent.pk)
    alive.refresh_from_db()
    assert alive.status == RunStatus.RUNNING


def test_a_run_waiting_in_the_queue_for_its_next_slice_is_not_taken_for_dead(synced: Synced):
    def between_slices(kind: str, queued_ago: timedelta) -> FlowRun:
        return FlowRun.objects.create(
            tenant=synced.tenant,
            flow=synced.flow(kind),
            trigger=Trigger.MANUAL,
            status=RunStatus.RUNNING,
            heartbeat_at=timezone.now() - queued_ago,
            between_slices=True,
        )

    # Behind many tenants' slices for ten minutes: twice the silence of a dead worker.
    waiting = between_slices("customers", timedelta(minutes=10))
    lost = between_slices("products", timedelta(hours=2))
    assert services.resume_stalled_runs() == 1
    waiting.refresh_from_db()
    assert waiting.status == RunStatus.RUNNING
    lost.refresh_from_db()
    assert lost.status == RunStatus.FAILED
    assert "next slice was lost in the queue" in lost.error
    successor = FlowRun.objects.get(params__resumes_run=lost.pk)
    assert not successor.between_slices
    # Another run of the waiting run's flow finds it busy, not dead.
    flow = synced.flow("customers")
    flow.running_run = waiting
    flow.save(update_fields=["running_run"])
    other = FlowRun.objects.create(tenant=synced.tenant, flow=flow, trigger=Trigger.MANUAL)
    assert not services.claim_flow(other)


def test_a_busy_flow_cancels_a_scheduled_run(synced: Synced):
    flow = synced.flow("customers")
    busy = FlowRun.objects.create(
        tenant=synced.tenant,
        flow=flow,
        trigger=Trigger.MANUAL,
        status=RunStatus.RUNNING,
        heartbeat_at=timezone.now(),
    )
    flow.running_run = busy
    flow.save(update_fields=["running_run"])
    run = synced.run("customers", trigger=Trigger.SCHEDULE)
    assert run.status == RunStatus.CANCELLED
    assert "busy" in run.error


def test_masking_keeps_no_personal_data_in_the_log(synced: Synced):
    monitoring_settings_update(tenant=synced.tenant, data={"mask_personal_data": True})
    run = synced.run("customers")
    assert_succeeded(run)
    log = RecordLog.objects.filter(run=run, action="created").first()
    assert log is not None
    assert log.payload is not None
    assert log.source is not None
    email = log.payload["email"]
    assert "@" in email
    assert "*" in email
    assert "*" in log.key
    assert log.source["email"] == email


def test_enabling_a_flow_makes_it_due_now(synced: Synced):
    flow = synced.flow("stock")
    flow.next_run_at = timezone.now() + timedelta(days=3)
    flow.save(update_fields=["next_run_at"])
    services.flow_set_enabled(flow=flow, enabled=True)
    assert flow.next_run_at <= timezone.now()


def test_a_run_that_finds_its_flow_busy_asks_again_soon_then_less_often():
    pauses = [services.busy_countdown(attempt) for attempt in range(services.BUSY_RETRIES)]
    assert pauses[:7] == [0.5, 1, 2, 4, 8, 10, 10]
    # A webhook's run waits half a second behind the order booked just before it, yet a
    # run behind a long sync still waits five minutes before it is skipped.
    assert sum(pauses) >= 300
