"""Which of the company's integrations the dashboard shows (the switcher keeps it in the
session), and which connections the wizard works on while it sets one up."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from connectors.models import Connection
from connectors.selectors import connection_for
from dashboard.models import WizardState
from flows.models import Integration
from flows.selectors import connection_in_use, integration_for
from tenants.models import Tenant

SESSION_KEY = "integration_id"


def current_integration(request: HttpRequest, tenant: Tenant) -> Integration | None:
    """The integration chosen in this session, else the company's first one."""
    chosen = request.session.get(SESSION_KEY)
    found = tenant.integrations.filter(pk=chosen).first() if chosen else None
    return found or integration_for(tenant=tenant)


def choose_integration(request: HttpRequest, integration: Integration) -> None:
    request.session[SESSION_KEY] = integration.pk


def wizard_integration(state: WizardState) -> Integration | None:
    """The integration the wizard sets up: its own, or (a wizard started before there could
    be several) the company's first."""
    if state.integration_id is not None:
        return state.integration
    return None if state.adding else integration_for(tenant=state.tenant)


def wizard_connection(state: WizardState, system: str) -> Connection | None:
    """The connection to a system that step 1 shows and replaces: while another integration
    is set up, the newest one no integration uses yet (None: the next save makes one)."""
    integration = wizard_integration(state)
    if integration is not None:
        for connection in integration.connections().values():
            if connection.system == system:
                return connection
    if not state.adding:
        return connection_for(tenant=state.tenant, system=system)
    unused = state.tenant.connections.filter(system=system).order_by("-id")
    return next((c for c in unused if not connection_in_use(connection=c)), None)


def wizard_target(state: WizardState, system: str) -> dict[str, Any]:
    """connection_save's arguments for the connection step 1 writes."""
    connection = wizard_connection(state, system)
    return {"replace": connection, "create": connection is None}
