"""Cent-exact orders: book N generated orders in-process and count how each total came out.

Each order goes through the real Feeddex record parsing, the default order mapping and the
orders flow's VAT and amount functions, then the Asperion sandbox's own parsing and
arithmetic, and is compared with the Feeddex sandbox's own total (tests/flows/order_totals.py,
the same pipeline as the property test). Prints, per booking mode and rounding setting: equal
without a rounding line, equal with one, failed naming the difference, and wrong (must be 0).

    .venv/bin/python bench/order_totals.py --orders 1000 --seed 1
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "apicenter.settings")

import django  # noqa: E402

django.setup()

from tests.flows.order_totals import book, random_order, settings_for  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    wrong = 0
    for invoice in (False, True):
        for rounding in (True, False):
            rng = random.Random(args.seed)
            counts: Counter[str] = Counter()
            by_prices: Counter[str] = Counter()
            settings = settings_for(invoice=invoice, rounding=rounding)
            for number in range(args.orders):
                raw = random_order(rng, number)
                booked = book(raw, settings)
                prices = "incl" if raw["lines"][0]["priceIncludesVat"] else "excl"
                if booked.booked_total is None:
                    outcome = "failed naming the difference"
                elif booked.booked_total != booked.shop_total:
                    outcome = "WRONG"
                elif booked.rounding:
                    outcome = "equal with a rounding line"
                else:
                    outcome = "equal without a rounding line"
                counts[outcome] += 1
                by_prices[f"{prices} VAT: {outcome}"] += 1
            wrong += counts["WRONG"]
            mode = "sales invoices" if invoice else "sales orders"
            print(f"{mode}, rounding line {'on' if rounding else 'off'}: {dict(counts)}")
            print(f"    by shop prices: {dict(sorted(by_prices.items()))}")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
