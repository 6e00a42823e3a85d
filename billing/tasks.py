"""Celery tasks of the billing: thin adapters that take ids.

Beat schedule (settings.CELERY_BEAT_SCHEDULE): billing_lifecycle_task every ten minutes.
"""

from __future__ import annotations

from celery import shared_task

from monitoring.tasks import EMAIL_RETRY


@shared_task(ignore_result=True, acks_late=True, **EMAIL_RETRY)
def billing_email_task(event_id: int) -> int:
    from billing.emails import event_email_send

    return event_email_send(event_id)


@shared_task(ignore_result=True)
def billing_lifecycle_task() -> int:
    from billing.services import billing_lifecycle_run

    return billing_lifecycle_run()
