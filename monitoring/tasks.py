"""Celery tasks: thin adapters that take ids and call a service.

Beat schedule (settings.CELERY_BEAT_SCHEDULE): check_incidents_task every minute,
purge_task every hour, trial_lifecycle_task once a day.
"""

from __future__ import annotations

import smtplib
from typing import Any

from celery import shared_task

EMAIL_RETRY: dict[str, Any] = {
    "autoretry_for": (OSError, smtplib.SMTPException),
    "retry_backoff": 30,
    "retry_backoff_max": 600,
    "max_retries": 6,
}


@shared_task(ignore_result=True)
def run_finished_task(run_id: int) -> int:
    from monitoring.incidents import incidents_reconcile_for_run

    return len(incidents_reconcile_for_run(run_id))


@shared_task(ignore_result=True)
def check_incidents_task() -> int:
    from monitoring.incidents import incidents_check_all

    return incidents_check_all()


@shared_task(ignore_result=True, acks_late=True, **EMAIL_RETRY)
def incident_email_task(incident_id: int, recovery: bool) -> int:
    from monitoring.incidents import incident_email_send

    return incident_email_send(incident_id, recovery=recovery)


@shared_task(ignore_result=True, acks_late=True, **EMAIL_RETRY)
def trial_email_task(tenant_id: int, ended: bool) -> int:
    from monitoring.trial import trial_email_send

    return trial_email_send(tenant_id, ended=ended)


@shared_task(ignore_result=True)
def trial_lifecycle_task() -> int:
    from monitoring.trial import trial_lifecycle_run

    summary = trial_lifecycle_run()
    return summary.reminded + summary.paused


@shared_task(ignore_result=True, acks_late=True)
def tenant_delete_task(tenant_id: int) -> bool:
    from monitoring.accounts import tenant_delete

    return tenant_delete(tenant_id=tenant_id)


@shared_task(ignore_result=True)
def purge_task(
    pass_id: str | None = None,
    after_tenant_id: int = 0,
    started: float | None = None,
    batch_size: int = 1000,
) -> str:
    """One slice of a purge pass; queues the next slice while rows remain and time is left."""
    from monitoring.purge import purge_slice

    outcome = purge_slice(
        pass_id=pass_id,
        after_tenant_id=after_tenant_id,
        started=started,
        batch_size=batch_size,
    )
    if outcome.next_slice is not None:
        purge_task.delay(*outcome.next_slice)
    return outcome.status
