"""An Asperion sandbox administration over real HTTP, and a Connection to it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from connectors.asperion.sandbox import oauth as sandbox_oauth
from connectors.asperion.sandbox import seed
from connectors.asperion.sandbox.models import Administration, OAuthClient, SandboxUser
from connectors.models import Connection
from connectors.sandboxkit.faults import reset_counters
from connectors.sandboxkit.knobs import Knobs
from connectors.services import connection_create
from connectors.tests.support import (  # noqa: F401 - fixtures
    FAST_LIMIT,
    contract_check,
    sandbox,
    tenant,
)
from tenants.models import Tenant


@dataclass
class AsperionSandbox:
    user: SandboxUser
    client: OAuthClient
    administration: Administration
    connection: Connection

    def set_knobs(self, **knobs: Any) -> None:
        """Change the administration's faults; its rate limit stays off unless given."""
        self.administration.knobs = Knobs(**{"rate_per_second": 0, **knobs}).dump()
        self.administration.save(update_fields=["knobs"])
        reset_counters(self.administration.fault_scope)

    def set_token_lifetime(self, seconds: int) -> None:
        """Tokens are issued with the knobs of the user's default administration (ours)."""
        assert self.administration.is_default
        self.administration.knobs = {**self.administration.knobs, "token_lifetime_seconds": seconds}
        self.administration.save(update_fields=["knobs"])

    def move_clock(self, seconds: float) -> None:
        """Move the sandbox's clock on (tokens expire) instead of waiting for it."""
        knobs = {**self.administration.knobs, "clock_offset_seconds": seconds}
        self.administration.knobs = knobs
        self.administration.save(update_fields=["knobs"])

    def configure(self, **config: Any) -> None:
        self.connection.config = {**self.connection.config, **config}
        self.connection.save(update_fields=["config"])

    def seed(
        self, *, articles: int = 0, debtors: int = 0, variant_share: float = 0.1
    ) -> dict[str, int]:
        return seed.seed_administration(
            self.administration,
            articles=articles,
            debtors=debtors,
            seed=1,
            variant_share=variant_share,
        )

    def issue_refresh_token(self) -> str:
        """A refresh token as if the user had given consent (the wizard's result)."""
        return sandbox_oauth.tokens_issue(client=self.client, user=self.user).refresh_token


def asperion_connection(site_url: str, owner: Tenant, **config: Any) -> AsperionSandbox:
    user, client = seed.ensure_demo_user()
    administration = user.administrations.order_by("pk")[0]
    administration.knobs = Knobs(rate_per_second=0).dump()
    administration.save(update_fields=["knobs"])
    base = f"{site_url}/sandbox/asperion"
    made = AsperionSandbox(user, client, administration, Connection())
    made.connection = connection_create(
        tenant=owner,
        system="asperion",
        name="Asperion",
        config={
            "api_base_url": base,
            "identity_base_url": base,
            "client_id": client.client_id,
            "administration_id": administration.pk,
            **FAST_LIMIT,
            **config,
        },
        secrets={
            "client_secret": seed.DEMO_CLIENT_SECRET,
            "refresh_token": made.issue_refresh_token(),
        },
    )
    return made


@pytest.fixture
def asperion(sandbox: str, tenant: Tenant) -> Iterator[AsperionSandbox]:  # noqa: F811
    made = asperion_connection(sandbox, tenant)
    yield made
    reset_counters(made.administration.fault_scope)
