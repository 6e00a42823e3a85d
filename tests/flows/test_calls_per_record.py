"""Calls per record of every flow, on a first sync and on an unchanged one.

`TEST_PRINT_CALLS=1 pytest tests/flows/test_calls_per_record.py -s` prints the table.
"""

from __future__ import annotations

import os

from connectors.feeddex.sandbox import models as feeddex_db
from flows import services
from flows.models import ApiCallLog, FlowRun
from tests.flows.conftest import Synced, article_codes, assert_succeeded, place, reseed


def per_record(run: FlowRun) -> tuple[int, int, float]:
    calls = ApiCallLog.objects.filter(run=run).count()
    return calls, run.read, calls / run.read if run.read else float(calls)


def report(rows: list[tuple[str, str, FlowRun]]) -> dict[tuple[str, str], float]:
    figures = {}
    for kind, sync, run in rows:
        calls, read, ratio = per_record(run)
        figures[kind, sync] = ratio
        if os.environ.get("TEST_PRINT_CALLS") == "1":
            print(f"{kind:20} {sync:10} records {read:5}  calls {calls:5}  per record {ratio:.3f}")
            if os.environ.get("TEST_PRINT_CALLS_PATHS") == "1":
                print(list(ApiCallLog.objects.filter(run=run).values_list("method", "path")))
    return figures


def grown(synced: Synced, *, articles: int = 300, debtors: int = 500) -> Synced:
    """An administration of an ordinary size (the demo's is tiny: a page's read would count
    as much as the records)."""
    reseed(synced, articles=articles, debtors=debtors, seed=18)
    return synced


def first_and_unchanged(synced: Synced, kind: str) -> list[tuple[str, str, FlowRun]]:
    """A first sync, then every record read again unchanged (the cursor reset)."""
    first = synced.run(kind)
    assert_succeeded(first)
    services.flow_reset_cursor(flow=synced.flow(kind))
    again = synced.run(kind)
    assert_succeeded(again)
    return [(kind, "first", first), (kind, "unchanged", again)]


def test_the_customers_flow_costs_about_one_call_a_record_and_nothing_when_unchanged(
    synced: Synced,
):
    # 1,000 debtors: ten pages of 100 and the debtor kinds are what an unchanged run costs.
    figures = report(first_and_unchanged(grown(synced, articles=50, debtors=1000), "customers"))
    assert figures["customers", "first"] <= 1.05
    assert figures["customers", "unchanged"] <= 0.011


def test_calls_per_record_of_every_flow(shop: Synced):
    grown(shop, articles=300, debtors=300)
    rows = []
    for kind in ("products", "stock", "customers"):
        rows += first_and_unchanged(shop, kind)
    unit = feeddex_db.Unit.objects.filter(account=shop.account).first()
    assert unit is not None
    shop.configure("review_invitations", unit_id=unit.pk)
    rows += first_and_unchanged(shop, "review_invitations")
    skus = article_codes(shop, 3)
    for n in range(20):
        # Half returning customers, some companies.
        email = f"klant{n % 10}@example.nl"
        place(shop, email=email, skus=skus[: 1 + n % 3], company="Klant BV" if n % 4 == 0 else None)
    rows += first_and_unchanged(shop, "orders")
    figures = report(rows)
    for kind in ("products", "stock", "customers", "review_invitations"):
        assert figures[kind, "unchanged"] < 0.05, kind  # pages and reference lists only
    # An order: booked and written back (2), its new debtor (1, a company's contact person
    # 1 more), a returning customer's changed debtor looked up and updated (2: the lookup's
    # listing gives the whole debtor, so the update reads nothing).
    assert figures["orders", "first"] < 5
