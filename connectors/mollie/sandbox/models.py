"""The Mollie sandbox's own data: merchant accounts (one per API key), their customers,
payments, mandates and subscriptions, and every webhook call it made.

Each account has its own clock (`clock_offset`), so that the admin page or a test can move
a month ahead and watch subscriptions charge their mandates, without waiting a month.
"""

from __future__ import annotations

import hashlib
import secrets
import string
from datetime import datetime, timedelta
from typing import Any, ClassVar

from django.db import models
from django.utils import timezone

from connectors.sandboxkit.knobs import Knobs

ID_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(ID_ALPHABET) for _ in range(10))


def key_hash(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


def new_scope_key() -> str:
    return secrets.token_hex(8)


def default_knobs() -> dict[str, Any]:
    # No rate limit by default: the billing makes a handful of calls per company a month.
    return Knobs(rate_per_second=0).dump()


class Outcome(models.TextChoices):
    PAID = "paid", "paid"
    FAILED = "failed", "failed"
    OPEN = "open", "left open"


class Account(models.Model):
    """A sandbox merchant account: the API key the platform uses, its knobs and its clock."""

    name = models.CharField(max_length=100, unique=True)
    # SHA-256 of the API key: the key itself is configuration, never stored here.
    key_hash = models.CharField(max_length=64, unique=True)
    key_mode = models.CharField(max_length=4, default="test")
    knobs = models.JSONField(default=default_knobs)
    clock_offset = models.DurationField(
        default=timedelta,
        help_text="How far this account's clock runs ahead of the real one.",
    )
    recurring_outcome = models.CharField(
        max_length=6,
        choices=Outcome.choices,
        default=Outcome.PAID,
        help_text="What happens to the payments subscriptions create when the clock passes "
        "their date.",
    )
    webhooks_enabled = models.BooleanField(
        default=True, help_text="Call webhook URLs (off: changes are only seen when fetched)."
    )
    scope_key = models.CharField(max_length=32, default=new_scope_key, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name

    def set_key(self, api_key: str) -> None:
        self.key_hash = key_hash(api_key)
        self.key_mode = "live" if api_key.startswith("live_") else "test"

    @property
    def scope(self) -> str:
        return f"mollie:{self.scope_key}"

    def get_knobs(self) -> Knobs:
        return Knobs.load(self.knobs)

    def now(self) -> datetime:
        return timezone.now() + self.clock_offset


class Customer(models.Model):
    account = models.ForeignKey(Account, models.CASCADE, related_name="customers")
    public_id = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=255, blank=True)
    email = models.CharField(max_length=320, blank=True)
    locale = models.CharField(max_length=10, null=True, blank=True)
    metadata = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.public_id


class Mandate(models.Model):
    customer = models.ForeignKey(Customer, models.CASCADE, related_name="mandates")
    public_id = models.CharField(max_length=20, unique=True)
    status = models.CharField(max_length=10, default="valid")
    method = models.CharField(max_length=20, default="directdebit")
    consumer_name = models.CharField(max_length=100, default="Sandbox Tester")
    consumer_account = models.CharField(max_length=40, default="NL55INGB0000000000")
    signature_date = models.DateField()
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.public_id


class Subscription(models.Model):
    customer = models.ForeignKey(Customer, models.CASCADE, related_name="subscriptions")
    public_id = models.CharField(max_length=20, unique=True)
    status = models.CharField(max_length=10, default="active")
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    interval = models.CharField(max_length=20)
    times = models.PositiveIntegerField(null=True, blank=True)
    description = models.CharField(max_length=255)
    method = models.CharField(max_length=20, null=True, blank=True)
    mandate = models.ForeignKey(Mandate, models.SET_NULL, null=True, blank=True)
    start_date = models.DateField()
    next_payment_date = models.DateField(null=True, blank=True)
    webhook_url = models.CharField(max_length=500, null=True, blank=True)
    metadata = models.JSONField(null=True, blank=True)
    canceled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.public_id


class Payment(models.Model):
    account = models.ForeignKey(Account, models.CASCADE, related_name="payments")
    public_id = models.CharField(max_length=20, unique=True)
    customer = models.ForeignKey(
        Customer, models.CASCADE, null=True, blank=True, related_name="payments"
    )
    mandate = models.ForeignKey(Mandate, models.SET_NULL, null=True, blank=True)
    subscription = models.ForeignKey(
        Subscription, models.SET_NULL, null=True, blank=True, related_name="payments"
    )
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    description = models.CharField(max_length=255)
    status = models.CharField(max_length=10, default="open")
    sequence_type = models.CharField(max_length=10, default="oneoff")
    method = models.CharField(max_length=20, null=True, blank=True)
    redirect_url = models.CharField(max_length=500, null=True, blank=True)
    cancel_url = models.CharField(max_length=500, null=True, blank=True)
    webhook_url = models.CharField(max_length=500, null=True, blank=True)
    locale = models.CharField(max_length=10, null=True, blank=True)
    metadata = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)
    canceled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["customer", "-id"])]

    def __str__(self) -> str:
        return self.public_id


class WebhookCall(models.Model):
    """One call the sandbox made to a webhook URL, and what it answered."""

    account = models.ForeignKey(Account, models.CASCADE, related_name="webhook_calls")
    url = models.CharField(max_length=500)
    object_id = models.CharField(max_length=20)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.object_id} → {self.url}: {self.status_code or self.error}"
