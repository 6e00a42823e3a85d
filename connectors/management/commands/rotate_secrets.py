from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import models, transaction

from connectors import crypto


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret (every encrypted column of every installed app) with "
        "the newest key of APICENTER_ENCRYPTION_KEYS."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            for model, column in crypto.encrypted_fields():
                rewritten = rotate_column(model, column)
                self.stdout.write(
                    f"Rewrote {rewritten} {model._meta.verbose_name} secret(s) "
                    f"({model._meta.db_table}.{column}) with the newest key."
                )


def rotate_column(model: type[models.Model], column: str) -> int:
    """Re-encrypt the column's tokens that an older key made; return how many."""
    manager = model._base_manager
    rows = manager.select_for_update().exclude(**{column: ""}).values_list("pk", column)
    rewritten = 0
    for pk, token in rows.iterator():
        if crypto.uses_newest_key(token):
            continue
        manager.filter(pk=pk).update(**{column: crypto.rotate_token(token)})
        rewritten += 1
    return rewritten
