"""Run lifecycle rules: paused tenants, stale runs, masking of stored personal data."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from flows import services
from flows.models import FlowRun, RecordLog, RunStatus, Trigger
from monitoring.services import monitoring_settings_update
from tenants.models import PlanStatus
from tests.flows.conftest import Synced, assert_succeeded


def test_a_paused_tenant_runs_nothing(synced: Synced):
    tenant = synced.tenant
    tenant.plan_status = PlanStatus.PAUSED
    tenant.save(update_fields=["plan_status"])
    run = synced.run("products")
    assert run.status == RunStatus.SKIPPED
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


def test_a_busy_flow_makes_a_scheduled_run_skip(synced: Synced):
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
    assert run.status == RunStatus.SKIPPED
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
