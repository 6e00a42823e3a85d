"""Retention: exactly the expired rows of each tenant go, in batches, with an audit row."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from flows.models import ApiCallLog, Flow, FlowRun, RecordLog, RunStatus
from monitoring.models import PurgeAudit
from monitoring.purge import purge_expired, purge_slice
from monitoring.services import monitoring_settings_update
from tests.factories import make_bare_integration, make_flow, make_run

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def fill(flow: Flow, *, days_ago: float, records: int, calls: int = 0) -> FlowRun:
    """One run `days_ago` old with its record logs (full payloads) and API calls."""
    at = NOW - timedelta(days=days_ago)
    run = make_run(flow, RunStatus.SUCCEEDED, read=records, at=at)
    payload = {"email": "jan@example.nl", "name": "Jan"}
    RecordLog.objects.bulk_create(
        [
            RecordLog(
                tenant_id=flow.tenant_id,
                run=run,
                flow=flow,
                entity="customer",
                key=f"k{i}",
                action="created",
                source=payload,
                payload=payload,
                response={"id": i},
                created_at=at + timedelta(seconds=i),
            )
            for i in range(records)
        ],
        batch_size=1000,
    )
    ApiCallLog.objects.bulk_create(
        [
            ApiCallLog(
                run=run,
                system="feeddex",
                method="POST",
                path="/customers",
                status=201,
                created_at=at,
            )
            for _ in range(calls)
        ]
    )
    return run


@pytest.fixture
def two_tenants(world: Any) -> dict[str, Any]:
    mine = make_flow(make_bare_integration(world.tenant), "customers")
    theirs = make_flow(make_bare_integration(world.other_tenant), "customers")
    # The other tenant keeps everything for a year.
    monitoring_settings_update(
        tenant=world.other_tenant,
        data={"payload_retention_days": 365, "metadata_retention_days": 365},
    )
    runs = {
        "ancient": fill(mine, days_ago=120, records=1500, calls=700),
        "old": fill(mine, days_ago=60, records=1200, calls=10),
        "recent": fill(mine, days_ago=2, records=300, calls=5),
        "theirs": fill(theirs, days_ago=120, records=400, calls=20),
    }
    return {"world": world, "flow": mine, **runs}


def test_purge_deletes_and_erases_exactly_the_expired_rows(two_tenants: dict[str, Any]) -> None:
    world = two_tenants["world"]

    progress = purge_expired(batch_size=500, now=NOW)

    assert progress.done
    # Past 90 days: the ancient run, its 1,500 record logs and 700 API calls are gone.
    assert not FlowRun.objects.filter(pk=two_tenants["ancient"].pk).exists()
    assert not RecordLog.objects.filter(run=two_tenants["ancient"]).exists()
    assert not ApiCallLog.objects.filter(run=two_tenants["ancient"]).exists()
    # Past 30 days: the old run's logs stay, their payloads are erased.
    old_logs = RecordLog.objects.filter(run=two_tenants["old"])
    assert old_logs.count() == 1200
    erased = old_logs.filter(
        payload_purged=True,
        source__isnull=True,
        payload__isnull=True,
        response__isnull=True,
        diff__isnull=True,
    )
    assert erased.count() == 1200
    # Recent rows and the other tenant's rows (a year's retention) are untouched.
    recent = RecordLog.objects.filter(run=two_tenants["recent"])
    assert recent.filter(payload_purged=False, payload__email="jan@example.nl").count() == 300
    theirs = RecordLog.objects.filter(tenant=world.other_tenant)
    assert theirs.filter(payload_purged=False).count() == 400
    assert ApiCallLog.objects.filter(run=two_tenants["theirs"]).count() == 20

    assert (progress.totals.record_logs_deleted, progress.totals.api_calls_deleted) == (1500, 700)
    assert (progress.totals.runs_deleted, progress.totals.payloads_purged) == (1, 1200)
    # 1,500 logs in batches of 500 (and one empty look), never more than 500 at a time.
    assert progress.batches >= 3 + 2 + 1 + 3


def test_each_purged_tenant_gets_one_audit_row_with_the_range(
    two_tenants: dict[str, Any],
) -> None:
    world = two_tenants["world"]
    purge_expired(batch_size=500, now=NOW)
    purge_expired(batch_size=500, now=NOW)  # nothing left: no second row

    audit = PurgeAudit.objects.get()
    assert audit.tenant == world.tenant
    assert (audit.record_logs_deleted, audit.api_calls_deleted, audit.runs_deleted) == (
        1500,
        700,
        1,
    )
    assert audit.payloads_purged == 1200
    ancient_at: datetime = two_tenants["ancient"].queued_at
    assert audit.oldest_at == ancient_at
    assert audit.newest_at == two_tenants["old"].queued_at + timedelta(seconds=1199)
    assert audit.finished_at is not None
    assert audit.metadata_cutoff == NOW - timedelta(days=90)


def test_a_slice_out_of_time_queues_the_rest_and_the_pass_finishes(
    two_tenants: dict[str, Any], settings: Any
) -> None:
    first = purge_slice(pass_id=None, batch_size=500, slice_seconds=0)
    assert first.status == "continued"
    assert first.next_slice is not None
    # A budget of 0 still does one batch, so that a chain of slices always advances.
    assert RecordLog.objects.count() == 1000 + 1200 + 300 + 400

    assert purge_slice(pass_id=None).status == "busy"  # no second pass meanwhile

    pass_id, after, started, size = first.next_slice
    outcome = purge_slice(pass_id=pass_id, after_tenant_id=after, started=started, batch_size=size)
    assert outcome.status == "done"
    assert RecordLog.objects.count() == 1200 + 300 + 400
    assert PurgeAudit.objects.get().pass_id == pass_id
    assert purge_slice(pass_id=None).status == "done"  # the lock was released


def test_the_purge_task_chains_itself_until_done(
    two_tenants: dict[str, Any], eager_celery: None, monkeypatch: Any
) -> None:
    from monitoring import purge
    from monitoring.tasks import purge_task

    # A slice long enough for one batch only, so that the chain has several links.
    monkeypatch.setattr(purge, "SLICE_SECONDS", 0.000001)
    result = purge_task.delay(batch_size=500)

    assert result.get() in ("continued", "done")
    assert RecordLog.objects.count() == 1200 + 300 + 400
    assert PurgeAudit.objects.get().record_logs_deleted == 1500


def test_payloads_are_never_kept_longer_than_metadata(world: Any) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        monitoring_settings_update(
            tenant=world.tenant,
            data={"payload_retention_days": 91, "metadata_retention_days": 90},
        )
    assert "payload_retention_days" in error.value.message_dict


def test_a_plans_log_retention_caps_what_the_company_keeps(world: Any) -> None:
    from decimal import Decimal

    from tenants.models import Plan, PlanStatus

    paying = make_flow(make_bare_integration(world.tenant), "customers")
    trial = make_flow(make_bare_integration(world.other_tenant), "customers")
    plan = Plan.objects.create(
        slug="week",
        name="Week",
        price_excl_vat=Decimal("5.00"),
        max_integrations=1,
        records_per_month=100,
        log_retention_days=7,
    )
    world.tenant.plan, world.tenant.plan_status = plan, PlanStatus.ACTIVE
    world.tenant.save(update_fields=["plan", "plan_status"])
    # Both ask to keep a year; the plan allows the paying company a week.
    for tenant in (world.tenant, world.other_tenant):
        monitoring_settings_update(
            tenant=tenant, data={"payload_retention_days": 365, "metadata_retention_days": 365}
        )
    old_paying = fill(paying, days_ago=10, records=3)
    old_trial = fill(trial, days_ago=10, records=3)
    recent = fill(paying, days_ago=2, records=3)

    purge_expired(now=NOW)

    assert not FlowRun.objects.filter(pk=old_paying.pk).exists()
    assert FlowRun.objects.filter(pk__in=[old_trial.pk, recent.pk]).count() == 2
