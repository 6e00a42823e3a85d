"""Celery tasks: thin adapters that take ids and call a service."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# A connection that dropped under a slice (a database restart or fail-over, a terminated
# backend, Redis restarting under the rate limiter) fails it in the middle of a page. The
# retry runs the slice again on new connections (Celery opens new database connections for
# every task) and it resumes at the first page it had not saved. If the retries run out, or
# cannot even be queued, the scheduler's tick resumes the run once it has gone quiet.
CONNECTION_DROPPED = (OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError)


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=CONNECTION_DROPPED,
    max_retries=6,
    retry_backoff=2,
    retry_backoff_max=60,
)
def run_flow_task(run_id: int) -> str:
    from flows.services import run_execute

    return run_execute(run_id)


@shared_task(ignore_result=True)
def schedule_due_flows_task() -> int:
    """The scheduler's tick: resume runs that stalled, then start the flows that are due."""
    from flows.services import resume_stalled_runs, schedule_due_flows

    resume_stalled_runs()
    return schedule_due_flows()


WEBHOOK_MAX_RETRIES = 5
WEBHOOK_RETRY_BASE_SECONDS = 30


# The name it had in the API app, so that messages queued before the move still run.
@shared_task(
    name="api.tasks.webhook_sync_task",
    bind=True,
    acks_late=True,
    ignore_result=True,
    max_retries=WEBHOOK_MAX_RETRIES,
)
def webhook_sync_task(self: Any, flow_id: int) -> None:
    """Register or unregister the orders flow's webhook to match whether it is enabled.

    Queue it on commit after the flow is switched on or off. A transient error of the shop is
    retried with exponential backoff; a permanent one (bad credentials) is logged, and the
    flow still works by polling on its schedule.
    """
    from connectors.base import ConnectorError
    from flows.models import Flow
    from flows.webhook_registration import webhook_sync

    flow = Flow.objects.select_related("integration__shop").filter(pk=flow_id).first()
    if flow is None:
        return
    try:
        webhook_sync(flow=flow)
    except ConnectorError as error:
        if error.permanent:
            logger.warning("webhook registration of flow %s failed: %s", flow_id, error)
            return
        retries = self.request.retries
        raise self.retry(countdown=WEBHOOK_RETRY_BASE_SECONDS * 2**retries) from error
