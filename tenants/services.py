"""Writes for tenants and users: signup, memberships, plan changes."""

from __future__ import annotations

from django.db import transaction
from django.utils.text import slugify

from tenants.models import Membership, Plan, PlanStatus, Role, Tenant, User


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "tenant"
    slug, n = base, 1
    while Tenant.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def tenant_create(*, name: str, owner: User) -> Tenant:
    tenant = Tenant.objects.create(name=name, slug=_unique_slug(name))
    Membership.objects.create(user=owner, tenant=tenant, role=Role.OWNER)
    return tenant


@transaction.atomic
def signup(*, email: str, password: str, company_name: str) -> tuple[User, Tenant]:
    """Create a user, their company as a tenant in trial, and make them its owner."""
    user = User.objects.create_user(email=email, password=password)
    tenant = tenant_create(name=company_name, owner=user)
    return user, tenant


def membership_add(*, tenant: Tenant, user: User, role: Role) -> Membership:
    membership, _ = Membership.objects.update_or_create(
        tenant=tenant, user=user, defaults={"role": role}
    )
    return membership


def plan_activate(*, tenant: Tenant, plan: Plan | None = None) -> Tenant:
    """Activate a plan by hand (staff): no end date; with no plan given, no limits."""
    tenant.plan_status = PlanStatus.ACTIVE
    tenant.plan = plan
    tenant.plan_ends_at = None
    tenant.records_wait_month = None
    tenant.save(update_fields=["plan_status", "plan", "plan_ends_at", "records_wait_month"])
    return tenant
