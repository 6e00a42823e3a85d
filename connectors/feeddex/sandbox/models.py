"""The Feeddex sandbox's own data: one organization per sandbox account, isolated from every
other sandbox account. An account's `tenant` only says which platform company it was made for
(whose sandbox admin page shows it).

Rows of an account are always loaded through `account=...` filters (see selectors), so an
id of another account answers 404 like an unknown one.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import models
from django.db.models.functions import Lower

from connectors import crypto
from connectors.sandboxkit.knobs import Knobs


def default_knobs() -> dict[str, Any]:
    # The contract's realistic default: 120 requests per minute per organization.
    return Knobs(rate_per_minute=120).dump()


def new_scope_key() -> str:
    return secrets.token_hex(8)


class Account(models.Model):
    """A sandbox organization: the credentials a connector authenticates with, and its knobs."""

    # The company whose sandbox organization this is (None: the public demo, or made by
    # hand): it decides whose sandbox admin page shows the account.
    tenant = models.ForeignKey(
        "tenants.Tenant",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="feeddex_sandbox_accounts",
    )
    organization = models.CharField(max_length=100, unique=True)
    # Fernet token of {"auth_code", "password"}; read only through the properties.
    credentials_encrypted = crypto.EncryptedTextField(editable=False)
    knobs = models.JSONField(default=default_knobs)
    duplicate_webhook_rate = models.FloatField(
        default=0.0, help_text="Share (0..1) of webhook events delivered twice."
    )
    day_seconds = models.PositiveIntegerField(
        default=86_400,
        help_text="How long a day lasts for invitations and feedback (1 = a day per second).",
    )
    # Random, so that rate-limit counters of two databases sharing one cache never collide.
    scope_key = models.CharField(max_length=32, default=new_scope_key, editable=False)
    next_order_number = models.PositiveIntegerField(default=100001)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.organization

    def __repr__(self) -> str:
        # Never let the credentials reach a log through repr().
        return f"<Account {self.pk} {self.organization}>"

    def set_credentials(self, *, auth_code: str, password: str) -> None:
        self.credentials_encrypted = crypto.encrypt_json(
            {"auth_code": auth_code, "password": password}
        )

    @property
    def auth_code(self) -> str:
        return str(crypto.decrypt_json(self.credentials_encrypted).get("auth_code", ""))

    @property
    def password(self) -> str:
        return str(crypto.decrypt_json(self.credentials_encrypted).get("password", ""))

    @property
    def scope(self) -> str:
        return f"feeddex:{self.scope_key}"

    def get_knobs(self) -> Knobs:
        return Knobs.load(self.knobs)


class AccessToken(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="tokens")
    # SHA-256 of the token: a leaked table does not give working tokens.
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"token of {self.account_id} until {self.expires_at:%Y-%m-%d %H:%M}"


class Unit(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="units")
    name = models.TextField()

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="products")
    sku = models.CharField(max_length=64)
    type = models.CharField(max_length=20, default="simple")
    name = models.CharField(max_length=255)
    short_description = models.TextField(null=True, blank=True)
    long_description = models.TextField(null=True, blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=2)
    price_includes_vat = models.BooleanField(default=True)
    vat_rate = models.DecimalField(max_digits=4, decimal_places=1, default=21)
    currency = models.CharField(max_length=3, default="EUR")
    ean = models.CharField(max_length=14, null=True, blank=True)
    quantity = models.IntegerField(default=0)
    manage_stock = models.BooleanField(default=True)
    attributes = models.JSONField(default=list)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "sku"], name="fdxsb_product_sku_unique")
        ]
        indexes = [models.Index(fields=["account", "updated_at", "id"])]

    def __str__(self) -> str:
        return self.sku


class Customer(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="customers")
    email = models.TextField()
    first_name = models.TextField(null=True, blank=True)
    last_name = models.TextField()
    company_name = models.TextField(null=True, blank=True)
    vat_number = models.TextField(null=True, blank=True)
    phone = models.TextField(null=True, blank=True)
    customer_code = models.TextField(null=True, blank=True)
    billing_address = models.JSONField()
    shipping_address = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint("account", Lower("email"), name="fdxsb_customer_email_unique")
        ]
        indexes = [models.Index(fields=["account", "updated_at", "id"])]

    def __str__(self) -> str:
        return self.email


class Order(models.Model):
    """An order as the shop placed it; customer, addresses and lines as placed (JSON)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="orders")
    number = models.CharField(max_length=32)
    status = models.CharField(max_length=20, default="new")
    payment_status = models.CharField(max_length=20, default="pending")
    payment_method = models.CharField(max_length=20, default="ideal")
    payment_term_days = models.IntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3, default="EUR")
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL)
    customer_data = models.JSONField()
    billing_address = models.JSONField()
    shipping_address = models.JSONField(null=True, blank=True)
    lines = models.JSONField()
    shipping_cost = models.JSONField()
    totals = models.JSONField()
    note = models.TextField(null=True, blank=True)
    external_reference = models.CharField(max_length=64, null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "number"], name="fdxsb_order_number_unique")
        ]
        indexes = [models.Index(fields=["account", "updated_at", "id"])]

    def __str__(self) -> str:
        return self.number


class Transaction(models.Model):
    """A review invitation. Its timeline is planned when it is registered and shown as time
    passes: a `*_at` field in the future is not visible yet (see render.transaction_json).
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="transactions")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE)
    customer_code = models.TextField()
    order_reference = models.TextField()
    date = models.DateField()
    email = models.TextField()
    first_name = models.TextField(null=True, blank=True)
    last_name = models.TextField(null=True, blank=True)
    company_name = models.TextField(null=True, blank=True)
    products = models.JSONField(default=list)
    delay_days = models.PositiveIntegerField(default=3)
    entered_on = models.DateTimeField()
    sent_at = models.DateTimeField()
    reminded_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    questions_completed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    expiration_date = models.DateField()
    score = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "customer_code", "order_reference"],
                name="fdxsb_transaction_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_code}/{self.order_reference}"


class WebhookSubscription(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=2000)
    events = models.JSONField()
    secret_encrypted = crypto.EncryptedTextField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.url} {self.events}"

    @property
    def secret(self) -> str:
        return str(crypto.decrypt_json(self.secret_encrypted).get("secret", ""))

    @secret.setter
    def secret(self, value: str) -> None:
        self.secret_encrypted = crypto.encrypt_json({"secret": value})


class DeliveryStatus(models.TextChoices):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class WebhookDelivery(models.Model):
    """One event for one subscription; attempts are counted, retried with backoff."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.CharField(max_length=64)
    event_type = models.CharField(max_length=32)
    body = models.TextField()
    status = models.CharField(
        max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    times_delivered = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_status_code = models.IntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} ({self.status})"
