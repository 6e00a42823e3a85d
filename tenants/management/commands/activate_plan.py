from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.models import Plan, Tenant
from tenants.services import plan_activate


class Command(BaseCommand):
    help = (
        "Activate a tenant's plan by hand (ends the trial; paused flows run again), outside "
        "the self-service billing: no payment is taken."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the tenant's slug")
        parser.add_argument("--plan", help="the plan's slug (default: none, i.e. no limits)")

    def handle(self, *args: Any, **options: Any) -> None:
        tenant = Tenant.objects.filter(slug=options["slug"]).first()
        if tenant is None:
            raise CommandError(f"No tenant with slug {options['slug']!r}")
        plan = None
        if options.get("plan"):
            plan = Plan.objects.filter(slug=options["plan"]).first()
            if plan is None:
                raise CommandError(f"No plan with slug {options['plan']!r}")
        plan_activate(tenant=tenant, plan=plan)
        self.stdout.write(f"Plan of {tenant.name} is active.")
