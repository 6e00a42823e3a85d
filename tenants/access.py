"""Tenant-scoped access: the only way views, API endpoints and tasks load tenant rows.

Another tenant's id answers 404 (never 403, which would confirm that the row exists);
a read-only member asking to change something answers 403.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest

from tenants.models import Membership, Tenant

if TYPE_CHECKING:
    from tenants.models import User

M = TypeVar("M", bound=models.Model)

SESSION_TENANT_KEY = "tenant_id"


def memberships_of(user: User) -> models.QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("tenant").order_by("tenant__name")


def membership_for(user: Any, tenant_id: int | None) -> Membership | None:
    """Return the user's membership of that tenant, or their first one."""
    if not getattr(user, "is_authenticated", False):
        return None
    memberships = memberships_of(user)
    if tenant_id is not None:
        chosen = memberships.filter(tenant_id=tenant_id).first()
        if chosen:
            return chosen
    return memberships.first()


def require_membership(request: HttpRequest, *, write: bool = False) -> Membership:
    membership: Membership | None = getattr(request, "membership", None)
    if membership is None:
        raise Http404("No tenant")
    if write and not membership.can_write:
        raise PermissionDenied("Your role in this company is read-only.")
    return membership


def require_tenant(request: HttpRequest, *, write: bool = False) -> Tenant:
    return require_membership(request, write=write).tenant


def get_for_tenant(
    queryset: models.QuerySet[M] | type[M], *, tenant: Tenant, pk: Any, field: str = "tenant"
) -> M:
    """Return the row with that pk only if it belongs to the tenant, else 404."""
    qs = queryset._default_manager.all() if isinstance(queryset, type) else queryset
    try:
        return qs.get(pk=pk, **{field: tenant})
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404("Not found") from None


def get_for_request(
    request: HttpRequest,
    queryset: models.QuerySet[M] | type[M],
    pk: Any,
    *,
    write: bool = False,
    field: str = "tenant",
) -> M:
    """Load a tenant-owned row for the current user: 404 for other tenants, 403 for viewers.

    The 404 check comes first so that a viewer of tenant A learns nothing about tenant B.
    """
    membership = require_membership(request)
    row = get_for_tenant(queryset, tenant=membership.tenant, pk=pk, field=field)
    if write and not membership.can_write:
        raise PermissionDenied("Your role in this company is read-only.")
    return row
