"""Fill the sandboxes with demo data and print how to connect to them.

    manage.py sandbox_seed --articles 10000 --debtors 1000 --seed 1

Seeds the demo user's default Asperion administration (and a small second one), then, when
the Feeddex sandbox is installed, its demo organization with orders for some of the
Asperion article codes, so that those orders can be booked back into Asperion.
"""

from __future__ import annotations

import importlib
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from connectors.asperion.sandbox import seed
from connectors.asperion.sandbox.models import Administration, Article

SECOND_ADMINISTRATION = {"articles": 100, "debtors": 20}
FEEDDEX_SKUS = 200


class Command(BaseCommand):
    help = "Fill the Asperion (and Feeddex) sandbox with realistic demo data."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--articles", type=int, default=1000)
        parser.add_argument("--debtors", type=int, default=200)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--variant-share", type=float, default=0.1)
        parser.add_argument("--customers", type=int, default=100, help="Feeddex customers")
        parser.add_argument("--orders", type=int, default=50, help="Feeddex orders")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        user, _client = seed.ensure_demo_user()
        administrations = list(user.administrations.order_by("-is_default", "pk"))
        made = seed.seed_administration(
            administrations[0],
            articles=options["articles"],
            debtors=options["debtors"],
            seed=options["seed"],
            variant_share=options["variant_share"],
        )
        self.report(administrations[0], made, time.monotonic() - started)
        for extra in administrations[1:]:
            small = {
                name: min(options[name], limit) for name, limit in SECOND_ADMINISTRATION.items()
            }
            self.report(extra, seed.seed_administration(extra, seed=options["seed"], **small), None)
        self.print_credentials()
        self.seed_feeddex(administrations[0], options)

    def report(
        self, administration: Administration, made: dict[str, int], took: float | None
    ) -> None:
        counts = ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in made.items())
        timing = f" in {took:.1f} s" if took is not None else ""
        self.stdout.write(
            f"Asperion administration {administration.pk} ({administration.name}){timing}: {counts}"
        )

    def print_credentials(self) -> None:
        self.stdout.write(
            "Asperion sandbox: API /sandbox/asperion/v1/..., OAuth /sandbox/asperion/connect/"
            f"authorize and /connect/token; client_id={seed.DEMO_CLIENT_ID} "
            f"client_secret={seed.DEMO_CLIENT_SECRET}; login {seed.DEMO_USERNAME} / "
            f"{seed.DEMO_PASSWORD} (public demo credentials, sandbox only)"
        )

    def seed_feeddex(self, administration: Administration, options: dict[str, Any]) -> None:
        try:
            feeddex = importlib.import_module("connectors.feeddex.sandbox.seed")
        except ImportError:
            self.stdout.write("Feeddex sandbox not installed: skipped.")
            return
        skus = list(
            Article.objects.filter(administration=administration, active=True, is_variant=False)
            .order_by("pk")
            .values_list("code", flat=True)[:FEEDDEX_SKUS]
        )
        account = feeddex.ensure_demo_account(skus=skus)
        made = feeddex.seed_account(
            account,
            customers=options["customers"],
            orders=options["orders"],
            seed=options["seed"],
            skus=skus,
        )
        self.stdout.write(f"Feeddex organization {account.organization}: {made}")
        self.stdout.write(
            f"Feeddex sandbox: organization={account.organization} "
            f"authCode={account.auth_code} password={account.password} (sandbox only)"
        )
