"""Orders of different customers are booked side by side (an API 200 ms away otherwise caps a
run at a few orders a second); one customer's orders one after the other, each order's own
calls in their order, every order booked exactly once."""

from __future__ import annotations

import json
import threading
from collections import Counter

import httpx

from connectors.asperion.sandbox import models as asperion_db
from connectors.http import request_hook
from flows.models import ApiCallLog, LedgerEntry
from tests.flows.conftest import Synced, article_codes, assert_succeeded, place, sales_orders

CUSTOMERS = 5


def place_two_each(shop: Synced) -> None:
    """Two orders of each new customer, one after the other in one page: handed out at once,
    both would find no debtor and make one each."""
    skus = article_codes(shop, 3)
    for n in range(CUSTOMERS):
        for second in range(2):
            place(shop, email=f"klant{n}@example.nl", skus=skus[n % 3 : n % 3 + 1 + second])


class BookingsInFlight:
    """Holds the first sales order's POST until a second one is sent (or `hold` seconds
    pass), and notes which customers' bookings were in flight together."""

    def __init__(self, hold: float = 30) -> None:
        self.hold = hold
        self.lock = threading.Lock()
        self.doubled: list[str] = []  # customers with a second booking sent during the first
        self.second_sent = threading.Event()
        self.in_flight: Counter[str] = Counter()
        self.together: list[frozenset[str]] = []
        self.posts = 0

    def hook(self, request: httpx.Request) -> None:
        if request.method != "POST" or "/salesorders" not in request.url.path:
            return
        customer = str(json.loads(request.content)["debtorCustomerNumber"])
        with self.lock:
            self.posts += 1
            first = self.posts == 1
            if self.in_flight[customer]:
                self.doubled.append(customer)
            self.in_flight[customer] += 1
            self.together.append(frozenset(+self.in_flight))
        if first:
            self.second_sent.wait(timeout=self.hold)
        else:
            self.second_sent.set()
        with self.lock:
            self.in_flight[customer] -= 1


def test_orders_of_different_customers_are_booked_at_once(shop: Synced, settings):
    settings.FLOW_MAX_IN_FLIGHT = 4
    place_two_each(shop)
    watch = BookingsInFlight()
    with request_hook(watch.hook):
        run = shop.run("orders")
    assert_succeeded(run)
    # Another order's booking was sent while the first's was still waiting for its answer.
    assert watch.second_sent.is_set()
    assert max(len(customers) for customers in watch.together) >= 2
    # No customer had two bookings in flight: one debtor each, made by its first order.
    assert watch.doubled == []
    admin = shop.administration
    emails = Counter(
        asperion_db.Debtor.objects.filter(
            administration=admin, email_address__startswith="klant"
        ).values_list("email_address", flat=True)
    )
    assert emails == {f"klant{n}@example.nl": 1 for n in range(CUSTOMERS)}
    # Every order booked once, with its own reference.
    booked = list(sales_orders(shop).values_list("reference", flat=True))
    assert len(booked) == len(set(booked)) == 2 * CUSTOMERS
    assert run.created == 2 * CUSTOMERS
    # The lists read once per run are read once, whichever record asked first.
    paths = Counter(ApiCallLog.objects.filter(run=run).values_list("path", flat=True))
    reference_lists = [p for p in paths if p.split("?")[0].endswith("/paymentconditions")]
    assert all(paths[p] == 1 for p in reference_lists)


def test_one_at_a_time_when_the_connection_says_so(shop: Synced, settings):
    settings.FLOW_MAX_IN_FLIGHT = 4
    accounting = shop.integration.accounting
    accounting.config = {**accounting.config, "max_in_flight": 1}
    accounting.save(update_fields=["config"])
    place_two_each(shop)
    watch = BookingsInFlight(hold=1)
    with request_hook(watch.hook):
        run = shop.run("orders")
    assert_succeeded(run)
    assert max(len(customers) for customers in watch.together) == 1
    assert run.created == 2 * CUSTOMERS
    entries = LedgerEntry.objects.filter(flow=shop.flow("orders"), target_id__gt="")
    assert entries.exclude(source_key__contains=":").count() == 2 * CUSTOMERS


def test_new_debtors_side_by_side_find_numbers_past_blocks_taken_outside(shop: Synced, settings):
    """Numbers the bookkeeper used (50001-50006 and 50008-50010) with gaps between: every
    order in flight that drew a taken number gets a free one, none fails."""
    settings.FLOW_MAX_IN_FLIGHT = 4
    integration = shop.integration
    integration.customer_defaults = {
        **integration.customer_defaults,
        "customer_number_start": 50000,
        "customer_number_end": 59999,
    }
    integration.save(update_fields=["customer_defaults"])
    admin = shop.administration
    template = asperion_db.Debtor.objects.filter(administration=admin).order_by("pk")[0]
    taken = [*range(50001, 50007), *range(50008, 50011)]
    for number in taken:
        template.pk = None
        template.customer_number = str(number)
        template.email_address = f"kept{number}@example.nl"
        template.save()
    skus = article_codes(shop, 1)
    for n in range(8):
        place(shop, email=f"nieuw{n}@example.nl", skus=skus)
    # Answers 100 ms away: the orders in flight draw their numbers before the first refusal.
    shop.set_knobs(latency_ms=100)
    run = shop.run("orders")
    assert_succeeded(run)
    assert run.created == 8
    new = asperion_db.Debtor.objects.filter(administration=admin, email_address__startswith="nieuw")
    numbers = [int(n) for n in new.values_list("customer_number", flat=True)]
    assert len(numbers) == len(set(numbers)) == 8
    assert not set(numbers) & set(taken)
    assert all(50000 <= n <= 59999 for n in numbers)
