"""The shop simulator: customers place orders now and then, pending payments come in,
and every order fires its webhooks (see `manage.py sandbox_shop`).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import datetime

from connectors.feeddex.sandbox import seed, services, webhooks
from connectors.feeddex.sandbox.models import Account, Customer, Order

# Share of ticks on which a pending order's payment comes in.
PAYMENT_SHARE = 0.3


def place_random_order(*, account: Account, rng: random.Random, now: datetime) -> Order:
    """Place one order of the account's active products (a small catalogue if it has none)."""
    catalogue = seed.catalogue_of(account, None, rng)
    if not catalogue:
        seed.seed_account(account, customers=0, orders=0, seed=rng.randint(0, 10**6))
        catalogue = seed.catalogue_of(account, None, rng)
    customers = list(Customer.objects.filter(account=account).order_by("id")[:500])
    index = Order.objects.filter(account=account).count()
    draft = seed.new_order(rng, catalogue=catalogue, customers=customers, index=index)
    return services.order_place(account=account, new_order=draft, now=now)


def pay_one_pending(*, account: Account, rng: random.Random, now: datetime) -> Order | None:
    """Now and then the payment of the oldest pending order comes in (fires order.paid)."""
    if rng.random() >= PAYMENT_SHARE:
        return None
    pending = Order.objects.filter(account=account, payment_status="pending").order_by("id")
    order = pending.first()
    return services.order_mark_paid(order=order, now=now) if order else None


def run_shop(
    *,
    account: Account,
    rate: float,
    seed_value: int,
    count: int | None,
    sleep: Callable[[float], None] = time.sleep,
    on_order: Callable[[Order], None] | None = None,
) -> int:
    """Place orders at `rate` per second until `count` are placed (forever when None)."""
    rng = random.Random(seed_value)  # noqa: S311 - simulated shoppers, not security
    placed = 0
    while count is None or placed < count:
        now = services.now()
        order = place_random_order(account=account, rng=rng, now=now)
        pay_one_pending(account=account, rng=rng, now=now)
        placed += 1
        if on_order is not None:
            on_order(order)
        # Retries that have come due go out here too (and everything in the manual mode).
        webhooks.deliver_due()
        if count is None or placed < count:
            sleep(1 / rate if rate > 0 else 0)
    return placed
