from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from monitoring.health import beat_age


class Command(BaseCommand):
    help = (
        "Exit 0 when the scheduler (celery beat) published its tick within "
        "BEAT_STALE_SECONDS, 1 otherwise (a container health check)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        age = beat_age()
        limit = settings.BEAT_STALE_SECONDS
        if age is None:
            raise CommandError("the scheduler has not published a tick yet")
        if age.total_seconds() > limit:
            raise CommandError(
                f"the scheduler's last tick is {age.total_seconds():.0f} seconds old "
                f"(more than {limit})"
            )
        self.stdout.write(f"The scheduler ticked {age.total_seconds():.0f} seconds ago.")
