"""What every dashboard page shows: a connection that must be connected again."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from connectors.models import Connection, ConnectionStatus


def lost_connections(request: HttpRequest) -> dict[str, Any]:
    """The current company's connections whose credentials were refused for good: the banner
    on every page until they are connected again (one indexed read per page)."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}
    lost = Connection.objects.filter(
        tenant_id=membership.tenant_id, status=ConnectionStatus.NEEDS_ATTENTION
    ).order_by("pk")
    return {"lost_connections": list(lost)}
