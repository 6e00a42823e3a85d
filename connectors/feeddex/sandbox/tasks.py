"""Celery tasks of the Feeddex sandbox: thin, they take ids and call webhooks."""

from __future__ import annotations

import math

from celery import shared_task
from django.utils import timezone


@shared_task(acks_late=True, ignore_result=True)
def deliver_webhook_task(delivery_id: int) -> str:
    """One attempt of a webhook delivery; while it is pending, queue the next attempt."""
    from connectors.feeddex.sandbox import webhooks
    from connectors.feeddex.sandbox.models import DeliveryStatus, WebhookDelivery

    outcome = webhooks.delivery_attempt(delivery_id)
    # A retry, or a task that came early or met a claimed attempt: come back when it is due.
    pending = WebhookDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING)
    due_at = pending.values_list("next_attempt_at", flat=True).first()
    # Run eagerly (tests), a task cannot wait for its countdown: it would call itself until
    # the stack ran out. There the next attempt is left to `deliver_due`.
    if due_at is not None and not deliver_webhook_task.app.conf.task_always_eager:
        countdown = max(1, math.ceil((due_at - timezone.now()).total_seconds()))
        deliver_webhook_task.apply_async((delivery_id,), countdown=countdown)
    return outcome
