"""The trial's end: a reminder three days before, then the flows pause until activation.

The scheduler already starts no runs for a tenant whose trial is over (Tenant.flows_may_run);
this sets the plan status the dashboard shows and sends the two emails, each once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from monitoring.models import NoticeKind, NoticeSent
from tenants.models import PlanStatus, Tenant

logger = logging.getLogger(__name__)

REMIND_BEFORE = timedelta(days=3)


@dataclass
class TrialSummary:
    reminded: int = 0
    paused: int = 0


def claim_notice(tenant: Tenant, kind: str) -> bool:
    """Return True for the one caller that may send this notice (the row is the claim)."""
    try:
        with transaction.atomic():
            NoticeSent.objects.create(tenant=tenant, kind=kind)
    except IntegrityError:
        return False
    return True


def queue_trial_email(tenant_id: int, *, ended: bool) -> None:
    from monitoring.tasks import trial_email_task

    transaction.on_commit(lambda: trial_email_task.delay(tenant_id, ended))


def trials_to_remind(now: datetime) -> list[Tenant]:
    return list(
        Tenant.objects.filter(
            plan_status=PlanStatus.TRIAL,
            trial_ends_at__gt=now,
            trial_ends_at__lte=now + REMIND_BEFORE,
        ).exclude(
            pk__in=NoticeSent.objects.filter(kind=NoticeKind.TRIAL_REMINDER).values("tenant_id")
        )
    )


def trial_pause(tenant: Tenant) -> bool:
    """Pause a tenant whose trial is over, if it is still in trial (never an active plan)."""
    paused = Tenant.objects.filter(pk=tenant.pk, plan_status=PlanStatus.TRIAL).update(
        plan_status=PlanStatus.PAUSED
    )
    if paused:
        logger.info("trial of tenant %s ended: flows paused", tenant.pk)
    return paused == 1


def trial_lifecycle_run(*, now: datetime | None = None) -> TrialSummary:
    """Send due reminders and pause ended trials. Safe to run any number of times."""
    now = now or timezone.now()
    summary = TrialSummary()
    for tenant in trials_to_remind(now):
        if claim_notice(tenant, NoticeKind.TRIAL_REMINDER):
            queue_trial_email(tenant.pk, ended=False)
            summary.reminded += 1
    ended = Tenant.objects.filter(plan_status=PlanStatus.TRIAL, trial_ends_at__lte=now)
    for tenant in ended:
        if trial_pause(tenant):
            summary.paused += 1
            if claim_notice(tenant, NoticeKind.TRIAL_ENDED):
                queue_trial_email(tenant.pk, ended=True)
    return summary


def trial_email_send(tenant_id: int, *, ended: bool) -> int:
    from monitoring.emails import send_trial_email

    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None:
        return 0
    if ended and tenant.plan_status != PlanStatus.PAUSED:
        return 0  # activated meanwhile: the news is old
    return send_trial_email(tenant, ended=ended)
