"""Billing: a company's subscription with the payments provider, every change of it as a row,
and the invoices of the payments it made.

The provider's ids (customer, subscription, payment) are what make a webhook idempotent: an
event row is unique per company, kind and payment id, so the same payment reported twice
changes nothing the second time.
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenants.models import Plan, Tenant


def new_token() -> str:
    return secrets.token_urlsafe(24)


class SubscriptionStatus(models.TextChoices):
    NONE = "none", _("No subscription")
    ACTIVE = "active", _("Active")
    PAST_DUE = "past_due", _("Payment failed")
    CANCELED = "canceled", _("Cancelled, runs to the end of the period")
    ENDED = "ended", _("Ended")


class BillingAccount(models.Model):
    """The company as the payments provider's customer; one per company, made at checkout."""

    tenant = models.OneToOneField(Tenant, models.CASCADE, related_name="billing")
    # In the webhook URL: a webhook names the company it is about, and a payment of another
    # company sent to this URL is ignored.
    webhook_token = models.CharField(max_length=40, unique=True, default=new_token)
    customer_id = models.CharField(max_length=40, blank=True)
    subscription_id = models.CharField(max_length=40, blank=True)
    mandate_id = models.CharField(max_length=40, blank=True)
    status = models.CharField(
        max_length=10, choices=SubscriptionStatus.choices, default=SubscriptionStatus.NONE
    )
    plan = models.ForeignKey(Plan, models.PROTECT, null=True, blank=True, related_name="+")
    # A downgrade waits for the next period (the one paid for keeps its limits).
    next_plan = models.ForeignKey(Plan, models.PROTECT, null=True, blank=True, related_name="+")
    period_ends_at = models.DateTimeField(null=True, blank=True)
    # The payment the owner is paying on the hosted page now (checkout or a failed payment).
    pending_payment_id = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"billing of {self.tenant}"


class EventKind(models.TextChoices):
    CHECKOUT_STARTED = "checkout_started", _("Checkout started")
    CHECKOUT_FAILED = "checkout_failed", _("Checkout not completed")
    ACTIVATED = "activated", _("Subscription active")
    RENEWED = "renewed", _("Subscription renewed")
    PAYMENT_FAILED = "payment_failed", _("Payment failed")
    PAID = "paid", _("Open payment paid")
    UPGRADED = "upgraded", _("Plan upgraded")
    DOWNGRADE_SCHEDULED = "downgrade_scheduled", _("Downgrade from the next period")
    CANCELED = "canceled", _("Subscription cancelled")
    ENDED = "ended", _("Subscription ended, flows paused")
    USAGE_WARNING = "usage_warning", _("Records limit nearly reached (80 %)")
    USAGE_LIMIT = "usage_limit", _("Records limit reached")


class BillingEvent(models.Model):
    """One change of a company's subscription, kept like an incident and emailed to owners."""

    tenant = models.ForeignKey(Tenant, models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    # The provider's id the change came from (a payment, a subscription), or a period key:
    # unique per company and kind, so that a repeated webhook makes no second row.
    reference = models.CharField(max_length=60)
    plan = models.ForeignKey(Plan, models.SET_NULL, null=True, blank=True, related_name="+")
    amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    detail = models.TextField(blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["tenant", "kind", "reference"], name="one_billing_event_per_reference"
            )
        ]
        indexes: ClassVar = [models.Index(fields=["tenant", "-id"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.reference}"


class Invoice(models.Model):
    """The invoice of one paid payment (numbered without gaps, as Dutch law asks)."""

    tenant = models.ForeignKey(Tenant, models.CASCADE, related_name="invoices")
    number = models.CharField(max_length=20, unique=True)
    payment_id = models.CharField(max_length=40, unique=True)
    plan_name = models.CharField(max_length=60)
    description = models.CharField(max_length=255)
    amount_excl_vat = models.DecimalField(max_digits=10, decimal_places=2)
    vat_percent = models.PositiveSmallIntegerField()
    vat = models.DecimalField(max_digits=10, decimal_places=2)
    amount_incl_vat = models.DecimalField(max_digits=10, decimal_places=2)
    # The company as it was named when it paid.
    company_name = models.CharField(max_length=200)
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["tenant", "-issued_at"])]

    def __str__(self) -> str:
        return self.number

    @property
    def total(self) -> Decimal:
        return self.amount_incl_vat
