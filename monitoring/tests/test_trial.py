"""The trial's end: one reminder three days before, then paused flows until activation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from monitoring.models import NoticeKind, NoticeSent
from monitoring.tasks import trial_lifecycle_task
from tenants.models import PlanStatus, Tenant

pytestmark = pytest.mark.django_db


def run_daily(deliver: Any) -> None:
    with deliver():
        trial_lifecycle_task()


def owner_mail() -> list[Any]:
    return [m for m in mail.outbox if m.to == ["alice@example.com"]]


def test_the_reminder_goes_once_three_days_before_the_end(world: Any, deliver: Any) -> None:
    ends = world.tenant.trial_ends_at
    world.owner.language = "nl"
    world.owner.save()
    with time_machine.travel(ends - timedelta(days=3, hours=1), tick=False) as clock:
        run_daily(deliver)
        assert owner_mail() == []

        clock.shift(timedelta(hours=2))
        run_daily(deliver)
        run_daily(deliver)
    [reminder] = owner_mail()
    assert reminder.subject == "[APIcenter] Alice BV: je proefperiode eindigt over 3 dagen"
    assert "De proefperiode van Alice BV op APIcenter eindigt op" in reminder.body
    html, _ = reminder.alternatives[0]
    assert "Kies nu een abonnement en betaal met iDEAL" in html
    # The reminder links to the plans page, where the owner subscribes by themselves.
    assert "/billing/plans/" in reminder.body
    assert NoticeSent.objects.filter(tenant=world.tenant, kind=NoticeKind.TRIAL_REMINDER).exists()
    # Not to the viewer, and not to the other tenant, whose trial ends at the same time
    # but whose reminder is its own.
    assert "bob@example.com" not in [m.to[0] for m in mail.outbox]


def test_at_the_end_the_tenant_is_paused_once_and_told(world: Any, deliver: Any) -> None:
    ends = world.tenant.trial_ends_at
    with time_machine.travel(ends - timedelta(minutes=1), tick=False) as clock:
        run_daily(deliver)
        world.tenant.refresh_from_db()
        assert world.tenant.plan_status == PlanStatus.TRIAL
        assert world.tenant.flows_may_run

        clock.shift(timedelta(minutes=2))
        mail.outbox.clear()
        run_daily(deliver)
        run_daily(deliver)
        world.tenant.refresh_from_db()
        assert world.tenant.plan_status == PlanStatus.PAUSED
        assert not world.tenant.flows_may_run
    [ended] = owner_mail()
    assert ended.subject == "[APIcenter] Alice BV: your trial has ended, flows are paused"
    assert "No data or settings are lost" in ended.body
    assert "/billing/plans/" in ended.body


def test_an_active_plan_is_never_paused(world: Any, deliver: Any) -> None:
    call_command("activate_plan", world.tenant.slug)
    with time_machine.travel(world.tenant.trial_ends_at + timedelta(days=30), tick=False):
        run_daily(deliver)
    world.tenant.refresh_from_db()
    assert world.tenant.plan_status == PlanStatus.ACTIVE
    assert owner_mail() == []
    assert Tenant.objects.get(pk=world.other_tenant.pk).plan_status == PlanStatus.PAUSED


def test_activation_after_the_pause_lets_flows_run_again(world: Any, deliver: Any) -> None:
    with time_machine.travel(world.tenant.trial_ends_at + timedelta(days=1), tick=False):
        run_daily(deliver)
        world.tenant.refresh_from_db()
        assert not world.tenant.flows_may_run
        call_command("activate_plan", world.tenant.slug)
        world.tenant.refresh_from_db()
        assert world.tenant.flows_may_run


def test_a_paused_trials_flows_do_not_run(team: Any, deliver: Any) -> None:
    from flows.models import FlowRun
    from flows.services import schedule_due_flows

    with time_machine.travel(team.tenant.trial_ends_at + timedelta(hours=1), tick=False):
        run_daily(deliver)
        assert schedule_due_flows() == 0
        assert not FlowRun.objects.exists()

        call_command("activate_plan", team.tenant.slug)
        assert schedule_due_flows() == 2  # products and orders, both enabled and due
    assert FlowRun.objects.filter(flow__tenant=team.tenant).count() == 2
