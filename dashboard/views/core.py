"""Overview, connections (detail, test, new credentials, delete) and the language switch."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing.selectors import plans_first
from connectors import services as connection_services
from connectors.models import Connection
from connectors.registry import credentials_form as credentials_form_of
from dashboard import selectors, services
from dashboard.connections import sandbox_admin_link, save_and_test, settings_shown
from dashboard.forms import LanguageForm
from dashboard.http import render_page, safe_next
from dashboard.integrations import current_integration
from flows import selectors as flow_selectors
from tenants.access import get_for_request, require_membership, require_tenant

LANGUAGE_COOKIE = "django_language"


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    tenant = require_tenant(request)
    if plans_first(tenant):
        return redirect("billing:plans")  # flows are paused for want of a plan
    wizard = services.wizard_state_for(tenant=tenant)
    integration = current_integration(request, tenant)
    context = {
        "connections": tenant.connections.order_by("system", "name"),
        "wizard": wizard,
        # The setup card stays until the company is live, however it got there (the wizard,
        # the API, or the demo's own setup).
        "live": bool(wizard.completed_at or (integration and integration.live)),
        "flows": selectors.flow_health_list(tenant=tenant, integration=integration),
        "recent_runs": selectors.recent_runs(tenant=tenant, limit=8),
        "today": selectors.records_per_day(
            tenant=tenant, flow_id=None, days=1, integration=integration
        )[0],
    }
    return render(request, "dashboard/home.html", context)


@require_GET
@login_required
def connection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    connection = get_for_request(request, Connection, pk)
    context = {
        "connection": connection,
        "form": credentials_form(connection),
        "settings_shown": settings_shown(connection),
        "sandbox_admin": sandbox_admin_link(connection),
    }
    return render(request, "dashboard/connection_detail.html", context)


def credentials_form(connection: Connection, data: QueryDict | None = None) -> Any:
    """An empty form for new credentials (the system's own, connectors/<system>/forms.py):
    config prefilled, secrets never."""
    form_class = credentials_form_of(connection.system)
    return form_class(data, initial=dict(connection.config), prefix="cred")


@require_POST
@login_required
def connection_credentials(request: HttpRequest, pk: int) -> HttpResponse:
    """Replace a connection's credentials (re-connect or rotation) and test them at once."""
    connection = get_for_request(request, Connection, pk, write=True)
    form = credentials_form(connection, request.POST)
    if not form.is_valid():
        context = {"connection": connection, "form": form}
        return render(request, "dashboard/connection_detail.html", context, status=400)
    _saved, error = save_and_test(
        form, tenant=connection.tenant, system=connection.system, name=connection.name
    )
    if error:
        messages.error(request, _("New credentials saved, but the test failed: %s") % error)
    else:
        messages.success(request, _("New credentials saved and tested."))
    return redirect("dashboard:connection_detail", pk=connection.pk)


@require_POST
@login_required
def connection_test(request: HttpRequest, pk: int) -> HttpResponse:
    """Test a connection now: a green check, or the API's own error."""
    connection = get_for_request(request, Connection, pk, write=True)
    error = connection_services.connection_test(connection=connection)
    detail_page = reverse("dashboard:connection_detail", args=[pk])
    htmx: Any = getattr(request, "htmx", None)
    current = (htmx.current_url_abs_path if htmx else None) or ""
    on_detail_page = current.startswith(detail_page)
    context = {
        "connection": connection,
        "error": error,
        "tested": True,
        # The header badge always follows the test; the page's facts too when it shows them.
        "on_detail_page": on_detail_page,
    }
    if not getattr(request, "htmx", False):
        if error:
            messages.error(request, _("Test failed: %s") % error)
        else:
            messages.success(request, _("%s works.") % connection.name)
        return redirect(safe_next(request, reverse("dashboard:connection_detail", args=[pk])))
    return render(request, "dashboard/partials/connection_status.html", context)


@require_POST
@login_required
def connection_delete(request: HttpRequest, pk: int) -> HttpResponse:
    connection = get_for_request(request, Connection, pk, write=True)
    if flow_selectors.connection_in_use(connection=connection):
        messages.error(request, _("This connection is used by the flows; re-connect it instead."))
        return redirect("dashboard:connection_detail", pk=pk)
    connection_services.connection_delete(connection=connection)
    messages.success(request, _("Connection %s removed.") % connection.name)
    return redirect("dashboard:home")


@require_http_methods(["POST"])
def language_set(request: HttpRequest) -> HttpResponse:
    """Switch the language: stored on the user (all devices) and in a cookie (this browser)."""
    form = LanguageForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("bad language")
    language = form.cleaned_data["language"]
    next_url = safe_next(request, "/")
    try:
        if request.user.is_authenticated:
            services.user_set_language(user=request.user, language=language)
        else:
            services.language_check(language)
    except ValueError:
        return HttpResponseBadRequest("unknown language")
    response = redirect(next_url)
    response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, samesite="Lax")
    return response


@require_GET
@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    return render_settings(request)


def render_settings(request: HttpRequest, *, new_key: str | None = None) -> HttpResponse:
    """Account settings: connections, members, API tokens (a new key is shown once)."""
    membership = require_membership(request)
    tenant = membership.tenant
    context = {
        "new_key": new_key,
        "connections": tenant.connections.order_by("system", "name"),
        "members": tenant.memberships.select_related("user").order_by("user__email"),
        "tokens": selectors.api_tokens(tenant=tenant),
    }
    return render_page(request, "dashboard/settings.html", context)
