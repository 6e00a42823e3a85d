"""Sandbox accounts for a company: both applications connected to this platform's own
sandboxes, each company with a sandbox identity of its own (the wizard's "use the sandbox",
the API's sandbox-connect and the demo company)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from connectors.models import Connection
from connectors.services import connection_save
from tenants.models import Tenant


def sandbox_base_url(system: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/sandbox/{system}"


# A small demo catalogue when the sandbox administration is empty: enough to see every
# outcome (created, skipped variants) in a run that takes seconds.
SANDBOX_ARTICLES = 40
SANDBOX_DEBTORS = 20


@transaction.atomic
def sandbox_connect(
    *,
    tenant: Tenant,
    demo_accounts: bool = False,
    into: dict[str, Connection | None] | None = None,
    profile: str = "demo",
) -> tuple[Connection, Connection]:
    """Connect both applications to this platform's own sandboxes.

    Each tenant gets a sandbox identity of its own: an Asperion login, OAuth client and
    administration, and a Feeddex organization. The sandboxes serve them only to that
    identity's tokens, so no tenant reads or writes another's sandbox data. With
    `demo_accounts` (the demo company), the public demo accounts whose logins `demo_setup`
    prints, which the demo company then owns. The Asperion side gets tokens issued for the
    login directly (no consent page to click through); the Feeddex orders use the
    administration's articles, so the orders flow can book them.

    `into` names the connection to replace per system, None for a new one (the connections
    of a company's next integration); without it the newest connection of each system is
    replaced.
    """
    # Imported here only: production may switch the sandboxes off (their apps not installed).
    from connectors.asperion.sandbox import seed as asperion_seed
    from connectors.feeddex.sandbox import seed as feeddex_seed

    if demo_accounts:
        identity = asperion_seed.ensure_demo_identity(tenant=tenant)
    else:
        identity = asperion_seed.ensure_tenant_identity(
            tenant=tenant,
            name=f"{tenant.name} #{tenant.pk}"[:150],
            seed=tenant.pk,
            articles=SANDBOX_ARTICLES,
            debtors=SANDBOX_DEBTORS,
            profile=profile,
        )
    config, secrets, skus = asperion_sandbox_credentials(identity)
    asperion = connection_save(
        tenant=tenant,
        system="asperion",
        name="Asperion sandbox",
        config=config,
        secrets=secrets,
        **target(into, "asperion"),
    )
    if demo_accounts:
        account = feeddex_seed.ensure_demo_account(skus=skus, tenant=tenant)
    else:
        organization = f"{slugify(tenant.name)[:60] or 'tenant'}-{tenant.pk}"
        account = feeddex_seed.ensure_own_account(
            tenant=tenant, organization=organization, seed=tenant.pk, skus=skus
        )
    feeddex = connection_save(
        tenant=tenant,
        system="feeddex",
        name="Feeddex sandbox",
        config={"api_base_url": sandbox_base_url("feeddex"), "organization": account.organization},
        secrets={"auth_code": account.auth_code, "password": account.password},
        **target(into, "feeddex"),
    )
    return asperion, feeddex


def target(into: dict[str, Connection | None] | None, system: str) -> dict[str, Any]:
    """connection_save's arguments for the connection to write."""
    if into is None:
        return {}
    chosen = into.get(system)
    return {"replace": chosen, "create": chosen is None}


def asperion_sandbox_credentials(
    identity: Any = None,
) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """Return config and secrets for a sandbox identity (the public demo's when None) on its
    administration, and the administration's article codes."""
    from connectors.asperion.sandbox import seed
    from connectors.asperion.sandbox.models import Article
    from connectors.asperion.sandbox.oauth import tokens_issue

    if identity is None:
        identity = seed.ensure_demo_identity()
    administration = identity.administration
    articles = Article.objects.filter(administration=administration)
    if not articles.exists():
        seed.seed_administration(
            administration, articles=SANDBOX_ARTICLES, debtors=SANDBOX_DEBTORS, seed=1
        )
    tokens = tokens_issue(client=identity.client, user=identity.user)
    base = sandbox_base_url("asperion")
    config = {
        "api_base_url": base,
        "identity_base_url": base,
        "client_id": identity.client.client_id,
        "administration_id": administration.pk,
    }
    # The access token too: the first hour then needs no refresh, which in the embedded mode
    # would hold SQLite's write lock while the sandbox (same database) answers it.
    expires_at = timezone.now() + timedelta(seconds=tokens.expires_in)
    secrets = {
        "client_secret": identity.client_secret,
        "refresh_token": tokens.refresh_token,
        "access_token": tokens.access_token,
        "access_token_expires_at": expires_at.isoformat(),
    }
    # The shop's demo orders buy only what Asperion sells: an inactive or variant article
    # would make a new company's very first orders fail.
    sellable = articles.filter(active=True, is_variant=False).order_by("id")
    skus = list(sellable.values_list("code", flat=True)[:200])
    return config, secrets, skus
