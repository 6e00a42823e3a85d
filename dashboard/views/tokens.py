"""API tokens of the REST API: create (the key is shown once), list, revoke."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dashboard.views.core import render_settings
from tenants import services as tenant_services
from tenants.access import get_for_request, require_membership
from tenants.models import ApiToken


@require_POST
@login_required
def api_token_create(request: HttpRequest) -> HttpResponse:
    """Make a token for the signed-in member; answer with the page showing its key once."""
    membership = require_membership(request, write=True)
    try:
        _token, raw_key = tenant_services.api_token_create(
            user=membership.user, tenant=membership.tenant, name=request.POST.get("name", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("dashboard:settings")
    response = render_settings(request, new_key=raw_key)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_for_request(request, ApiToken, pk, write=True)
    tenant_services.api_token_revoke(token=token)
    messages.success(request, _("Token %s revoked.") % token.name)
    return redirect("dashboard:settings")
