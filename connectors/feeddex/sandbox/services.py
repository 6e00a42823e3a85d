"""Writes of the Feeddex sandbox: accounts and tokens, the shop's records, invitations.

Every function takes keyword arguments and the account (or a row loaded through it), so
one account never touches another's rows.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from connectors.feeddex.sandbox import webhooks
from connectors.feeddex.sandbox.models import (
    AccessToken,
    Account,
    Customer,
    Order,
    Product,
    Transaction,
    Unit,
    WebhookSubscription,
)
from connectors.feeddex.sandbox.schemas import (
    CustomerIn,
    OrderPatchIn,
    ProductIn,
    StockIn,
    TransactionIn,
    WebhookIn,
)
from connectors.sandboxkit.faults import reset_counters
from connectors.sandboxkit.knobs import Knobs

CENT = Decimal("0.01")
DEFAULT_UNITS = ("Webwinkel", "Winkel Utrecht")
SKU_TAKEN = "a product with this sku exists already"
EMAIL_TAKEN = "a customer with this email exists already"
TRANSACTION_TAKEN = "a transaction with this customerCode and orderReference exists already"
ONLY_SIMPLE = "only simple products are supported; {type} products are not"
UNKNOWN_UNIT = "unknown unit"
# Feedback timeline, in sandbox days after the invitation is sent.
REMINDER_AFTER_DAYS = 3
EXPIRES_AFTER_DAYS = 30
RESPONSE_SHARE = 0.7


class SandboxError(Exception):
    status = 400

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class NotFound(SandboxError):
    status = 404


class Conflict(SandboxError):
    status = 409


class Unsupported(SandboxError):
    status = 422


# ---- accounts and tokens -------------------------------------------------------------------


@transaction.atomic
def account_create(
    *,
    organization: str,
    auth_code: str | None = None,
    password: str | None = None,
    knobs: Knobs | None = None,
    duplicate_webhook_rate: float = 0.0,
    tenant: Any = None,
) -> Account:
    """Create a sandbox organization with two units; credentials are generated if not given.
    `tenant`: the platform company it belongs to (None for the demo and hand-made ones)."""
    account = Account(
        organization=organization, duplicate_webhook_rate=duplicate_webhook_rate, tenant=tenant
    )
    if knobs is not None:
        account.knobs = knobs.dump()
    account.set_credentials(
        auth_code=auth_code or secrets.token_urlsafe(12),
        password=password or secrets.token_urlsafe(16),
    )
    account.save()
    Unit.objects.bulk_create(Unit(account=account, name=name) for name in DEFAULT_UNITS)
    return account


def account_set_knobs(
    *,
    account: Account,
    knobs: Knobs,
    duplicate_webhook_rate: float | None = None,
    day_seconds: int | None = None,
) -> Account:
    """Store new knobs; the rate-limit counters start afresh so the new limits apply now."""
    account.knobs = knobs.dump()
    if duplicate_webhook_rate is not None:
        account.duplicate_webhook_rate = duplicate_webhook_rate
    if day_seconds is not None:
        account.day_seconds = day_seconds
    account.save(update_fields=["knobs", "duplicate_webhook_rate", "day_seconds"])
    reset_counters(account.scope)
    return account


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate(*, organization: str, auth_code: str, password: str) -> Account | None:
    """Return the account when all three credentials match (compared in constant time)."""
    account = Account.objects.filter(organization=organization).first()
    if account is None:
        # Compare anyway, so that an unknown organization takes as long as a known one.
        hmac.compare_digest(password.encode(), password.encode()[::-1])
        return None
    code_ok = hmac.compare_digest(auth_code.encode(), account.auth_code.encode())
    password_ok = hmac.compare_digest(password.encode(), account.password.encode())
    return account if code_ok and password_ok else None


def token_issue(*, account: Account, now: datetime) -> tuple[str, int]:
    """Return a new bearer token and its lifetime in seconds (the account's knob)."""
    knobs = account.get_knobs()
    lifetime = knobs.token_lifetime_seconds
    token = secrets.token_urlsafe(32)
    # The lifetime runs on the sandbox's clock, which tests may move on instead of waiting.
    expires_at = now + timedelta(seconds=lifetime + knobs.clock_offset_seconds)
    AccessToken.objects.create(
        account=account, token_hash=_token_hash(token), expires_at=expires_at
    )
    AccessToken.objects.filter(account=account, expires_at__lt=now - timedelta(days=1)).delete()
    return token, lifetime


def token_lookup(token: str) -> AccessToken | None:
    """Return the token row (valid or expired), or None for a token never issued."""
    return (
        AccessToken.objects.select_related("account").filter(token_hash=_token_hash(token)).first()
    )


# ---- products and stock --------------------------------------------------------------------


def _product_values(data: ProductIn, *, only_given: bool) -> dict[str, Any]:
    names = data.model_fields_set if only_given else set(type(data).model_fields)
    values = {name: getattr(data, name) for name in names if name != "type"}
    if "attributes" in values:
        values["attributes"] = [a.model_dump() for a in data.attributes]
    return values


def _check_simple(data: ProductIn) -> None:
    if data.type != "simple":
        raise Unsupported(ONLY_SIMPLE.format(type=data.type), {"type": ["must be simple"]})


def product_create(*, account: Account, data: ProductIn, now: datetime) -> Product:
    _check_simple(data)
    product = Product(account=account, created_at=now, updated_at=now)
    for name, value in _product_values(data, only_given=False).items():
        setattr(product, name, value)
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError:
        raise Conflict(SKU_TAKEN, {"sku": [SKU_TAKEN]}) from None
    return product


def product_update(*, product: Product, data: ProductIn, now: datetime) -> Product:
    """Change the fields the body names; the ones it leaves out keep their values."""
    _check_simple(data)
    for name, value in _product_values(data, only_given=True).items():
        setattr(product, name, value)
    product.updated_at = now
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError:
        raise Conflict(SKU_TAKEN, {"sku": [SKU_TAKEN]}) from None
    return product


@transaction.atomic
def stock_apply(
    *, account: Account, data: StockIn, now: datetime
) -> tuple[int, list[dict[str, str]]]:
    """Set stock by sku; return how many were updated and the skus that failed (unknown)."""
    products = {
        p.sku: p
        for p in Product.objects.filter(account=account, sku__in=[i.sku for i in data.items])
    }
    failed: list[dict[str, str]] = []
    changed: dict[str, Product] = {}
    for item in data.items:
        product = products.get(item.sku)
        if product is None:
            failed.append({"sku": item.sku, "message": "unknown sku"})
            continue
        product.quantity = item.quantity
        if item.manage_stock is not None:
            product.manage_stock = item.manage_stock
        product.updated_at = now
        changed[item.sku] = product
    Product.objects.bulk_update(changed.values(), ["quantity", "manage_stock", "updated_at"])
    updated = sum(1 for item in data.items if item.sku in changed)
    return updated, failed


# ---- customers -----------------------------------------------------------------------------


def _customer_values(data: CustomerIn, *, only_given: bool) -> dict[str, Any]:
    names = data.model_fields_set if only_given else set(type(data).model_fields)
    values: dict[str, Any] = {name: getattr(data, name) for name in names}
    for name in ("billing_address", "shipping_address"):
        if name in values and values[name] is not None:
            values[name] = getattr(data, name).model_dump(by_alias=True)
    return values


def _save_customer(customer: Customer) -> Customer:
    taken = Customer.objects.filter(account=customer.account, email__iexact=customer.email).exclude(
        pk=customer.pk
    )
    if taken.exists():
        raise Conflict(EMAIL_TAKEN, {"email": [EMAIL_TAKEN]})
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError:
        raise Conflict(EMAIL_TAKEN, {"email": [EMAIL_TAKEN]}) from None
    return customer


def customer_create(*, account: Account, data: CustomerIn, now: datetime) -> Customer:
    customer = Customer(account=account, created_at=now, updated_at=now)
    for name, value in _customer_values(data, only_given=False).items():
        setattr(customer, name, value)
    return _save_customer(customer)


def customer_update(*, customer: Customer, data: CustomerIn, now: datetime) -> Customer:
    """Change the fields the body names; the ones it leaves out keep their values."""
    for name, value in _customer_values(data, only_given=True).items():
        setattr(customer, name, value)
    customer.updated_at = now
    return _save_customer(customer)


# ---- orders --------------------------------------------------------------------------------


@dataclass
class NewOrder:
    """An order as a shop's customer places it (the seed and the shop simulator build these)."""

    customer_data: dict[str, Any]
    billing_address: dict[str, Any]
    lines: list[dict[str, Any]]
    shipping_cost: dict[str, Any]
    customer: Customer | None = None
    shipping_address: dict[str, Any] | None = None
    payment_status: str = "paid"
    payment_method: str = "ideal"
    payment_term_days: int | None = None
    note: str | None = None
    created_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _split_vat(amount: Decimal, *, rate: Decimal, includes_vat: bool) -> tuple[Decimal, Decimal]:
    """Return (excl, vat) of an amount given incl. or excl. VAT."""
    if includes_vat:
        excl = amount / (1 + rate / 100)
        return excl, amount - excl
    return amount, amount * rate / 100


def order_totals(lines: list[dict[str, Any]], shipping_cost: dict[str, Any]) -> dict[str, float]:
    """Return exclVat, vat and inclVat of the lines and the shipping cost, in cents."""
    excl_total = vat_total = Decimal(0)
    parts = [
        (
            Decimal(str(line["unitPrice"])) * line["quantity"]
            - Decimal(str(line.get("discountAmount", 0))),
            Decimal(str(line["vatRate"])),
            bool(line["priceIncludesVat"]),
        )
        for line in lines
    ]
    parts.append(
        (
            Decimal(str(shipping_cost["amount"])),
            Decimal(str(shipping_cost["vatRate"])),
            bool(shipping_cost["priceIncludesVat"]),
        )
    )
    for amount, rate, includes_vat in parts:
        excl, vat = _split_vat(amount, rate=rate, includes_vat=includes_vat)
        excl_total += excl
        vat_total += vat
    excl_total, vat_total = _cents(excl_total), _cents(vat_total)
    return {
        "exclVat": float(excl_total),
        "vat": float(vat_total),
        "inclVat": float(excl_total + vat_total),
    }


def _next_numbers(account: Account, count: int) -> list[str]:
    Account.objects.filter(pk=account.pk).update(next_order_number=F("next_order_number") + count)
    account.refresh_from_db(fields=["next_order_number"])
    first = account.next_order_number - count
    return [f"FDX-{first + i}" for i in range(count)]


def build_orders(*, account: Account, new_orders: list[NewOrder], now: datetime) -> list[Order]:
    """Return unsaved orders with numbers and totals (the seed bulk-creates them)."""
    numbers = _next_numbers(account, len(new_orders))
    return [
        Order(
            account=account,
            number=number,
            payment_status=new.payment_status,
            payment_method=new.payment_method,
            payment_term_days=new.payment_term_days,
            customer=new.customer,
            customer_data=new.customer_data,
            billing_address=new.billing_address,
            shipping_address=new.shipping_address,
            lines=new.lines,
            shipping_cost=new.shipping_cost,
            totals=order_totals(new.lines, new.shipping_cost),
            note=new.note,
            created_at=new.created_at or now,
            updated_at=new.created_at or now,
            **new.extra,
        )
        for number, new in zip(numbers, new_orders, strict=True)
    ]


def _lower_stock(*, account: Account, lines: list[dict[str, Any]], now: datetime) -> None:
    for line in lines:
        Product.objects.filter(account=account, sku=line["sku"], manage_stock=True).update(
            quantity=F("quantity") - line["quantity"], updated_at=now
        )


@transaction.atomic
def order_place(*, account: Account, new_order: NewOrder, now: datetime) -> Order:
    """Place an order as the shop would: lower stock, fire order.created (and order.paid)."""
    (order,) = build_orders(account=account, new_orders=[new_order], now=now)
    order.save()
    _lower_stock(account=account, lines=order.lines, now=now)
    webhooks.event_emit(account=account, event_type="order.created", order=order, now=now)
    if order.payment_status == "paid":
        webhooks.event_emit(account=account, event_type="order.paid", order=order, now=now)
    return order


@transaction.atomic
def order_mark_paid(*, order: Order, now: datetime) -> Order:
    order.payment_status = "paid"
    order.updated_at = now
    order.save(update_fields=["payment_status", "updated_at"])
    webhooks.event_emit(account=order.account, event_type="order.paid", order=order, now=now)
    return order


@transaction.atomic
def order_patch(*, order: Order, data: OrderPatchIn, now: datetime) -> Order:
    """Record the external reference and/or move the status; fire order.updated."""
    if "external_reference" in data.model_fields_set:
        order.external_reference = data.external_reference
    if "status" in data.model_fields_set:
        if data.status is None:
            raise SandboxError("the body is invalid", {"status": ["may not be null"]})
        order.status = data.status
    order.updated_at = now
    order.save()
    webhooks.event_emit(account=order.account, event_type="order.updated", order=order, now=now)
    return order


# ---- transactions (review invitations) -----------------------------------------------------


def _planned(rng: random.Random, *, sent: datetime, day: timedelta) -> dict[str, Any]:
    """Return when the customer is reminded, starts, answers and completes, and the score."""
    plan: dict[str, Any] = {"reminded_at": None, "started_at": None}
    responds = rng.random() < RESPONSE_SHARE
    answer_after = rng.uniform(0.05, 6.0) if responds else None
    if answer_after is None or answer_after > REMINDER_AFTER_DAYS:
        plan["reminded_at"] = sent + day * REMINDER_AFTER_DAYS
    if answer_after is not None:
        started = sent + day * answer_after
        # Answering takes minutes of a sandbox day (milliseconds when a day is a second).
        minute = day / (24 * 60)
        plan["started_at"] = started
        plan["questions_completed_at"] = started + minute * rng.uniform(0.5, 5)
        plan["completed_at"] = plan["questions_completed_at"] + minute * rng.uniform(0.2, 2)
        # Mostly content customers, as on real review platforms.
        plan["score"] = min(100, max(0, round(rng.gauss(82, 12))))
    return plan


def transaction_register(*, account: Account, data: TransactionIn, now: datetime) -> Transaction:
    """Register an invitation; its whole timeline is planned now and shown as time passes."""
    unit = Unit.objects.filter(account=account, pk=data.unit_id).first()
    if unit is None:
        raise SandboxError("the body is invalid", {"unitId": [UNKNOWN_UNIT]})
    day = timedelta(seconds=account.day_seconds)
    sent = now + day * data.delay_days
    seed = f"{account.scope_key}:{data.customer_code}:{data.order_reference}"
    rng = random.Random(seed)  # noqa: S311 - simulated behaviour, not security
    row = Transaction(
        account=account,
        unit=unit,
        customer_code=data.customer_code,
        order_reference=data.order_reference,
        date=data.date,
        email=data.email,
        first_name=data.first_name,
        last_name=data.last_name,
        company_name=data.company_name,
        products=[p.model_dump() for p in data.products],
        delay_days=data.delay_days,
        entered_on=now,
        sent_at=sent,
        expiration_date=_expiration(sent, day),
        **_planned(rng, sent=sent, day=day),
    )
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise Conflict(TRANSACTION_TAKEN, {"orderReference": [TRANSACTION_TAKEN]}) from None
    return row


def _expiration(sent: datetime, day: timedelta) -> date:
    return timezone.localdate(sent + day * EXPIRES_AFTER_DAYS)


def transactions_complete_now(*, account: Account, now: datetime, seed: int = 0) -> int:
    """On demand: every invitation not yet answered is sent and answered now, with a score."""
    rng = random.Random(seed)  # noqa: S311 - simulated behaviour, not security
    open_rows = Transaction.objects.filter(account=account).filter(
        Q(completed_at__isnull=True) | Q(completed_at__gt=now)
    )
    done = 0
    for row in open_rows.order_by("id"):
        row.sent_at = min(row.sent_at, now - timedelta(seconds=120))
        if row.reminded_at is not None and row.reminded_at > now:
            row.reminded_at = None
        row.started_at = now - timedelta(seconds=90)
        row.questions_completed_at = now - timedelta(seconds=30)
        row.completed_at = now
        if row.score is None:
            row.score = min(100, max(0, round(rng.gauss(82, 12))))
        row.save()
        done += 1
    return done


# ---- webhook subscriptions -----------------------------------------------------------------


def webhook_subscribe(*, account: Account, data: WebhookIn) -> WebhookSubscription:
    subscription = WebhookSubscription(account=account, url=data.url, events=list(data.events))
    subscription.secret = data.secret
    subscription.save()
    return subscription


def webhook_unsubscribe(*, subscription: WebhookSubscription) -> None:
    subscription.delete()


def now() -> datetime:
    return timezone.now()
