"""Writes the dashboard makes: wizard progress, the language, members.

Connections, integrations, flows and mappings keep their own services, beside their data.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from dashboard.models import STEP_ORDER, WizardState, WizardStep
from flows.models import Integration
from tenants.models import Invitation, Membership, Role, Tenant, User
from tenants.services import invitation_create


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


def wizard_start_another(*, state: WizardState) -> WizardState:
    """Start the wizard again, for the company's next integration."""
    state.step, state.integration, state.adding = WizardStep.APPS, None, True
    state.dry_run_ids, state.completed_at = [], None
    state.updated_at = timezone.now()
    state.save()
    return state


def wizard_set_integration(*, state: WizardState, integration: Integration) -> WizardState:
    state.integration, state.adding = integration, False
    state.save(update_fields=["integration", "adding"])
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


# ---- the language -------------------------------------------------------------------------


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
