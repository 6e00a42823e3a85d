"""Connections: a tenant's account at one external system, with its secrets encrypted."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from connectors import crypto
from connectors.redaction import redact_text
from connectors.registry import SYSTEM_CHOICES
from tenants.models import Tenant


class ConnectionStatus(models.TextChoices):
    NEW = "new", _("Not verified yet")
    OK = "ok", _("Working")
    ERROR = "error", _("Failing")
    NEEDS_ATTENTION = "needs_attention", _("Needs attention (credentials)")


class Connection(models.Model):
    tenant = models.ForeignKey(Tenant, models.CASCADE, related_name="connections")
    system = models.CharField(max_length=20, choices=SYSTEM_CHOICES)
    name = models.CharField(max_length=120)
    config = models.JSONField(default=dict, blank=True)
    # Fernet token of the JSON secrets; read and write only through .secrets.
    secrets_encrypted = crypto.EncryptedTextField(default="", blank=True, editable=False)
    status = models.CharField(
        max_length=20, choices=ConnectionStatus.choices, default=ConnectionStatus.NEW
    )
    last_error = models.TextField(blank=True)
    last_verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = (models.Index(fields=["tenant", "system"]),)

    def __str__(self) -> str:
        return f"{self.get_system_display()}: {self.name}"

    def __repr__(self) -> str:
        # Never let secrets reach a log through repr().
        return f"<Connection {self.pk} {self.system} tenant={self.tenant_id}>"

    @property
    def secrets(self) -> dict[str, Any]:
        """Decrypted once per ciphertext (a run reads them for every request; decrypting
        each time cost 5 % of a sync); a new ciphertext, saved or reloaded, is read anew."""
        cached = self.__dict__.get("_secrets_cache")
        if cached is None or cached[0] != self.secrets_encrypted:
            cached = (self.secrets_encrypted, crypto.decrypt_json(self.secrets_encrypted))
            self.__dict__["_secrets_cache"] = cached
        return dict(cached[1])

    @secrets.setter
    def secrets(self, value: dict[str, Any]) -> None:
        self.secrets_encrypted = crypto.encrypt_json(value)

    def secret_values(self) -> list[str]:
        return [str(v) for v in self.secrets.values() if isinstance(v, str | int) and v]

    def redact(self, text: str) -> str:
        return redact_text(text, self.secret_values())

    def mark_ok(self) -> None:
        self.status, self.last_error = ConnectionStatus.OK, ""
        self.last_verified_at = timezone.now()
        self.save(update_fields=["status", "last_error", "last_verified_at"])

    def mark_failed(self, message: str, *, permanent: bool) -> None:
        self.status = ConnectionStatus.NEEDS_ATTENTION if permanent else ConnectionStatus.ERROR
        self.last_error = self.redact(message)[:2000]
        self.save(update_fields=["status", "last_error"])
