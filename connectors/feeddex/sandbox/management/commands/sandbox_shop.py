from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from connectors.feeddex.sandbox.models import Account, Order
from connectors.feeddex.sandbox.seed import DEMO_ORGANIZATION, ensure_demo_account
from connectors.feeddex.sandbox.shop import run_shop


class Command(BaseCommand):
    help = (
        "Simulate a Feeddex shop: place new orders at a rate (orders per second) and fire "
        "their webhooks. Deterministic with --seed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rate", type=float, default=0.2, help="orders per second")
        parser.add_argument("--seed", type=int, default=1, help="seed of the simulated shoppers")
        parser.add_argument("--count", type=int, default=None, help="stop after this many")
        parser.add_argument(
            "--organization", default=DEMO_ORGANIZATION, help="sandbox organization (demo)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rate"] < 0:
            raise CommandError("--rate must be 0 or more")
        account = self._account(options["organization"])
        placed = run_shop(
            account=account,
            rate=options["rate"],
            seed_value=options["seed"],
            count=options["count"],
            on_order=self._report,
        )
        self.stdout.write(self.style.SUCCESS(f"placed {placed} orders for {account}"))

    def _account(self, organization: str) -> Account:
        if organization == DEMO_ORGANIZATION:
            return ensure_demo_account()
        account = Account.objects.filter(organization=organization).first()
        if account is None:
            raise CommandError(f"no sandbox organization {organization!r}")
        return account

    def _report(self, order: Order) -> None:
        totals = order.totals["inclVat"]
        self.stdout.write(f"{order.number} {order.payment_status} EUR {totals:.2f}")
