from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.models import Tenant
from tenants.services import plan_activate


class Command(BaseCommand):
    help = "Activate a tenant's plan (ends the trial; paused flows run again). Billing is external."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the tenant's slug")

    def handle(self, *args: Any, **options: Any) -> None:
        tenant = Tenant.objects.filter(slug=options["slug"]).first()
        if tenant is None:
            raise CommandError(f"No tenant with slug {options['slug']!r}")
        plan_activate(tenant=tenant)
        self.stdout.write(f"Plan of {tenant.name} is active.")
