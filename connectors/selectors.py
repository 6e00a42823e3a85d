"""Reads of connections."""

from __future__ import annotations

from connectors.models import Connection
from connectors.registry import systems_for
from tenants.models import Tenant


def connection_for(*, tenant: Tenant, system: str) -> Connection | None:
    """Return the tenant's newest connection to a system (the wizard keeps one per system)."""
    return tenant.connections.filter(system=system).order_by("-id").first()


def connection_for_role(*, tenant: Tenant, role: str) -> Connection | None:
    """Return the tenant's newest connection to a system that plays the role."""
    return tenant.connections.filter(system__in=systems_for(role)).order_by("-id").first()
