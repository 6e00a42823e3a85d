"""The company's integrations: list them, switch the one the dashboard shows, set up another
(the wizard, one at a time) and remove one. Each has its own connections, flows, mappings
and logs; the plan may cap how many there are."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dashboard import services
from dashboard.http import render_page, safe_next
from dashboard.integrations import choose_integration, current_integration
from flows import services as flow_services
from flows.models import Integration
from tenants.access import get_for_request, require_membership, require_tenant
from tenants.usage import integrations_allowed


@require_GET
@login_required
def integration_list(request: HttpRequest) -> HttpResponse:
    membership = require_membership(request)
    tenant = membership.tenant
    limit = integrations_allowed(tenant)
    integrations = list(tenant.integrations.select_related("accounting", "shop").order_by("id"))
    context = {
        "integrations": integrations,
        "current": current_integration(request, tenant),
        "limit": limit,
        "may_add": limit is None or len(integrations) < limit,
    }
    return render_page(request, "dashboard/integrations.html", context)


@require_POST
@login_required
def integration_switch(request: HttpRequest) -> HttpResponse:
    """Show the chosen integration's flows from now on (this session)."""
    chosen = request.POST.get("integration", "")
    choose_integration(request, get_for_request(request, Integration, chosen))
    return redirect(safe_next(request, "/flows/"))


@require_POST
@login_required
def integration_new(request: HttpRequest) -> HttpResponse:
    """Start the wizard for one more integration, if the plan allows it."""
    tenant = require_tenant(request, write=True)
    limit = integrations_allowed(tenant)
    if limit is not None and tenant.integrations.count() >= limit:
        messages.error(
            request,
            _("The company's plan allows %(limit)s integration(s): choose a larger plan first.")
            % {"limit": limit},
        )
        return redirect("dashboard:integrations")
    services.wizard_start_another(state=services.wizard_state_for(tenant=tenant))
    return redirect("dashboard:wizard_step", step="apps")


@require_POST
@login_required
def integration_remove(request: HttpRequest, pk: int) -> HttpResponse:
    integration = get_for_request(request, Integration, pk, write=True)
    name = integration.name
    flow_services.integration_remove(integration=integration)
    messages.success(request, _("Integration %s removed, with its flows and logs.") % name)
    return redirect("dashboard:integrations")
