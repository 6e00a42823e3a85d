from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from tenants.models import Membership, User
from tenants.services import signup

DEMO_EMAIL = "demo@example.com"
DEMO_COMPANY = "Demo Shop BV"


class Command(BaseCommand):
    help = "Create the demo tenant and its owner (embedded mode), and print how to sign in."

    def connect_demo_to_sandboxes(self) -> None:
        """Give the demo tenant a live integration with both sandboxes, every flow on, so
        the flows run on their schedules as soon as the worker and scheduler start."""
        from connectors.sandboxkit.provision import sandbox_connect
        from flows import services as flows
        from flows.models import Integration

        tenant = Membership.objects.get(user__email=DEMO_EMAIL, role="owner").tenant
        if Integration.objects.filter(tenant=tenant).exists():
            return
        sandbox_connect(tenant=tenant, demo_accounts=True)
        integration = flows.integration_ensure(tenant=tenant)
        from connectors.feeddex.sandbox.models import Unit

        unit = Unit.objects.filter(
            account__organization=integration.shop.config["organization"]
        ).first()
        for flow in integration.flows.all():
            if flow.kind == "review_invitations" and unit is not None:
                flows.flow_update_settings(flow=flow, data={**flow.settings, "unit_id": unit.pk})
            flows.flow_set_enabled(flow=flow, enabled=True)
        flows.integration_go_live(integration=integration)
        self.stdout.write("  The demo company runs every flow against the sandboxes.")

    def handle(self, *args: Any, **options: Any) -> None:
        password_file = settings.VAR_DIR / "demo_password"
        user = User.objects.filter(email=DEMO_EMAIL).first()
        if user is None or not password_file.exists():
            password = secrets.token_urlsafe(12)
            if user is None:
                signup(email=DEMO_EMAIL, password=password, company_name=DEMO_COMPANY)
            else:
                user.set_password(password)
                user.save(update_fields=["password"])
            password_file.write_text(password)
            password_file.chmod(0o600)
        password = password_file.read_text().strip()
        if settings.SANDBOX_ENABLED:
            self.connect_demo_to_sandboxes()
        self.stdout.write(
            self.style.SUCCESS(
                f"\n  APIcenter runs at {settings.SITE_URL}/\n"
                f"  Sign in as {DEMO_EMAIL} with password {password}\n"
            )
        )
