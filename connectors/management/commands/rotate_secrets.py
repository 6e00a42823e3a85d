from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from connectors import crypto
from connectors.models import Connection


class Command(BaseCommand):
    help = "Re-encrypt every stored secret with the newest key of APICENTER_ENCRYPTION_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        rewritten = 0
        with transaction.atomic():
            rows = Connection.objects.select_for_update().exclude(secrets_encrypted="")
            for connection in rows.only("id", "secrets_encrypted"):
                if crypto.uses_newest_key(connection.secrets_encrypted):
                    continue
                new_token = crypto.rotate_token(connection.secrets_encrypted)
                Connection.objects.filter(pk=connection.pk).update(secrets_encrypted=new_token)
                rewritten += 1
        self.stdout.write(f"Rewrote {rewritten} connection secret(s) with the newest key.")
