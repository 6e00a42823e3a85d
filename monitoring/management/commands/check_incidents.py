from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from monitoring.incidents import incidents_check_all


class Command(BaseCommand):
    help = (
        "Check every tenant for failures and silent failures now (the beat does it every minute)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        opened = incidents_check_all()
        self.stdout.write(f"{opened} incident(s) opened.")
