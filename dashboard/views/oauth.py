"""Asperion's OAuth consent: send the user to the identity server, take the code back.

The client secret is saved (encrypted, on the connection) before the redirect, so it never
sits in the session; the session keeps only the one-time `state`, compared in constant time.
"""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from connectors import services as connection_services
from connectors.asperion import oauth
from connectors.asperion.forms import AsperionOAuthForm
from connectors.base import ConnectorError
from connectors.models import Connection
from dashboard import services
from dashboard.integrations import wizard_connection, wizard_target
from dashboard.views.wizard import refuse
from tenants.access import get_for_request, require_tenant

SESSION_STATE = "asperion_oauth_state"


def callback_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("dashboard:asperion_callback"))


@require_POST
@login_required
def asperion_connect(request: HttpRequest) -> HttpResponse:
    """Save the client credentials, then redirect to Asperion's consent page."""
    wizard = services.wizard_state_for(tenant=require_tenant(request, write=True))
    form = AsperionOAuthForm(request.POST, prefix="oauth")
    if not form.is_valid():
        return refuse(request, wizard, "apps", oauth_form=form)
    connection = connection_services.connection_save(
        tenant=wizard.tenant,
        system="asperion",
        name="Asperion",
        config=form.config(),
        secrets={"client_secret": form.cleaned_data["client_secret"]},
        **wizard_target(wizard, "asperion"),
    )
    state = f"{connection.pk}.{secrets.token_urlsafe(24)}"
    request.session[SESSION_STATE] = state
    url = oauth.authorize_url(connection, redirect_uri=callback_url(request), state=state)
    return HttpResponseRedirect(url)


@require_GET
@login_required
def connection_reconnect(request: HttpRequest, pk: int) -> HttpResponse:
    """One click (from the incident email or the banner) to connect again: Asperion's
    consent page with the credentials already stored; other systems ask for new ones."""
    connection = get_for_request(request, Connection, pk, write=True)
    if connection.system != "asperion" or not connection.config.get("client_id"):
        return redirect("dashboard:connection_detail", pk=connection.pk)
    state = f"{connection.pk}.{secrets.token_urlsafe(24)}"
    request.session[SESSION_STATE] = state
    url = oauth.authorize_url(connection, redirect_uri=callback_url(request), state=state)
    return HttpResponseRedirect(url)


@require_GET
@login_required
def asperion_callback(request: HttpRequest) -> HttpResponse:
    """Exchange the code for tokens; a refused consent or a bad state says so plainly."""
    tenant = require_tenant(request, write=True)
    expected = request.session.pop(SESSION_STATE, "")
    state = request.GET.get("state", "")
    if not expected or not constant_time_compare(state, expected):
        messages.error(request, _("Asperion's answer did not match this session: try again."))
        return redirect("dashboard:wizard_step", step="apps")
    if request.GET.get("error") or not request.GET.get("code"):
        messages.error(
            request,
            _("Asperion did not give access: %s") % (request.GET.get("error") or _("no code")),
        )
        return redirect("dashboard:wizard_step", step="apps")
    connection = wizard_connection(services.wizard_state_for(tenant=tenant), "asperion")
    if connection is None or str(connection.pk) != state.split(".", 1)[0]:
        messages.error(request, _("Start the connection to Asperion again."))
        return redirect("dashboard:wizard_step", step="apps")
    try:
        oauth.exchange_code(
            connection, code=request.GET["code"], redirect_uri=callback_url(request)
        )
    except ConnectorError as error:
        messages.error(
            request,
            _("Asperion refused the code: %s") % connection.redact(error.api_message or str(error)),
        )
        return redirect("dashboard:wizard_step", step="apps")
    connection.refresh_from_db()
    error_text = connection_services.connection_test(connection=connection)
    if error_text:
        messages.error(request, _("Connected, but the test failed: %s") % error_text)
    else:
        messages.success(request, _("Asperion is connected. Now choose the administration."))
    return redirect("dashboard:wizard_step", step="apps")
