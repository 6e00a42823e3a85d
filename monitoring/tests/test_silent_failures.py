"""Silent failures, with the clock moved: no success for N intervals, stuck runs, no orders.

Each alert fires once (however often the periodic check runs) and recovers once.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from flows.models import FlowRun, RunStatus
from monitoring.models import Incident, IncidentKind, IncidentStatus
from monitoring.tasks import check_incidents_task
from tests.factories import make_run

pytestmark = pytest.mark.django_db

START = timezone.now().replace(microsecond=0)


def check(deliver: Any) -> None:
    with deliver():
        check_incidents_task()


def owner_mail() -> list[Any]:
    return [m for m in mail.outbox if m.to == ["alice@example.com"]]


def test_a_flow_without_success_for_three_intervals_alerts_once(team: Any, deliver: Any) -> None:
    with time_machine.travel(START, tick=False) as clock:
        make_run(team.products, RunStatus.SUCCEEDED, read=1)
        clock.shift(timedelta(minutes=61))
        make_run(team.products, RunStatus.QUEUED)  # queued, and no worker picks it up
        clock.shift(timedelta(minutes=170))
        check(deliver)
        assert owner_mail() == []  # 2 h 50 min of trying: under 3 × 60 minutes

        clock.shift(timedelta(minutes=11))
        check(deliver)
        check(deliver)
        [email] = owner_mail()
        assert "has not completed a run for 3.0 hours" in email.subject
        assert "every 60 minutes" in email.body
        assert Incident.objects.get().kind == IncidentKind.NO_SUCCESS

        FlowRun.objects.filter(status=RunStatus.QUEUED).update(
            status=RunStatus.SUCCEEDED, finished_at=timezone.now()
        )
        check(deliver)
        check(deliver)
        assert [m.subject for m in owner_mail()][1].startswith("[APIcenter] Alice BV: Resolved")
        assert len(owner_mail()) == 2


def test_a_long_first_sync_that_saves_progress_is_no_failure(team: Any, deliver: Any) -> None:
    with time_machine.travel(START, tick=False) as clock:
        run = make_run(team.products, RunStatus.RUNNING)
        for _ in range(8):  # four hours of pages, each saving a heartbeat
            clock.shift(timedelta(minutes=30))
            FlowRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now())
            check(deliver)
    assert mail.outbox == []


def test_a_run_without_heartbeat_is_stuck_once_until_a_run_finishes(
    team: Any, deliver: Any
) -> None:
    with time_machine.travel(START, tick=False) as clock:
        make_run(team.products, RunStatus.SUCCEEDED, read=2)
        clock.shift(timedelta(minutes=5))
        stuck = make_run(team.products, RunStatus.RUNNING)
        clock.shift(timedelta(minutes=29))
        check(deliver)
        assert owner_mail() == []

        clock.shift(timedelta(minutes=2))
        check(deliver)
        check(deliver)
        [email] = owner_mail()
        assert "has shown no progress for 31 minutes" in email.subject
        assert f"/runs/{stuck.pk}/" in email.body

        clock.shift(timedelta(minutes=5))
        make_run(team.products, RunStatus.SUCCEEDED)  # the next run took over
        check(deliver)
    assert len(owner_mail()) == 2
    incident = Incident.objects.get(kind=IncidentKind.STUCK_RUN)
    assert incident.status == IncidentStatus.RESOLVED


def test_no_orders_for_two_days_alerts_once_and_an_order_resolves(team: Any, deliver: Any) -> None:
    with time_machine.travel(START, tick=False) as clock:
        make_run(team.orders, RunStatus.SUCCEEDED, read=4)
        for _ in range(48):  # every hour a successful run that finds no order
            clock.shift(timedelta(hours=1))
            make_run(team.orders, RunStatus.SUCCEEDED, read=0)
            check(deliver)
        assert owner_mail() == []  # exactly 48 hours: not yet more than the period

        clock.shift(timedelta(hours=1))
        make_run(team.orders, RunStatus.SUCCEEDED, read=0)
        check(deliver)
        check(deliver)
        [email] = owner_mail()
        assert "no new orders for 48 hours" in email.subject
        assert "order statuses" in email.body

        clock.shift(timedelta(minutes=5))
        make_run(team.orders, RunStatus.SUCCEEDED, read=1)
        check(deliver)
    assert len(owner_mail()) == 2
    assert Incident.objects.get().status == IncidentStatus.RESOLVED


def test_a_paused_tenant_gets_no_silent_failure_alerts(team: Any, deliver: Any) -> None:
    team.tenant.plan_status = "paused"
    team.tenant.save()
    with time_machine.travel(START, tick=False) as clock:
        make_run(team.products, RunStatus.QUEUED)
        clock.shift(timedelta(days=2))
        check(deliver)
    assert mail.outbox == []
