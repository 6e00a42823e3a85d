"""A run belongs to one slice at a time: a slice that was taken over writes nothing more; a
slice ends inside a page and the next one carries on at the next record; a retry's wait
never outlasts the slice.

The takeovers here are made by the scheduler's own hand-over (`resume_stalled_runs`) at a
chosen request, through the HTTP layer's request hook, so that no test depends on how fast
the machine is.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

import httpx
from django.utils import timezone

from connectors.asperion.sandbox import models as asperion_db
from connectors.feeddex.sandbox import models as feeddex_db
from connectors.http import request_hook
from connectors.registry import connector_class
from connectors.sandboxkit.knobs import Knobs
from flows import services
from flows.engine import TRANSIENT_REASON
from flows.models import Action, ApiCallLog, FlowRun, LedgerEntry, RecordLog, RunStatus, Trigger
from tests.flows.conftest import Synced, article_codes, assert_succeeded, place, sales_orders


def new_run(synced: Synced, kind: str) -> FlowRun:
    flow = synced.flow(kind)
    return FlowRun.objects.create(tenant=synced.tenant, flow=flow, trigger=Trigger.MANUAL)


class Takeover:
    """What happened around a takeover: the successor, and the requests the taken-over
    slice still sent after it."""

    def __init__(self) -> None:
        self.successor: FlowRun | None = None
        self.sent_after: list[str] = []


@contextmanager
def taken_over_at(run: FlowRun, *, request: Callable[[httpx.Request], bool]) -> Iterator[Takeover]:
    """Hand the run to a successor, as the scheduler's tick does with a run presumed dead,
    when the first request matching `request` is sent."""
    takeover = Takeover()

    def hook(sent: httpx.Request) -> None:
        if takeover.successor is not None:
            takeover.sent_after.append(f"{sent.method} {sent.url.path}")
            return
        if not request(sent):
            return
        # With records in flight, the slice's own thread may confirm the lease between the
        # two statements: then the run is silent again, and the tick tried again.
        for _ in range(100):
            silent_since = timezone.now() - timedelta(hours=2)
            FlowRun.objects.filter(pk=run.pk).update(heartbeat_at=silent_since)
            if services.resume_stalled_runs() == 1:
                break
        else:
            raise AssertionError("the run was never presumed dead")
        takeover.successor = FlowRun.objects.get(params__resumes_run=run.pk)

    with request_hook(hook):
        yield takeover


def feeddex_limit(synced: Synced, *, per_minute: int) -> None:
    """Feeddex (only) admits this many requests a clock minute, then answers 429 with a
    Retry-After of up to 60 s until the minute ends."""
    account = synced.account
    account.knobs = Knobs(rate_per_second=0, rate_per_minute=per_minute).dump()
    account.save(update_fields=["knobs"])


def feeddex_fails(synced: Synced) -> None:
    """Feeddex (only) answers every call with a 500 or a 503."""
    account = synced.account
    account.knobs = Knobs(rate_per_second=0, rate_per_minute=0, error_rate=1.0).dump()
    account.save(update_fields=["knobs"])


def in_flight(synced: Synced) -> int:
    from django.conf import settings

    shop = synced.integration.shop
    return min(settings.FLOW_MAX_IN_FLIGHT, shop.config.get("max_in_flight") or 4)


def run_to_end(run_id: int) -> FlowRun:
    while services.run_execute(run_id) == "continued":
        pass
    return FlowRun.objects.get(pk=run_id)


def posts(run: FlowRun, path: str) -> int:
    return ApiCallLog.objects.filter(run=run, method="POST", path__startswith=path).count()


def test_a_products_run_that_was_taken_over_stops_at_its_next_call(synced: Synced, settings):
    settings.FLOW_HEARTBEAT_SECONDS = 0  # every call confirms the lease, as after a silence
    settings.FLOW_MAX_IN_FLIGHT = 1  # one record at a time: the takeover lands between two
    run = new_run(synced, "products")
    creates = iter(range(100))

    def third_product(request: httpx.Request) -> bool:
        is_create = request.method == "POST" and request.url.path.endswith("/v1/products")
        return is_create and next(creates) == 2

    with taken_over_at(run, request=third_product) as takeover:
        assert services.run_execute(run.pk) == "taken over"
    # The third create was on its way when the run was taken over; after it, the slice
    # made no call and saved nothing: its run shows the two products saved before (and
    # the articles it skipped meanwhile, variants or inactive ones).
    assert takeover.sent_after == []
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "no sign of life" in run.error
    assert run.created == 2
    assert takeover.successor is not None
    successor = run_to_end(takeover.successor.pk)
    assert_succeeded(successor)
    # Every product exists once, and each article is in the log of one run only.
    skus = Counter(feeddex_db.Product.objects.filter(account=synced.account).values_list("sku"))
    assert skus
    assert set(skus.values()) == {1}
    keys = Counter(RecordLog.objects.filter(run__in=[run, successor]).values_list("key", flat=True))
    assert set(keys.values()) == {1}
    assert run.read + successor.read == len(keys)
    assert run.created + successor.created + successor.updated == len(skus)
    # The successor read on from where the first run stopped: the articles the first run saw
    # are not taken for gone at its end (their products stay active).
    assert not feeddex_db.Product.objects.filter(account=synced.account, active=False).exists()
    assert not RecordLog.objects.filter(run=successor, reason__contains="gone").exists()


def test_a_successor_does_not_take_the_articles_its_predecessor_read_for_gone(
    synced: Synced, settings
):
    settings.FLOW_HEARTBEAT_SECONDS = 0
    settings.FLOW_MAX_IN_FLIGHT = 1
    administration = synced.administration
    administration.knobs = {"rate_per_second": 0, "max_page_size": 3}  # pages of 3 articles
    administration.save(update_fields=["knobs"])
    run = new_run(synced, "products")
    creates = iter(range(100))

    def seventh_product(request: httpx.Request) -> bool:
        is_create = request.method == "POST" and request.url.path.endswith("/v1/products")
        return is_create and next(creates) == 6

    # Taken over on its third page at the earliest: the pages before it are the first run's.
    with taken_over_at(run, request=seventh_product) as takeover:
        assert services.run_execute(run.pk) == "taken over"
    assert takeover.successor is not None
    successor = run_to_end(takeover.successor.pk)
    assert_succeeded(successor)
    # Both runs are one full read: at its end no article either saw is taken for gone.
    assert feeddex_db.Product.objects.filter(account=synced.account).count() >= 7
    assert not feeddex_db.Product.objects.filter(account=synced.account, active=False).exists()
    assert not RecordLog.objects.filter(run=successor, reason__contains="gone").exists()


def test_an_orders_run_taken_over_while_booking_books_each_order_once(shop: Synced, settings):
    settings.FLOW_HEARTBEAT_SECONDS = 0
    settings.FLOW_MAX_IN_FLIGHT = 1  # one order at a time: the second booking is orders[1]
    shop.configure("orders", follow_status=False)
    sku = article_codes(shop, 1)
    orders = [place(shop, email=f"klant{n}@example.nl", skus=sku) for n in range(3)]
    run = new_run(shop, "orders")
    bookings = iter(range(3))

    def second_booking(request: httpx.Request) -> bool:
        is_booking = request.method == "POST" and "salesorders" in request.url.path
        return is_booking and next(bookings) == 1

    with taken_over_at(run, request=second_booking) as takeover:
        assert services.run_execute(run.pk) == "taken over"
    assert takeover.sent_after == []  # not even the write-back of the order on its way
    assert takeover.successor is not None
    successor = run_to_end(takeover.successor.pk)
    assert successor.status in (RunStatus.SUCCEEDED, RunStatus.PARTIAL), successor.error
    for order in orders:
        assert sales_orders(shop).filter(reference=order.number).count() == 1
        order.refresh_from_db()
        assert order.external_reference  # the number was written back, by one run or the other
    # The order whose booking was on its way when the run was taken over: its booking mark
    # was committed, so the successor looked for it before writing and found it.
    found = RecordLog.objects.get(run=successor, key=str(orders[1].pk))
    assert found.action == Action.CREATED
    assert "interrupted run" in found.reason


def test_orders_booked_side_by_side_taken_over_are_each_booked_once(shop: Synced, settings):
    settings.FLOW_HEARTBEAT_SECONDS = 0
    settings.FLOW_MAX_IN_FLIGHT = 4
    shop.configure("orders", follow_status=False)
    sku = article_codes(shop, 1)
    orders = [place(shop, email=f"klant{n}@example.nl", skus=sku) for n in range(8)]
    run = new_run(shop, "orders")
    bookings = iter(range(100))

    def third_booking(request: httpx.Request) -> bool:
        is_booking = request.method == "POST" and "salesorders" in request.url.path
        return is_booking and next(bookings) == 2

    with taken_over_at(run, request=third_booking) as takeover:
        assert services.run_execute(run.pk) == "taken over"
    # The bookings in flight beside the one that lost the lease: none is sent after it (each
    # booking's mark is written under the lease first).
    assert not [path for path in takeover.sent_after if "salesorders" in path]
    assert takeover.successor is not None
    successor = run_to_end(takeover.successor.pk)
    assert successor.status in (RunStatus.SUCCEEDED, RunStatus.PARTIAL), successor.error
    for order in orders:
        assert sales_orders(shop).filter(reference=order.number).count() == 1
        order.refresh_from_db()
        assert order.external_reference
    emails = asperion_db.Debtor.objects.filter(
        administration=shop.administration, email_address__startswith="klant"
    ).values_list("email_address", flat=True)
    assert Counter(emails) == Counter(f"klant{n}@example.nl" for n in range(8))


def test_a_slice_ends_inside_a_page_and_the_next_goes_on_at_the_next_record(
    synced: Synced, settings
):
    settings.FLOW_SLICE_SECONDS = 0  # every slice does one record, then gives the worker back
    settings.FLOW_MAX_IN_FLIGHT = 1
    run = new_run(synced, "products")
    slices = 1
    while services.run_execute(run.pk) == "continued":
        slices += 1
        run.refresh_from_db()
        assert run.between_slices
    run.refresh_from_db()
    assert_succeeded(run)
    logged = Counter(RecordLog.objects.filter(run=run).values_list("key", flat=True))
    assert set(logged.values()) == {1}  # no record done twice
    assert run.read == sum(logged.values()) > 5
    assert slices >= run.read  # one record a slice: the page was cut many times
    # Each product was created once, by one call.
    assert posts(run, "/v1/products") == run.created
    assert run.position == {}
    assert run.activity == ""


def test_a_rate_limit_that_would_outlast_the_slice_ends_it_without_sleeping(
    synced: Synced, settings
):
    settings.FLOW_SLICE_SECONDS = 0
    feeddex_limit(synced, per_minute=2)
    run = new_run(synced, "products")
    for _ in range(6):
        assert services.run_execute(run.pk) == "continued"
        if ApiCallLog.objects.filter(run=run, status=429).exists():
            break
    run.refresh_from_db()
    # The slice did not sleep on the Retry-After: it queued its next slice after it and says
    # what it waits for. Every call waits for the limit, so it is no record's fault: none
    # counts it as a deferral, and none failed.
    assert run.between_slices
    assert run.status == RunStatus.RUNNING
    assert "429" in run.activity or "rate limit" in run.activity
    # One refusal each for the records in flight when the limit was reached, none repeated.
    assert 1 <= ApiCallLog.objects.filter(run=run, status=429).count() <= in_flight(synced)
    assert not RecordLog.objects.filter(run=run, action=Action.FAILED).exists()
    assert not run.position.get("deferred")


def test_a_record_whose_retry_would_outlast_the_slice_is_put_off_and_the_slice_ends(
    synced: Synced, settings
):
    settings.FLOW_SLICE_SECONDS = 0  # the slice's time is up from its start
    settings.FLOW_MAX_DEFERRALS = 3
    settings.FLOW_MAX_IN_FLIGHT = 1
    # Each slice only puts an article off, once: that is progress (the article fails as not
    # answered after its third), not an idle slice that counts towards giving the run up.
    settings.FLOW_IDLE_SLICES = 2
    connector_class("feeddex")(synced.integration.shop).check_connection()  # signed in
    feeddex_fails(synced)
    run = new_run(synced, "products")
    creates = ApiCallLog.objects.filter(run=run, method="POST", path__startswith="/v1/products")
    while not creates.exists():  # slices that skipped an article (no call) came first
        assert services.run_execute(run.pk) == "continued"
    run.refresh_from_db()
    # The first article's create failed; its retry would have outlasted the slice, so it was
    # put off instead of slept on, and, the slice's time being up, no other article's call
    # was started after it (each would have cost one more attempt past the slice's end).
    deferred = run.position["deferred"]
    assert creates.count() == len(deferred) == 1
    assert set(deferred.values()) == {1}
    assert not RecordLog.objects.filter(run=run).exclude(action=Action.SKIPPED).exists()
    # Later slices try each again; deferred three times, they fail as not answered, and the
    # run goes through its pages: every article that was not skipped failed, none hung.
    final = run_to_end(run.pk)
    assert final.status == RunStatus.PARTIAL
    failed = RecordLog.objects.filter(run=run, action=Action.FAILED)
    assert failed.count() == final.read - final.skipped == final.failed > 1
    assert set(deferred) <= set(failed.values_list("key", flat=True))
    assert all(log.reason.startswith(TRANSIENT_REASON) for log in failed)


def test_records_at_once_each_done_once_across_slices(synced: Synced, settings):
    settings.FLOW_SLICE_SECONDS = 0  # a slice hands out one round of records, then stops
    run = new_run(synced, "products")
    slices = 1
    while services.run_execute(run.pk) == "continued":
        slices += 1
    run.refresh_from_db()
    assert_succeeded(run)
    logged = Counter(RecordLog.objects.filter(run=run).values_list("key", flat=True))
    assert set(logged.values()) == {1}
    assert run.read == sum(logged.values())
    assert slices > 1
    assert posts(run, "/v1/products") == run.created
    skus = Counter(feeddex_db.Product.objects.filter(account=synced.account).values_list("sku"))
    assert set(skus.values()) == {1}


def test_a_cancelled_run_with_records_in_flight_stops_at_their_next_calls(synced: Synced, settings):
    settings.FLOW_HEARTBEAT_SECONDS = 0
    run = new_run(synced, "products")
    creates = iter(range(1000))
    sent_after: list[str] = []

    def hook(request: httpx.Request) -> None:
        if request.method != "POST" or not request.url.path.endswith("/v1/products"):
            return
        if sent_after or next(creates) == 5:  # the sixth create: the run is cancelled
            if not sent_after:
                services.run_cancel(run=run)
            sent_after.append(request.url.path)

    with request_hook(hook):
        assert services.run_execute(run.pk) == "taken over"
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED
    # Besides the create that saw the cancel, only the records already past their check
    # when it came were sent: the workers stopped at their next call.
    assert len(sent_after) <= in_flight(synced)
    # Written and saved: only creates sent before the cancel (and the one that saw it); the
    # skipped articles done meanwhile cost no call, so how many were read depends on speed.
    assert run.created + run.updated <= 6


def test_a_run_that_makes_no_progress_for_many_slices_fails_naming_the_wait(
    synced: Synced, settings
):
    settings.FLOW_SLICE_SECONDS = 0
    settings.FLOW_IDLE_SLICES = 3
    administration = synced.administration
    # Asperion answers every call with a 500 or a 503: not one article can be read.
    administration.knobs = {"rate_per_second": 0, "error_rate": 1.0}
    administration.save(update_fields=["knobs"])
    run = new_run(synced, "products")
    outcomes = [services.run_execute(run.pk) for _ in range(3)]
    assert outcomes == ["continued", "continued", "done"]
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "no record could be done in 3 time slices in a row" in run.error
    assert "retrying after a 50" in run.error
    assert run.read == 0
    assert run.api_calls == 3  # one attempt a slice: no retry was slept on


def test_heartbeats_come_from_the_calls_and_are_saved_with_the_calls(synced: Synced, settings):
    """A slice that saves no page still shows its API calls and what it does."""
    settings.FLOW_HEARTBEAT_SECONDS = 0
    settings.FLOW_SLICE_SECONDS = 0
    run = new_run(synced, "products")
    assert services.run_execute(run.pk) == "continued"
    run.refresh_from_db()
    assert run.api_calls == ApiCallLog.objects.filter(run=run).count() >= 2
    assert run.heartbeat_at is not None
    assert run.started_at is not None
    assert run.heartbeat_at > run.started_at
    assert run.activity == "waiting for a free worker"


def test_the_ledger_of_a_taken_over_slice_is_not_written(synced: Synced, settings):
    settings.FLOW_HEARTBEAT_SECONDS = 0
    settings.FLOW_MAX_IN_FLIGHT = 1  # the takeover lands between two records
    run = new_run(synced, "customers")

    def first_customer(request: httpx.Request) -> bool:
        return request.method == "POST" and request.url.path.endswith("/v1/customers")

    with taken_over_at(run, request=first_customer) as takeover:
        assert services.run_execute(run.pk) == "taken over"
    assert takeover.sent_after == []
    assert not LedgerEntry.objects.filter(last_run=run).exists()
    assert not RecordLog.objects.filter(run=run).exists()


def test_a_run_stopped_for_want_of_progress_logs_the_records_it_put_off(synced: Synced, settings):
    """Records put off to the next slice are accounted for when there is none: each is
    logged as failed, not answered, and the run's counts say so."""
    settings.FLOW_SLICE_SECONDS = 0
    settings.FLOW_MAX_DEFERRALS = 10
    settings.FLOW_IDLE_SLICES = 1
    settings.FLOW_MAX_IN_FLIGHT = 1
    connector_class("feeddex")(synced.integration.shop).check_connection()  # signed in
    feeddex_fails(synced)
    run = new_run(synced, "products")
    put_off: set[str] = set()
    while not put_off:  # until a slice put an article off (skipped ones cost no call)
        assert services.run_execute(run.pk) == "continued"
        run.refresh_from_db()
        put_off = set(run.position.get("deferred") or {})
    # Then Asperion fails too: the next slice cannot even read its page, does and puts off
    # nothing, and the run stops.
    administration = synced.administration
    administration.knobs = {"rate_per_second": 0, "error_rate": 1.0}
    administration.save(update_fields=["knobs"])
    run = run_to_end(run.pk)
    assert run.status == RunStatus.FAILED
    assert "no record could be done in 1 time slices in a row" in run.error
    assert set(run.position["deferred"]) == put_off
    failed = RecordLog.objects.filter(run=run, action=Action.FAILED)
    assert set(failed.values_list("key", flat=True)) == put_off
    assert all(log.reason.startswith(TRANSIENT_REASON) for log in failed)
    assert run.failed == len(put_off)
