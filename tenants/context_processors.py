from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from tenants.access import memberships_of


def current_tenant(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}
    return {
        "current_membership": membership,
        "current_tenant": membership.tenant,
        # The membership's user: DRF views may have replaced request.user by an anonymous one.
        "all_memberships": memberships_of(membership.user),
    }
