"""Fairness and scale on real Celery workers: one tenant's big sync next to other work.

A products sync of a large catalogue gives its worker back after every time slice
(FLOW_SLICE_SECONDS) and runs on the `bulk` queue, so another tenant's order waits at most
a slice; two runs of one flow never overlap (the flow's database claim), so more worker
processes never write an article twice.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
import time_machine
from django.utils import timezone

from connectors.asperion.sandbox import models as asperion_db
from connectors.feeddex.sandbox import models as feeddex_db
from flows import services
from flows.models import FINISHED_STATUSES, Action, FlowRun, RecordLog, RunStatus, Trigger
from flows.run_params import RunParams
from tests.flows.conftest import (
    Synced,
    article_codes,
    assert_completed,
    assert_succeeded,
    connected_company,
    place,
    reseed,
    sales_orders,
    shipping_code,
)
from tests.worker import celery_worker, wait_until

# A real worker on a machine that may be busy: generous bounds, never a race to win.
pytestmark = [pytest.mark.worker, pytest.mark.timeout(1200)]
WAIT = 600  # seconds any one wait may take before the test gives up

# Enough articles for a products run of several slices of one second (a slice ends after
# the page that used up its time; a page is 100 articles), few enough for a fast test.
ARTICLES = 300
SLICED = {"FLOW_SLICE_SECONDS": "1"}


def finished(run: FlowRun) -> bool:
    run.refresh_from_db()
    return run.status in FINISHED_STATUSES


def saved_a_page(run: FlowRun) -> bool:
    run.refresh_from_db()
    return run.read > 0


def big_catalogue(synced: Synced, articles: int = ARTICLES) -> set[str]:
    """Seed the tenant's administration with articles; return the SKUs the products flow
    makes Feeddex products of (simple, active articles, not the shipping article)."""
    reseed(synced, articles=articles, debtors=5, seed=7)
    products = asperion_db.Article.objects.filter(
        administration=synced.administration, is_variant=False, active=True
    ).exclude(code=shipping_code(synced))
    return set(products.values_list("code", flat=True))


def feeddex_skus(synced: Synced) -> list[str]:
    products = feeddex_db.Product.objects.filter(account=synced.account)
    return list(products.values_list("sku", flat=True))


def created_per_sku(synced: Synced) -> Counter[str]:
    logs = RecordLog.objects.filter(flow=synced.flow("products"), action=Action.CREATED)
    return Counter(logs.values_list("key", flat=True))


def second_tenant(first: Synced) -> Synced:
    """Another company, on sandbox accounts of its own."""
    second = connected_company(email="bakker@example.com", name="Bakkerij Bos")
    assert second.administration.pk != first.administration.pk
    assert second.account.pk != first.account.pk
    return second


# ---- the tests ----------------------------------------------------------------------------


def test_a_big_products_sync_does_not_hold_up_another_tenants_order(synced: Synced, tmp_path):
    expected = big_catalogue(synced)
    bakery = second_tenant(synced)
    # Its order book holds just this order: the booking run is one order's work.
    feeddex_db.Order.objects.filter(account=bakery.account).delete()
    order = place(bakery, email="klant@example.nl", skus=article_codes(bakery, 1))
    with celery_worker(tmp_path, concurrency=1, extra_env=SLICED) as worker:
        big = services.flow_run_start(flow=synced.flow("products"), trigger=Trigger.MANUAL)
        assert wait_until(lambda: saved_a_page(big), WAIT), worker.output()
        # The order arrives while the only worker process is busy with the big sync, as
        # the webhook endpoint queues its run.
        booking = services.flow_run_start(
            flow=bakery.flow("orders"), trigger=Trigger.WEBHOOK, params=RunParams(order_id=order.pk)
        )
        assert wait_until(lambda: finished(booking), WAIT), worker.output()
        booked = sales_orders(bakery).filter(reference=order.number).count()
        big.refresh_from_db()
        assert big.status == RunStatus.RUNNING  # the order did not wait for the sync's end
        assert big.read < len(expected)
        assert wait_until(lambda: finished(big), WAIT), worker.output()
        slices = worker.output().count("'continued'")
    assert_completed(booking)  # the sandbox's seeded orders include one that cannot be booked
    assert booked == 1
    assert booking.finished_at is not None
    assert big.finished_at is not None
    assert booking.finished_at < big.finished_at
    assert slices >= 2  # the sync gave its worker back between pages
    assert_succeeded(big)
    assert big.created == len(expected)
    assert sorted(feeddex_skus(synced)) == sorted(expected)  # every article, each once
    assert created_per_sku(synced) == Counter(expected)
    # Neither tenant's run touched the other's accounts.
    assert not feeddex_db.Product.objects.filter(account=bakery.account).exists()
    assert not sales_orders(synced).filter(reference=order.number).exists()


def test_two_worker_processes_never_write_an_article_twice(synced: Synced, tmp_path):
    # Two slices are enough: the second run waits for the whole first one.
    expected = big_catalogue(synced, articles=200)
    flow = synced.flow("products")
    with celery_worker(tmp_path, concurrency=2, extra_env=SLICED) as worker:
        # "Run now" clicked twice and the scheduler's tick, all queued at once: each
        # worker process takes one of them.
        first = services.flow_run_start(flow=flow, trigger=Trigger.MANUAL)
        again = services.flow_run_start(flow=flow, trigger=Trigger.MANUAL)
        scheduled = services.flow_run_start(flow=flow, trigger=Trigger.SCHEDULE)
        runs = [first, again, scheduled]
        assert wait_until(lambda: all(finished(run) for run in runs), WAIT), worker.output()
        processes = set(re.findall(r"ForkPoolWorker-\d+\] Task flows", worker.output()))
    assert len(processes) == 2  # both processes took runs of the flow
    assert scheduled.status == RunStatus.CANCELLED
    assert scheduled.error == "another run of this flow was busy"
    # One manual run synced the catalogue; the other waited for it to finish, then found
    # nothing new to write.
    doer, waiter = sorted([first, again], key=lambda run: run.created, reverse=True)
    assert_succeeded(doer)
    assert_succeeded(waiter)
    assert doer.created == len(expected)
    assert waiter.created == waiter.updated == 0
    assert waiter.params.busy_attempts >= 1
    assert doer.finished_at is not None
    assert waiter.started_at is not None
    assert waiter.started_at >= doer.finished_at  # the two runs never overlapped
    assert sorted(feeddex_skus(synced)) == sorted(expected)
    assert created_per_sku(synced) == Counter(expected)
    flow.refresh_from_db()
    assert flow.running_run_id is None


def test_a_flood_of_run_requests_does_not_hold_up_another_tenants_order(
    synced: Synced, tmp_path, settings
):
    """400 "run now" requests of one company queue one run per flow (the rest join it or are
    throttled); another company's order is booked while that company's sync still works."""
    expected = big_catalogue(synced)
    bakery = second_tenant(synced)
    # Its order book holds just this order: the booking run is one order's work.
    feeddex_db.Order.objects.filter(account=bakery.account).delete()
    order = place(bakery, email="klant@example.nl", skus=article_codes(bakery, 1))
    flows = list(synced.integration.flows.order_by("id"))
    answers: Counter[str] = Counter()
    with celery_worker(tmp_path, concurrency=1, extra_env=SLICED) as worker:
        # Requests are counted per clock minute: this process's clock stands still meanwhile,
        # so that no minute ends mid-flood however slow the machine is.
        with time_machine.travel(timezone.now(), tick=False):
            for number in range(400):
                try:
                    requested = services.flow_run_request(
                        flow=flows[number % len(flows)], trigger=Trigger.MANUAL
                    )
                    answers["joined" if requested.joined else "started"] += 1
                except services.RunRefused:
                    answers["refused"] += 1
        booking = services.flow_run_start(
            flow=bakery.flow("orders"), trigger=Trigger.WEBHOOK, params=RunParams(order_id=order.pk)
        )
        flood = list(FlowRun.objects.filter(tenant=synced.tenant).select_related("flow"))
        big = next(run for run in flood if run.flow.kind == "products")
        assert wait_until(lambda: finished(booking), WAIT), worker.output()
        big.refresh_from_db()
        assert not big.finished  # the order did not wait for the flood to be worked off
        assert wait_until(lambda: all(finished(run) for run in flood), WAIT), worker.output()
    # Every run that did not join an earlier one started (one per flow at most, as runs of
    # a flow that finished meanwhile let the next request start another).
    assert answers["refused"] == 400 - settings.FLOW_RUN_REQUESTS_PER_MINUTE
    assert answers["started"] == len(flood) <= 2 * len(flows)
    assert sales_orders(bakery).filter(reference=order.number).count() == 1
    big.refresh_from_db()
    assert big.created == len(expected)
