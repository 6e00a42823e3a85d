"""Orders: API calls per booked order, N paid orders, half from returning customers.

    .venv/bin/python bench/orders_sync.py [--orders 1000] [--repeat 3] [--companies 0.2]

Per repeat, the Feeddex sandbox's shop gets N paid orders (1 to 3 lines of the Asperion
articles, shipping costs) from N/2 customers who are new to Asperion; each customer orders
twice, so half of the orders come from a returning customer whose debtor the flow finds by
email. A share of the customers are companies (a debtor plus a contact person). Then one
orders-flow run on a real Celery worker books them all.

API calls per order = ApiCallLog rows of the run ÷ orders booked (target ≤ 2.5 on average;
a naive flow needs about 6). The calls are also broken down by method and path, so the
figure says where they go. The stock flow is off: the stock run that an orders run starts
for the booked SKUs is the stock benchmark's business.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402

ARTICLES = 400
SKUS_IN_USE = 200


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--companies", type=float, default=0.2, help="share of company buyers")
    parser.add_argument("--keep", action="store_true", help="keep the database and logs")
    options = parser.parse_args()
    env = harness.environment("orders")
    harness.django_ready()
    ok = False
    try:
        with harness.web_server(env), harness.celery_worker(env):
            result = bench(options.orders, options.repeat, options.companies)
        print(f"result: {harness.write_result('orders_sync', env, result)}")
        ok = True
    finally:
        harness.finish(env, keep=options.keep or not ok)
    return 0


def bench(orders: int, repeat: int, companies: float) -> dict[str, Any]:
    shop = harness.make_shop(articles=ARTICLES)
    clear_order_book(shop)
    skus = article_codes(shop)
    flow = shop.flow("orders")
    print(f"orders: {orders:,} paid orders per repeat, half from returning customers")
    rows = []
    for index in range(repeat):
        placed = place_orders(shop, skus, orders=orders, companies=companies, batch=index)
        run = harness.run_flow(flow, timeout=3600)
        if run.status != "succeeded":
            raise RuntimeError(f"the orders run did not succeed: {run}")
        booked = booked_count(run.run_id)
        calls = call_breakdown(run.run_id)
        row = {
            "placed": placed,
            "booked": booked,
            "failed": run.failed,
            "api_calls": run.api_calls,
            "calls_per_order": run.api_calls / max(booked, 1),
            "seconds": run.seconds,
            "orders_per_second": booked / run.seconds,
            "calls": calls,
        }
        rows.append(row)
        print(
            f"  #{index + 1}: {booked:,} of {placed:,} booked ({run.failed} failed) in "
            f"{run.seconds:.1f} s; {run.api_calls:,} calls = {row['calls_per_order']:.2f} per "
            f"order"
        )
        for what, count in list(calls.items())[:8]:
            print(f"      {count / max(booked, 1):5.2f}/order  {what}")
    return summarize(orders, rows)


def clear_order_book(shop: harness.Shop) -> None:
    """The seeded history is not this benchmark's: only the orders placed here count."""
    from connectors.asperion.sandbox.models import SalesOrder
    from connectors.feeddex.sandbox.models import Order

    Order.objects.filter(account=shop.account).delete()
    SalesOrder.objects.filter(administration=shop.administration).delete()


def article_codes(shop: harness.Shop) -> list[str]:
    from connectors.asperion.sandbox.models import Article
    from connectors.asperion.sandbox.seed import SHIPPING_ARTICLE_CODE

    articles = Article.objects.filter(
        administration=shop.administration, is_variant=False, active=True
    ).exclude(code=SHIPPING_ARTICLE_CODE)
    return list(articles.order_by("id").values_list("code", flat=True)[:SKUS_IN_USE])


def place_orders(
    shop: harness.Shop, skus: list[str], *, orders: int, companies: float, batch: int
) -> int:
    """Place N orders: every customer orders twice (first as a new, then as a returning one)."""
    from django.db import transaction
    from django.utils import timezone

    from connectors.feeddex.sandbox import services

    rng = random.Random(batch)  # noqa: S311 - test data
    customers = [customer(rng, batch, n, rng.random() < companies) for n in range(orders // 2)]
    buyers = customers + customers[: orders - len(customers)]
    with transaction.atomic():
        for who in buyers:
            new_order = services.NewOrder(
                customer_data=who["customer"],
                billing_address=who["address"],
                lines=order_lines(rng, skus),
                shipping_cost={"amount": 4.95, "priceIncludesVat": True, "vatRate": 21},
                payment_status="paid",
            )
            services.order_place(account=shop.account, new_order=new_order, now=timezone.now())
    return len(buyers)


def customer(rng: random.Random, batch: int, n: int, company: bool) -> dict[str, Any]:
    first = rng.choice(["Jan", "Sanne", "Pieter", "Emma", "Daan", "Julia", "Bram", "Lotte"])
    last = rng.choice(["Jansen", "de Vries", "Bakker", "Visser", "Smit", "Meijer", "de Boer"])
    slug = re.sub(r"[^a-z]", "", f"{first}{last}".lower())
    return {
        "customer": {
            "email": f"{slug}.{batch}.{n}@example.nl",
            "firstName": first,
            "lastName": last,
            "companyName": f"{last} Fietsen {n} B.V." if company else None,
            "phone": "0612345678",
        },
        "address": {
            "street": rng.choice(["Keizersgracht", "Dorpsstraat", "Kerkstraat", "Molenweg"]),
            "houseNumber": str(rng.randint(1, 300)),
            "houseNumberAddition": rng.choice([None, None, "A", "bis"]),
            "postalCode": f"{rng.randint(1000, 9999)} {rng.choice(['AB', 'CJ', 'XK'])}",
            "city": rng.choice(["Amsterdam", "Utrecht", "Zwolle", "Breda"]),
            "countryCode": "NL",
        },
    }


def order_lines(rng: random.Random, skus: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "sku": sku,
            "name": sku,
            "quantity": rng.randint(1, 3),
            "unitPrice": 12.10,
            "priceIncludesVat": True,
            "vatRate": 21,
        }
        for sku in rng.sample(skus, rng.randint(1, 3))
    ]


def booked_count(run_id: int) -> int:
    from flows.models import RecordLog

    return RecordLog.objects.filter(run_id=run_id, entity="order", action="created").count()


def call_breakdown(run_id: int) -> dict[str, int]:
    """Calls by system, method and path pattern (ids replaced), most frequent first."""
    from flows.models import ApiCallLog

    counts: Counter[str] = Counter()
    for system, method, path in ApiCallLog.objects.filter(run_id=run_id).values_list(
        "system", "method", "path"
    ):
        pattern = re.sub(r"/\d+", "/{id}", path.split("?")[0])
        counts[f"{system} {method} {pattern}"] += 1
    return dict(counts.most_common())


def summarize(orders: int, rows: list[dict[str, Any]]) -> dict[str, Any]:
    def column(name: str) -> list[float]:
        return [float(row[name]) for row in rows]

    print("summary:")
    harness.print_spread("API calls per order (target ≤ 2.5)", column("calls_per_order"))
    harness.print_spread("orders booked per second", column("orders_per_second"), "", 1)
    return {
        "orders": orders,
        "runs": rows,
        "calls_per_order": harness.spread(column("calls_per_order")),
        "orders_per_second": harness.spread(column("orders_per_second")),
    }


if __name__ == "__main__":
    sys.exit(main())
