"""Calls per order at the contracts' floor (issue 23; the arithmetic: docs/benchmarks.md).

Each booked order costs its sales order and the write-back of its number to Feeddex; each new
customer a debtor (and a company's contact person). What else the run reads - the orders'
page, the article list, the debtor index, the documents booked already, the status listing -
is read once per run, not once per order (the debtors' reads here are the index and the
one-off probe for the first free customer number).
"""

from __future__ import annotations

import math
import re
from collections import Counter

from connectors.asperion.sandbox import models as asperion_db
from flows.models import ApiCallLog, FlowRun
from tests.flows.conftest import Synced, article_codes, assert_succeeded, place

CUSTOMERS = 6
COMPANIES = 2  # the first two customers buy for a company


def calls_by_path(run: FlowRun, *, answered: bool = False) -> Counter[str]:
    """Calls by system, method and path (ids replaced); `answered`: those answered 2xx."""
    logs = ApiCallLog.objects.filter(run=run)
    if answered:
        logs = logs.filter(status__gte=200, status__lt=300)
    counts: Counter[str] = Counter()
    for system, method, path in logs.values_list("system", "method", "path"):
        pattern = re.sub(r"/\d+", "/{id}", path.split("?")[0])
        counts[f"{system} {method} {pattern}"] += 1
    return counts


def place_orders(shop: Synced) -> int:
    """Two orders of each customer (the second from a returning customer), 1 to 3 lines."""
    skus = article_codes(shop, 6)
    placed = 0
    for round_ in range(2):
        for n in range(CUSTOMERS):
            company = "Klant BV" if n < COMPANIES else None
            lines = skus[(n + round_) % 4 : (n + round_) % 4 + 1 + n % 3]
            place(shop, email=f"klant{n}@example.nl", skus=lines, company=company)
            placed += 1
    return placed


def test_an_order_costs_its_writes_and_the_run_reads_once(shop: Synced, monkeypatch):
    from connectors.feeddex import client as feeddex_client

    # Three pages of four orders: reads once per page would show at once.
    monkeypatch.setattr(feeddex_client, "MAX_PAGE_SIZE", 4)
    # The stock runs that booked orders start are the stock flow's calls, not these.
    shop.integration.flows.filter(kind="stock").update(enabled=False)
    orders = place_orders(shop)
    run = shop.run("orders")
    assert_succeeded(run)
    calls = calls_by_path(run)
    written = calls_by_path(run, answered=True)
    # The floor: one sales order and one write-back per order, one debtor per new customer
    # and a contact person per new company.
    assert written["asperion POST /v1/salesorderswithlines"] == orders
    assert written["feeddex PATCH /v1/orders/{id}"] == orders
    assert written["asperion POST /v1/debtors"] == CUSTOMERS
    assert written["asperion POST /v1/debtors/{id}/contactpersons"] == COMPANIES
    # The article list is read whole (one page), not one look-up per SKU.
    articles = asperion_db.Article.objects.filter(administration=shop.administration).count()
    assert calls["asperion GET /v1/articles"] == math.ceil(articles / 100)
    assert calls["asperion GET /v1/articles/{id}"] == 0
    # No debtor is read one by one: the index (read once per run) knows them.
    assert calls["asperion GET /v1/debtors/{id}"] == 0
    # A reference list once per run; the documents booked already and the status listing
    # once each (a page of documents: the first listing covers the later pages).
    assert calls["asperion GET /v1/paymentmethods"] <= 1
    assert calls["asperion GET /v1/salesorderswithlines"] <= 2
