"""A Feeddex sandbox organization over real HTTP, and a Connection to it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from connectors.feeddex.sandbox import services as feeddex_sandbox
from connectors.feeddex.sandbox.models import Account
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

AUTH_CODE = "feeddex-auth-code-1234"
PASSWORD = "feeddex-password-secret-5678"


@dataclass
class FeeddexSandbox:
    account: Account
    connection: Connection

    def set_knobs(self, **knobs: Any) -> None:
        """Change the organization's faults; rate limits stay off unless given."""
        values = {"rate_per_second": 0, "rate_per_minute": 0, **knobs}
        feeddex_sandbox.account_set_knobs(account=self.account, knobs=Knobs(**values))

    def configure(self, **config: Any) -> None:
        self.connection.config = {**self.connection.config, **config}
        self.connection.save(update_fields=["config"])


def feeddex_connection(site_url: str, owner: Tenant, **config: Any) -> FeeddexSandbox:
    account = feeddex_sandbox.account_create(
        organization=f"org-{uuid.uuid4().hex[:10]}",
        auth_code=AUTH_CODE,
        password=PASSWORD,
        knobs=Knobs(rate_per_second=0, rate_per_minute=0),
    )
    connection = connection_create(
        tenant=owner,
        system="feeddex",
        name="Feeddex",
        config={
            "api_base_url": f"{site_url}/sandbox/feeddex",
            "organization": account.organization,
            **FAST_LIMIT,
            **config,
        },
        secrets={"auth_code": AUTH_CODE, "password": PASSWORD},
    )
    return FeeddexSandbox(account, connection)


@pytest.fixture
def feeddex(sandbox: str, tenant: Tenant) -> Iterator[FeeddexSandbox]:  # noqa: F811
    made = feeddex_connection(sandbox, tenant)
    yield made
    reset_counters(made.account.scope)
