"""Celery tasks: thin adapters that take ids and call a service."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def run_flow_task(run_id: int) -> str:
    from flows.services import run_execute

    return run_execute(run_id)


@shared_task(ignore_result=True)
def schedule_due_flows_task() -> int:
    from flows.services import schedule_due_flows

    return schedule_due_flows()
