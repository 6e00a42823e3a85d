"""Writes of the billing: checkout, what a payment's webhook means, switching, cancelling, and
the periodic lifecycle (ends of periods, usage notices).

The provider's webhook carries only a payment id: the payment is fetched back from the
provider and must belong to the company whose webhook URL was called, else nothing happens.
Every change is a BillingEvent row, unique per company, kind and payment id, and is claimed
before anything else happens, so a repeated webhook changes nothing the second time.
"""

from __future__ import annotations

import calendar
import logging
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from billing.models import BillingAccount, BillingEvent, EventKind, Invoice, SubscriptionStatus
from connectors.mollie import client as payments
from flows.models import Flow
from tenants.models import Plan, PlanStatus, Tenant, UsageMonth, User, month_start
from tenants.usage import WARN_AT, records_limit_lift

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
SUBSCRIBE, PAY_DUE = "subscribe", "pay_due"
FAILED = ("failed", "expired", "canceled")
# Marked for translation; the views show them in the user's language.
NOT_SUBSCRIBABLE = gettext_noop("The company has a subscription already: switch plans instead.")
NOTHING_DUE = gettext_noop("Nothing is due: the subscription is not past due.")
NO_SUBSCRIPTION = gettext_noop("The company has no running subscription.")


class BillingRefused(Exception):
    """What the owner asked cannot be done now; the message says why."""


# ---- money ---------------------------------------------------------------------------------


def vat_of(amount_excl: Decimal) -> Decimal:
    rate = Decimal(settings.BILLING_VAT_PERCENT) / 100
    return (amount_excl * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def price_incl_vat(plan: Plan) -> Decimal:
    return plan.price_excl_vat + vat_of(plan.price_excl_vat)


def add_month(moment: datetime) -> datetime:
    local = timezone.localtime(moment)
    month = local.month % 12 + 1
    year = local.year + (1 if month == 1 else 0)
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day)


def start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


# ---- the account ---------------------------------------------------------------------------


def account_for(tenant: Tenant) -> BillingAccount:
    account, _ = BillingAccount.objects.get_or_create(tenant=tenant)
    return account


def webhook_url(account: BillingAccount) -> str:
    return settings.SITE_URL + reverse("billing:webhook", args=[account.webhook_token])


def return_url() -> str:
    return settings.SITE_URL + reverse("billing:checkout_return")


def customer_ensure(account: BillingAccount, user: User) -> str:
    if not account.customer_id:
        customer = payments.customer_create(
            name=account.tenant.name,
            email=user.email,
            metadata={"tenant": account.tenant_id},
        )
        account.customer_id = customer.id
        account.save(update_fields=["customer_id"])
    return account.customer_id


def event_record(
    account: BillingAccount,
    kind: str,
    reference: str,
    *,
    plan: Plan | None = None,
    amount: Decimal | None = None,
    detail: str = "",
    email: bool = True,
) -> BillingEvent | None:
    """Claim the change: the row, or None when this change was recorded before."""
    try:
        with transaction.atomic():
            event = BillingEvent.objects.create(
                tenant=account.tenant,
                kind=kind,
                reference=reference[:60],
                plan=plan,
                amount=amount,
                detail=detail,
            )
    except IntegrityError:
        return None
    if email:
        from billing.tasks import billing_email_task

        transaction.on_commit(lambda: billing_email_task.delay(event.pk))
    return event


# ---- checkout ------------------------------------------------------------------------------


def checkout_start(*, tenant: Tenant, plan: Plan, user: User) -> str:
    """Start the first payment of a subscription; return the hosted checkout page's URL."""
    account = account_for(tenant)
    if account.status in (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE):
        raise BillingRefused(NOT_SUBSCRIBABLE)
    customer_id = customer_ensure(account, user)
    payment = payments.payment_create(
        customer_id=customer_id,
        amount=price_incl_vat(plan),
        description=f"APIcenter {plan.name}: {tenant.name}",
        redirect_url=return_url(),
        webhook_url=webhook_url(account),
        metadata={"tenant": tenant.pk, "plan": plan.slug, "purpose": SUBSCRIBE},
    )
    account.pending_payment_id = payment.id
    account.save(update_fields=["pending_payment_id"])
    event_record(account, EventKind.CHECKOUT_STARTED, payment.id, plan=plan, email=False)
    return payment.checkout_url or return_url()


def pay_due_start(*, tenant: Tenant, user: User) -> str:
    """Let the owner pay a failed period on the hosted page (it also renews the mandate)."""
    account = account_for(tenant)
    if account.status != SubscriptionStatus.PAST_DUE or account.plan is None:
        raise BillingRefused(NOTHING_DUE)
    payment = payments.payment_create(
        customer_id=customer_ensure(account, user),
        amount=price_incl_vat(account.plan),
        description=f"APIcenter {account.plan.name}: {tenant.name} (open payment)",
        redirect_url=return_url(),
        webhook_url=webhook_url(account),
        metadata={"tenant": tenant.pk, "plan": account.plan.slug, "purpose": PAY_DUE},
    )
    account.pending_payment_id = payment.id
    account.save(update_fields=["pending_payment_id"])
    return payment.checkout_url or return_url()


# ---- the webhook ---------------------------------------------------------------------------


def payment_received(*, token: str, payment_id: str) -> str:
    """Act on what the provider says about a payment; return what happened, in a word."""
    account = BillingAccount.objects.filter(webhook_token=token).first()
    if account is None or not account.customer_id:
        return "unknown account"
    try:
        payment = payments.payment_get(payment_id)
    except payments.PaymentsError as error:
        if error.not_found:
            return "unknown payment"
        raise
    if payment.customer_id != account.customer_id:
        logger.warning("webhook of tenant %s named another customer's payment", account.tenant_id)
        return "not this company's payment"
    with transaction.atomic():
        account = (
            BillingAccount.objects.select_for_update().select_related("tenant").get(pk=account.pk)
        )
        return payment_apply(account, payment)


def payment_apply(account: BillingAccount, payment: payments.Payment) -> str:
    purpose = payment.meta.get("purpose")
    if payment.sequence_type == "recurring":
        if payment.subscription_id != account.subscription_id:
            return "another subscription's payment"
        return recurring_payment(account, payment)
    if purpose not in (SUBSCRIBE, PAY_DUE):
        return "not a billing payment"
    if payment.status in FAILED:
        event_record(account, EventKind.CHECKOUT_FAILED, payment.id, email=False)
        BillingAccount.objects.filter(pk=account.pk, pending_payment_id=payment.id).update(
            pending_payment_id=""
        )
        return "checkout failed"
    if payment.status != "paid":
        return "waiting"
    if purpose == SUBSCRIBE:
        return subscription_activate(account, payment)
    return due_paid(account, payment)


def subscription_activate(account: BillingAccount, payment: payments.Payment) -> str:
    plan = Plan.objects.filter(slug=payment.meta.get("plan")).first()
    if plan is None:
        return "unknown plan"
    event = event_record(
        account, EventKind.ACTIVATED, payment.id, plan=plan, amount=plan_amount(plan)
    )
    if event is None:
        return "duplicate"
    tenant = account.tenant
    period_end = add_month(payment.paid_at or timezone.now())
    subscription = payments.subscription_create(
        customer_id=account.customer_id,
        amount=price_incl_vat(plan),
        description=f"APIcenter {plan.name}: {tenant.name} ({payment.id})",
        start_date=timezone.localtime(period_end).date(),
        webhook_url=webhook_url(account),
        metadata={"tenant": tenant.pk},
        mandate_id=payment.mandate_id,
    )
    account.subscription_id, account.mandate_id = subscription.id, payment.mandate_id or ""
    account.status, account.plan, account.next_plan = SubscriptionStatus.ACTIVE, plan, None
    account.period_ends_at, account.pending_payment_id = period_end, ""
    account.save()
    tenant_activate(tenant, plan)
    invoice_create(account, payment, plan)
    return "activated"


def due_paid(account: BillingAccount, payment: payments.Payment) -> str:
    if event_record(account, EventKind.PAID, payment.id, plan=account.plan) is None:
        return "duplicate"
    if payment.mandate_id and account.subscription_id:
        # Later periods are charged from the account the owner just paid from.
        payments.subscription_update(
            customer_id=account.customer_id,
            subscription_id=account.subscription_id,
            data={"mandateId": payment.mandate_id},
        )
        account.mandate_id = payment.mandate_id
    account.pending_payment_id = ""
    if account.status == SubscriptionStatus.PAST_DUE:
        account.status = SubscriptionStatus.ACTIVE
        tenant_activate(account.tenant, account.plan)
    account.save()
    if account.plan:
        invoice_create(account, payment, account.plan)
    return "paid"


def recurring_payment(account: BillingAccount, payment: payments.Payment) -> str:
    if payment.status == "paid":
        return period_renewed(account, payment)
    if payment.status in FAILED:
        return period_failed(account, payment)
    return "waiting"


def period_renewed(account: BillingAccount, payment: payments.Payment) -> str:
    if account.next_plan is not None:
        account.plan, account.next_plan = account.next_plan, None
    plan = account.plan
    if event_record(account, EventKind.RENEWED, payment.id, plan=plan) is None:
        return "duplicate"
    account.period_ends_at = add_month(
        max(account.period_ends_at or timezone.now(), timezone.now())
    )
    if account.status == SubscriptionStatus.PAST_DUE:
        account.status = SubscriptionStatus.ACTIVE
    account.save()
    if account.status == SubscriptionStatus.ACTIVE:
        tenant_activate(account.tenant, plan)
    if plan:
        invoice_create(account, payment, plan)
    return "renewed"


def period_failed(account: BillingAccount, payment: payments.Payment) -> str:
    event = event_record(
        account,
        EventKind.PAYMENT_FAILED,
        payment.id,
        plan=account.plan,
        amount=payment.amount.value,
    )
    if event is None:
        return "duplicate"
    if account.status != SubscriptionStatus.ACTIVE:
        return "failed"
    account.status = SubscriptionStatus.PAST_DUE
    account.save(update_fields=["status"])
    grace_end = timezone.now() + timedelta(days=settings.BILLING_GRACE_DAYS)
    Tenant.objects.filter(pk=account.tenant_id).update(
        plan_status=PlanStatus.PAST_DUE, plan_ends_at=grace_end
    )
    return "past due"


def plan_amount(plan: Plan) -> Decimal:
    return price_incl_vat(plan)


def tenant_activate(tenant: Tenant, plan: Plan | None) -> None:
    """The plan is paid for: flows run (at once, not at their next interval)."""
    tenant.plan_status, tenant.plan, tenant.plan_ends_at = PlanStatus.ACTIVE, plan, None
    tenant.save(update_fields=["plan_status", "plan", "plan_ends_at"])
    records_limit_lift(tenant=tenant)
    flows_resume(tenant)


def flows_resume(tenant: Tenant) -> int:
    """Make the company's enabled flows due now; the scheduler's next tick starts them."""
    return Flow.objects.filter(tenant=tenant, enabled=True).update(next_run_at=timezone.now())


def invoice_create(account: BillingAccount, payment: payments.Payment, plan: Plan) -> Invoice:
    existing = Invoice.objects.filter(payment_id=payment.id).first()
    if existing is not None:
        return existing
    incl = payment.amount.value
    excl = (incl / (1 + Decimal(settings.BILLING_VAT_PERCENT) / 100)).quantize(CENT)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Invoice.objects.create(
                    tenant=account.tenant,
                    number=next_invoice_number(),
                    payment_id=payment.id,
                    plan_name=plan.name,
                    description=payment.description,
                    amount_excl_vat=excl,
                    vat_percent=settings.BILLING_VAT_PERCENT,
                    vat=incl - excl,
                    amount_incl_vat=incl,
                    company_name=account.tenant.name,
                )
        except IntegrityError:
            continue  # another company's invoice took the number: take the next
    raise RuntimeError("no free invoice number")


def next_invoice_number() -> str:
    year = timezone.localtime().year
    prefix = f"APC-{year}-"
    last = Invoice.objects.filter(number__startswith=prefix).order_by("-number").first()
    sequence = int(last.number.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{sequence:05d}"


# ---- switching and cancelling ------------------------------------------------------------


def plan_switch(*, tenant: Tenant, plan: Plan) -> str:
    """Switch plans: an upgrade's limits apply at once, a downgrade's from the next period;
    the new price is charged from the next period either way (no pro-rata charge)."""
    with transaction.atomic():
        account = BillingAccount.objects.select_for_update().get(tenant=tenant)
        if account.status != SubscriptionStatus.ACTIVE or account.plan is None:
            raise BillingRefused(NO_SUBSCRIPTION)
        if plan == account.plan:
            account.next_plan = None
            account.save(update_fields=["next_plan"])
            return "unchanged"
        payments.subscription_update(
            customer_id=account.customer_id,
            subscription_id=account.subscription_id,
            data={"amount": payments.money(price_incl_vat(plan))},
        )
        reference = f"{plan.slug}@{timezone.now():%Y%m%d%H%M%S%f}"
        if plan.price_excl_vat > account.plan.price_excl_vat:
            account.plan, account.next_plan = plan, None
            account.save(update_fields=["plan", "next_plan"])
            tenant_activate(tenant, plan)
            event_record(account, EventKind.UPGRADED, reference, plan=plan)
            return "upgraded"
        account.next_plan = plan
        account.save(update_fields=["next_plan"])
        event_record(account, EventKind.DOWNGRADE_SCHEDULED, reference, plan=plan)
        return "downgrade scheduled"


def subscription_cancel(*, tenant: Tenant) -> datetime | None:
    """Stop the subscription: no more payments; flows run to the end of the paid period."""
    with transaction.atomic():
        account = BillingAccount.objects.select_for_update().get(tenant=tenant)
        if account.status not in (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE):
            raise BillingRefused(NO_SUBSCRIPTION)
        payments.subscription_cancel(
            customer_id=account.customer_id, subscription_id=account.subscription_id
        )
        ends = account.period_ends_at or timezone.now()
        if account.status == SubscriptionStatus.PAST_DUE:
            ends = min(ends, tenant.plan_ends_at or ends)  # the unpaid period is not given
        account.status, account.next_plan = SubscriptionStatus.CANCELED, None
        account.save(update_fields=["status", "next_plan"])
        Tenant.objects.filter(pk=tenant.pk).update(plan_ends_at=ends)
        event_record(account, EventKind.CANCELED, account.subscription_id, plan=account.plan)
        return ends


# ---- the periodic lifecycle --------------------------------------------------------------


def billing_lifecycle_run(*, now: datetime | None = None) -> int:
    """End subscriptions whose paid (or grace) period is over, and send due usage notices.
    Safe to run any number of times; return how many changes it made."""
    now = now or timezone.now()
    return subscriptions_end(now) + usage_notices(now)


def subscriptions_end(now: datetime) -> int:
    over = BillingAccount.objects.filter(
        status__in=(SubscriptionStatus.CANCELED, SubscriptionStatus.PAST_DUE),
        tenant__plan_ends_at__lte=now,
    ).select_related("tenant")
    return sum(subscription_end(account) for account in over)


def subscription_end(account: BillingAccount) -> bool:
    with transaction.atomic():
        account = (
            BillingAccount.objects.select_for_update().select_related("tenant").get(pk=account.pk)
        )
        if account.status not in (SubscriptionStatus.CANCELED, SubscriptionStatus.PAST_DUE):
            return False
        if account.status == SubscriptionStatus.PAST_DUE:
            lapse_cancel(account)
        account.status = SubscriptionStatus.ENDED
        account.save(update_fields=["status"])
        Tenant.objects.filter(pk=account.tenant_id).update(plan_status=PlanStatus.PAUSED)
        event_record(account, EventKind.ENDED, account.subscription_id, plan=account.plan)
    return True


def lapse_cancel(account: BillingAccount) -> None:
    """A subscription whose payment stayed unpaid stops charging too."""
    try:
        payments.subscription_cancel(
            customer_id=account.customer_id, subscription_id=account.subscription_id
        )
    except payments.PaymentsError as error:
        logger.warning("could not cancel lapsed subscription of %s: %s", account.tenant_id, error)


def usage_notices(now: datetime) -> int:
    month = month_start(now)
    paying = UsageMonth.objects.filter(
        month=month,
        tenant__plan__isnull=False,
        tenant__plan_status__in=(PlanStatus.ACTIVE, PlanStatus.PAST_DUE),
        records__gte=F("tenant__plan__records_per_month") * WARN_AT,
    ).select_related("tenant__plan")
    sent = 0
    for usage in paying:
        tenant, plan = usage.tenant, usage.tenant.plan
        assert plan is not None
        account = account_for(tenant)
        kind = EventKind.USAGE_LIMIT if usage.records >= plan.records_per_month else None
        for notice in filter(None, (EventKind.USAGE_WARNING, kind)):
            detail = f"{usage.records}/{plan.records_per_month}"
            sent += bool(event_record(account, notice, f"{month:%Y-%m}", plan=plan, detail=detail))
    return sent
