from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"

    def ready(self) -> None:
        # Celery's task and publish signals: log ids, slice lengths, the scheduler's heartbeat.
        # The flows below call up through these two hooks, never by importing monitoring.
        from flows.masking import register_mask_choice
        from flows.notifications import run_finished_signal
        from monitoring import signals  # noqa: F401

        register_mask_choice(mask_choice)
        run_finished_signal.connect(queue_incident_check, dispatch_uid="monitoring.incidents")


def mask_choice(tenant_id: int) -> bool:
    from monitoring.models import MonitoringSettings

    return MonitoringSettings.objects.filter(tenant_id=tenant_id, mask_personal_data=True).exists()


def queue_incident_check(*, run_id: int, **_: Any) -> None:
    """Queue the incident check for a finished run (failure and recovery emails), so a
    finishing run never waits on the checks' queries or on an SMTP server."""
    import logging

    from monitoring.tasks import run_finished_task

    try:
        run_finished_task.delay(run_id)
    except Exception:
        logging.getLogger(__name__).exception(
            "could not queue the incident check for run %s", run_id
        )
