from __future__ import annotations

from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"

    def ready(self) -> None:
        # Celery's task and publish signals: log ids, slice lengths, the scheduler's heartbeat.
        from monitoring import signals  # noqa: F401
