"""API tokens, the Feeddex webhook endpoint of a connection, and every delivery it received."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from connectors.models import Connection
from tenants.models import Tenant


class ApiToken(models.Model):
    """A user's key for the REST API, scoped to one tenant.

    Only a SHA-256 hash of the key is stored: the raw key is shown once, when it is made.
    A random 256-bit key needs no slow hash (there is nothing to brute-force), and a plain
    digest can be looked up by an index on every request.
    """

    tenant = models.ForeignKey(Tenant, models.CASCADE, related_name="api_tokens")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    # The first characters of the key, shown in lists so a user can tell tokens apart.
    prefix = models.CharField(max_length=16)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["tenant", "-id"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class WebhookEndpoint(models.Model):
    """Where Feeddex delivers one connection's order events.

    The URL carries a random token, never the connection's id, so it can be neither guessed
    nor enumerated; the signature (with the secret in the connection's secrets) is what
    proves a delivery comes from Feeddex.
    """

    tenant = models.ForeignKey(Tenant, models.CASCADE, related_name="+")
    connection = models.OneToOneField(Connection, models.CASCADE, related_name="webhook_endpoint")
    token = models.CharField(max_length=64, unique=True)
    # Feeddex's id of the subscription; empty when not subscribed.
    subscription_id = models.CharField(max_length=64, blank=True)
    registered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"webhook endpoint of {self.connection!r}"


class DeliveryStatus(models.TextChoices):
    ACCEPTED = "accepted", "Accepted (a run was queued)"
    IGNORED = "ignored", "Ignored (the orders flow is off)"
    REJECTED = "rejected", "Rejected (bad signature, timestamp or body)"


class WebhookDelivery(models.Model):
    """One delivery that reached an endpoint: accepted, ignored or rejected, and why.

    A verified event id is stored once per endpoint (the unique constraint), which is what
    turns Feeddex's repeated deliveries into one run. Rejected deliveries stay out of that
    constraint: a forged request must not block the genuine event with the same id.
    """

    tenant = models.ForeignKey(Tenant, models.CASCADE, related_name="+")
    endpoint = models.ForeignKey(WebhookEndpoint, models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices)
    event_id = models.CharField(max_length=100, blank=True)
    event_type = models.CharField(max_length=40, blank=True)
    order_id = models.CharField(max_length=40, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    # For a rejected delivery only: the start of the body, to see what was sent.
    body_excerpt = models.TextField(blank=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    run = models.ForeignKey(
        "flows.FlowRun", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["endpoint", "event_id"],
                condition=~Q(status="rejected"),
                name="one_verified_delivery_per_event",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["received_at"])]

    def __str__(self) -> str:
        return f"{self.event_type or 'delivery'} {self.event_id}: {self.status}"
