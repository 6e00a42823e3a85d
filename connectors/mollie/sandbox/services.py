"""What the Mollie sandbox does: customers, payments and their hosted checkout, mandates from
first payments, subscriptions that charge on the account's clock, and webhook calls.

Webhooks are called after the change is committed (the receiver fetches the payment back
over HTTP and must see it), from the request or command that made the change; each call
is a WebhookCall row shown on the admin page.
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
from django.db import transaction

from connectors.mollie.sandbox.models import (
    Account,
    Customer,
    Mandate,
    Outcome,
    Payment,
    Subscription,
    WebhookCall,
    key_hash,
    new_id,
)

logger = logging.getLogger(__name__)

WEBHOOK_TIMEOUT = 10.0
# An open payment expires after this long on Mollie's hosted page.
PAYMENT_LIFETIME = timedelta(minutes=15)
FINAL = ("paid", "failed", "expired", "canceled")


class Refused(Exception):
    """A request Mollie would refuse: the status, and the field at fault if any."""

    def __init__(self, status: int, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.field = status, detail, field


def account_for_key(api_key: str) -> Account | None:
    return Account.objects.filter(key_hash=key_hash(api_key)).first()


# ---- customers and payments -------------------------------------------------------------------


def customer_create(*, account: Account, data: dict[str, Any]) -> Customer:
    return Customer.objects.create(
        account=account,
        public_id=new_id("cst_"),
        name=data.get("name") or "",
        email=data.get("email") or "",
        locale=data.get("locale"),
        metadata=data.get("metadata"),
        created_at=account.now(),
    )


def customer_of(account: Account, public_id: str) -> Customer:
    customer = Customer.objects.filter(account=account, public_id=public_id).first()
    if customer is None:
        raise Refused(404, f"No customer exists with token {public_id}.")
    return customer


def payment_create(*, account: Account, data: dict[str, Any]) -> Payment:
    """Create an open payment; a first payment needs a customer, a recurring one a mandate."""
    sequence = data.get("sequenceType") or "oneoff"
    customer = None
    if data.get("customerId"):
        customer = customer_of(account, data["customerId"])
    if sequence in ("first", "recurring") and customer is None:
        raise Refused(422, "A customer is required for this sequence type.", "customerId")
    now = account.now()
    payment = Payment(
        account=account,
        public_id=new_id("tr_"),
        customer=customer,
        amount=Decimal(data["amount"]["value"]),
        currency=data["amount"]["currency"],
        description=data["description"],
        sequence_type=sequence,
        method=data.get("method"),
        redirect_url=data.get("redirectUrl"),
        cancel_url=data.get("cancelUrl"),
        webhook_url=data.get("webhookUrl"),
        locale=data.get("locale"),
        metadata=data.get("metadata"),
        created_at=now,
        expires_at=now + PAYMENT_LIFETIME,
    )
    if sequence == "recurring":
        payment.mandate = valid_mandate(customer, data.get("mandateId"))  # type: ignore[arg-type]
    payment.save()
    return payment


def payment_of(account: Account, public_id: str) -> Payment:
    payment = (
        Payment.objects.filter(account=account, public_id=public_id)
        .select_related("customer", "mandate", "subscription", "account")
        .first()
    )
    if payment is None:
        raise Refused(404, f"No payment exists with token {public_id}.")
    return payment


def valid_mandate(customer: Customer, mandate_id: str | None = None) -> Mandate:
    mandates = customer.mandates.filter(status="valid").order_by("-id")
    if mandate_id:
        mandates = mandates.filter(public_id=mandate_id)
    mandate = mandates.first()
    if mandate is None:
        raise Refused(422, "The customer has no valid mandate.", "mandateId")
    return mandate


# ---- the hosted checkout page ---------------------------------------------------------------


def checkout_complete(*, payment: Payment, outcome: str) -> Payment:
    """What the customer chose on the hosted page: paid, failed, expired or canceled.

    A paid first payment gives the customer a valid direct-debit mandate (an iDEAL first
    payment leaves the IBAN it was paid from as a SEPA mandate)."""
    if payment.status != "open":
        raise Refused(422, f"The payment is {payment.status}, not open.")
    now = payment.account.now()
    with transaction.atomic():
        if outcome == "paid" and payment.sequence_type == "first" and payment.customer:
            payment.mandate = Mandate.objects.create(
                customer=payment.customer,
                public_id=new_id("mdt_"),
                signature_date=now.date(),
                created_at=now,
            )
            payment.method = payment.method or "ideal"
        settle(payment, outcome, now)
    notify(payment)
    return payment


def settle(payment: Payment, outcome: str, now: Any) -> None:
    payment.status = outcome
    stamp_field = {"paid": "paid_at", "failed": "failed_at", "expired": "expired_at"}.get(
        outcome, "canceled_at"
    )
    setattr(payment, stamp_field, now)
    payment.save()


# ---- subscriptions ---------------------------------------------------------------------------


def add_interval(start: date, interval: str, times: int = 1) -> date:
    """The date `times` intervals after start ("1 month", "2 weeks", "14 days")."""
    count_text, unit = interval.split(" ", 1)
    count = int(count_text) * times
    if unit.startswith("day"):
        return start + timedelta(days=count)
    if unit.startswith("week"):
        return start + timedelta(weeks=count)
    months = start.month - 1 + count
    year, month = start.year + months // 12, months % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def subscription_create(*, customer: Customer, data: dict[str, Any]) -> Subscription:
    mandate = valid_mandate(customer, data.get("mandateId"))
    active = customer.subscriptions.filter(status__in=("active", "pending"))
    if active.filter(description=data["description"]).exists():
        raise Refused(422, "The description of the subscription must be unique.", "description")
    today = customer.account.now().date()
    start = date.fromisoformat(data["startDate"]) if data.get("startDate") else today
    return Subscription.objects.create(
        customer=customer,
        public_id=new_id("sub_"),
        amount=Decimal(data["amount"]["value"]),
        currency=data["amount"]["currency"],
        interval=data["interval"],
        times=data.get("times"),
        description=data["description"],
        method=data.get("method"),
        mandate=mandate,
        start_date=start,
        next_payment_date=start,
        webhook_url=data.get("webhookUrl"),
        metadata=data.get("metadata"),
        created_at=customer.account.now(),
    )


def subscription_of(customer: Customer, public_id: str) -> Subscription:
    subscription = customer.subscriptions.filter(public_id=public_id).first()
    if subscription is None:
        raise Refused(404, f"No subscription exists with token {public_id}.")
    return subscription


def subscription_update(*, subscription: Subscription, data: dict[str, Any]) -> Subscription:
    if subscription.status in ("canceled", "completed"):
        raise Refused(422, f"The subscription is {subscription.status}.")
    if "amount" in data:
        subscription.amount = Decimal(data["amount"]["value"])
        subscription.currency = data["amount"]["currency"]
    for field, name in (("description", "description"), ("interval", "interval")):
        if field in data:
            setattr(subscription, name, data[field])
    for field, name in (("webhookUrl", "webhook_url"), ("metadata", "metadata")):
        if field in data:
            setattr(subscription, name, data[field])
    if "times" in data:
        subscription.times = data["times"]
    if data.get("startDate"):
        subscription.start_date = date.fromisoformat(data["startDate"])
        subscription.next_payment_date = subscription.start_date
    if data.get("mandateId"):
        subscription.mandate = valid_mandate(subscription.customer, data["mandateId"])
    subscription.save()
    return subscription


def subscription_cancel(*, subscription: Subscription) -> Subscription:
    if subscription.status in ("canceled", "completed"):
        raise Refused(422, f"The subscription is {subscription.status} already.")
    subscription.status = "canceled"
    subscription.canceled_at = subscription.customer.account.now()
    subscription.next_payment_date = None
    subscription.save()
    return subscription


# ---- the clock -------------------------------------------------------------------------------


@dataclass
class ClockResult:
    charged: list[Payment]


def clock_advance(*, account: Account, by: timedelta) -> ClockResult:
    """Move the account's clock ahead and charge every subscription that falls due meanwhile
    (each due date its own payment, paid or failed as the account's knob says)."""
    Account.objects.filter(pk=account.pk).update(clock_offset=account.clock_offset + by)
    account.refresh_from_db()
    return ClockResult(charged=subscriptions_charge_due(account=account))


def subscriptions_charge_due(*, account: Account) -> list[Payment]:
    today = account.now().date()
    due = Subscription.objects.filter(
        customer__account=account, status="active", next_payment_date__lte=today
    ).select_related("customer", "mandate")
    charged: list[Payment] = []
    for subscription in due.order_by("id"):
        while subscription.next_payment_date and subscription.next_payment_date <= today:
            charged.append(subscription_charge(account, subscription))
    for payment in charged:
        notify(payment)
    return charged


def subscription_charge(account: Account, subscription: Subscription) -> Payment:
    """One recurring payment of the subscription, settled at once by the knob."""
    with transaction.atomic():
        payment = Payment.objects.create(
            account=account,
            public_id=new_id("tr_"),
            customer=subscription.customer,
            mandate=subscription.mandate,
            subscription=subscription,
            amount=subscription.amount,
            currency=subscription.currency,
            description=subscription.description,
            sequence_type="recurring",
            method="directdebit",
            webhook_url=subscription.webhook_url,
            metadata=subscription.metadata,
            created_at=account.now(),
        )
        if account.recurring_outcome != Outcome.OPEN:
            settle(payment, account.recurring_outcome, account.now())
        assert subscription.next_payment_date is not None
        subscription.next_payment_date = add_interval(
            subscription.next_payment_date, subscription.interval
        )
        if subscription.times and subscription.payments.count() >= subscription.times:
            subscription.status, subscription.next_payment_date = "completed", None
        subscription.save()
    return payment


def payment_settle_open(*, payment: Payment, outcome: str) -> Payment:
    """Settle a recurring payment left open (the admin page's buttons)."""
    if payment.status != "open":
        raise Refused(422, f"The payment is {payment.status}, not open.")
    settle(payment, outcome, payment.account.now())
    notify(payment)
    return payment


# ---- webhooks --------------------------------------------------------------------------------


def notify(payment: Payment) -> None:
    """Call the payment's webhook once the change is committed (POST id=tr_…)."""
    if not payment.webhook_url or not payment.account.webhooks_enabled:
        return
    account, url, object_id = payment.account, payment.webhook_url, payment.public_id
    transaction.on_commit(lambda: webhook_call(account=account, url=url, object_id=object_id))


def webhook_call(*, account: Account, url: str, object_id: str) -> WebhookCall:
    call = WebhookCall(account=account, url=url[:500], object_id=object_id)
    try:
        response = httpx.post(url, data={"id": object_id}, timeout=WEBHOOK_TIMEOUT)
        call.status_code = response.status_code
    except httpx.HTTPError as error:
        call.error = f"{type(error).__name__}: {error}"[:1000]
        logger.warning("mollie sandbox webhook to %s failed: %s", url, call.error)
    call.save()
    return call


def webhook_resend(*, payment: Payment) -> WebhookCall | None:
    """Call a payment's webhook again (the admin page: Mollie calls more than once)."""
    if not payment.webhook_url:
        return None
    return webhook_call(
        account=payment.account, url=payment.webhook_url, object_id=payment.public_id
    )
