from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from monitoring.health import worker_answers, worker_node_name


class Command(BaseCommand):
    help = (
        "Exit 0 when the Celery worker answers a ping through the broker, 1 otherwise "
        "(a container health check: the worker is alive and can still get work)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--node",
            default="celery@%h",
            help="The worker's node name, as given to `celery worker -n` (%%h: this host).",
        )
        parser.add_argument("--timeout", type=float, default=10.0, help="Seconds to wait.")

    def handle(self, *args: Any, **options: Any) -> None:
        node = worker_node_name(options["node"])
        if not worker_answers(node, timeout=options["timeout"]):
            raise CommandError(f"{node} did not answer within {options['timeout']:g} seconds")
        self.stdout.write(f"{node} answered.")
