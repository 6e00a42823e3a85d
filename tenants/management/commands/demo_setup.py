from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from tenants.models import User
from tenants.services import signup

DEMO_EMAIL = "demo@example.com"
DEMO_COMPANY = "Demo Shop BV"


class Command(BaseCommand):
    help = "Create the demo tenant and its owner (embedded mode), and print how to sign in."

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
        self.stdout.write(
            self.style.SUCCESS(
                f"\n  APIcenter runs at {settings.SITE_URL}/\n"
                f"  Sign in as {DEMO_EMAIL} with password {password}\n"
            )
        )
