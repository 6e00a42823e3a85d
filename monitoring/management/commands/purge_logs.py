from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from monitoring.purge import MAX_BATCH, purge_expired


class Command(BaseCommand):
    help = "Purge expired record payloads, record logs, runs and API calls of every tenant now."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=MAX_BATCH)

    def handle(self, *args: Any, **options: Any) -> None:
        progress = purge_expired(batch_size=options["batch_size"])
        t = progress.totals
        self.stdout.write(
            f"payloads erased {t.payloads_purged}, record logs deleted {t.record_logs_deleted}, "
            f"API calls deleted {t.api_calls_deleted}, runs deleted {t.runs_deleted} "
            f"in {progress.batches} batches (longest {progress.longest_batch_seconds:.3f} s)."
        )
