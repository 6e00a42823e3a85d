"""Celery tasks: thin adapters that take ids and call a service."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

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
