from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from monitoring.trial import trial_lifecycle_run


class Command(BaseCommand):
    help = "Send due trial reminders and pause tenants whose trial has ended (daily in beat)."

    def handle(self, *args: Any, **options: Any) -> None:
        summary = trial_lifecycle_run()
        self.stdout.write(f"{summary.reminded} reminded, {summary.paused} paused.")
