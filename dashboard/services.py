"""Writes the dashboard makes: wizard progress, connections from the wizard, the sandbox setup.

Flows, mappings and connections keep their own services; these only combine them for the UI.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from api import services as api_services
from connectors import services as connection_services
from connectors.models import Connection, ConnectionStatus
from dashboard.models import STEP_ORDER, WizardState, WizardStep
from flows import services as flow_services
from flows.models import Integration
from tenants.models import Invitation, Membership, Role, Tenant, User
from tenants.services import invitation_create

ASPERION_API_URL = "https://api.asperion.nl"
ASPERION_IDENTITY_URL = "https://identity.asperion.nl"
FEEDDEX_API_URL = "https://api.feeddex.nl"


def wizard_state_for(*, tenant: Tenant) -> WizardState:
    state, _ = WizardState.objects.get_or_create(tenant=tenant)
    return state


def wizard_advance(*, state: WizardState, to: str) -> WizardState:
    """Remember that the tenant reached a step (never moves back: setup resumes at the furthest)."""
    if STEP_ORDER.index(to) > state.step_index:
        state.step = to
        state.updated_at = timezone.now()
        state.save(update_fields=["step", "updated_at"])
    return state


def wizard_complete(*, state: WizardState) -> WizardState:
    state.step = WizardStep.LIVE
    state.completed_at = state.completed_at or timezone.now()
    state.save(update_fields=["step", "completed_at"])
    return state


def wizard_remember_dry_runs(*, state: WizardState, run_ids: list[int]) -> WizardState:
    state.dry_run_ids = run_ids
    state.save(update_fields=["dry_run_ids"])
    return state


# ---- connections --------------------------------------------------------------------------


def connection_for(*, tenant: Tenant, system: str) -> Connection | None:
    """Return the tenant's newest connection to a system (the wizard keeps one per system)."""
    return tenant.connections.filter(system=system).order_by("-id").first()


def connection_save(
    *,
    tenant: Tenant,
    system: str,
    name: str,
    config: dict[str, Any],
    secrets: dict[str, Any],
) -> Connection:
    """Create the connection, or replace config and secrets of the existing one.

    Replacing keeps the row, so an integration that points at it keeps working with the new
    credentials (re-connect and credential rotation are the same operation).
    """
    existing = connection_for(tenant=tenant, system=system)
    if existing is None:
        return connection_services.connection_create(
            tenant=tenant, system=system, name=name, config=config, secrets=secrets
        )
    existing.name, existing.config = name, {**existing.config, **config}
    existing.secrets = secrets
    existing.status, existing.last_error = ConnectionStatus.NEW, ""
    existing.save(update_fields=["name", "config", "secrets_encrypted", "status", "last_error"])
    return existing


def connection_set_config(*, connection: Connection, changes: dict[str, Any]) -> Connection:
    connection.config = {**connection.config, **changes}
    connection.save(update_fields=["config"])
    return connection


def connection_in_use(*, connection: Connection) -> bool:
    used = Integration.objects.filter(tenant_id=connection.tenant_id)
    return used.filter(asperion=connection).exists() or used.filter(feeddex=connection).exists()


def connection_verify(*, connection: Connection) -> str | None:
    """Call the system once with the stored credentials; return None or the API's own error.

    The API app records the outcome on the connection (status, last error, last verified),
    redacted; the wizard and the Test buttons show that error.
    """
    api_services.connection_verify(connection=connection)
    return None if connection.status == ConnectionStatus.OK else connection.last_error


def sandbox_base_url(system: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/sandbox/{system}"


# A small demo catalogue when the sandbox administration is empty: enough to see every
# outcome (created, skipped variants) in a run that takes seconds.
SANDBOX_ARTICLES = 40
SANDBOX_DEBTORS = 20


@transaction.atomic
def sandbox_connect(
    *, tenant: Tenant, demo_accounts: bool = False
) -> tuple[Connection, Connection]:
    """Connect both applications to this platform's own sandboxes.

    Each tenant gets a sandbox identity of its own: an Asperion login, OAuth client and
    administration, and a Feeddex organization. The sandboxes serve them only to that
    identity's tokens, so no tenant reads or writes another's sandbox data. With
    `demo_accounts` (the demo company), the public demo accounts whose logins `demo_setup`
    prints, which the demo company then owns. The Asperion side gets tokens issued for the
    login directly (no consent page to click through); the Feeddex orders use the
    administration's articles, so the orders flow can book them.
    """
    # The sandbox modules are imported here only: they are the sandboxes' business, used
    # nowhere else in the dashboard, and production may switch the sandboxes off.
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
        )
    config, secrets, skus = asperion_sandbox_credentials(identity)
    asperion = connection_save(
        tenant=tenant, system="asperion", name="Asperion sandbox", config=config, secrets=secrets
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
    )
    return asperion, feeddex


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
    skus = list(articles.order_by("id").values_list("code", flat=True)[:200])
    return config, secrets, skus


# ---- flows ----------------------------------------------------------------------------------


def integration_for(*, tenant: Tenant) -> Integration | None:
    return Integration.objects.filter(tenant=tenant).order_by("id").first()


def integration_ensure(*, tenant: Tenant) -> Integration:
    """Return the tenant's integration, creating it (with its five flows) from both connections."""
    integration = integration_for(tenant=tenant)
    if integration is not None:
        return integration
    asperion = connection_for(tenant=tenant, system="asperion")
    feeddex = connection_for(tenant=tenant, system="feeddex")
    if asperion is None or feeddex is None:
        raise ValueError("both applications must be connected first")
    return flow_services.integration_create(tenant=tenant, asperion=asperion, feeddex=feeddex)


def flows_choose(*, integration: Integration, kinds: set[str]) -> None:
    """Enable the chosen flows and disable the others."""
    for flow in integration.flows.all():
        wanted = flow.kind in kinds
        if flow.enabled != wanted:
            flow_services.flow_set_enabled(flow=flow, enabled=wanted)


def language_check(language: str) -> str:
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"unknown language {language!r}")
    return language


def user_set_language(*, user: User, language: str) -> User:
    user.language = language_check(language)
    user.save(update_fields=["language"])
    return user


# ---- members ----------------------------------------------------------------------------------


class MemberError(ValueError):
    """A change to the members that would leave the company without an owner."""


def member_invite(*, tenant: Tenant, email: str, role: str, invited_by: User) -> Invitation:
    """Invite an address: the same for a new and an existing user, and nobody becomes a
    member before they accept while signed in with that address."""
    return invitation_create(tenant=tenant, email=email, role=role, invited_by=invited_by)


def member_set_role(*, membership: Membership, role: str) -> Membership:
    if membership.role == Role.OWNER and role != Role.OWNER:
        ensure_another_owner(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


def member_remove(*, membership: Membership) -> None:
    if membership.role == Role.OWNER:
        ensure_another_owner(membership)
    membership.delete()


def ensure_another_owner(membership: Membership) -> None:
    others = Membership.objects.filter(tenant_id=membership.tenant_id, role=Role.OWNER)
    if not others.exclude(pk=membership.pk).exists():
        raise MemberError("a company needs at least one owner")
