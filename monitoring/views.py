"""Account pages: monitoring settings and incidents, configuration export, deletion."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from monitoring.accounts import tenant_delete_request, tenant_export
from monitoring.forms import AccountDeleteForm, MonitoringSettingsForm
from monitoring.incidents import monitoring_settings_for
from monitoring.models import Incident, PurgeAudit
from monitoring.services import SETTINGS_FIELDS, monitoring_settings_update
from tenants.access import require_membership
from tenants.models import Membership, Role, User

ONLY_OWNERS = "Only an owner can delete the company."


@require_http_methods(["GET", "POST"])
@login_required
def monitoring_settings(request: HttpRequest) -> HttpResponse:
    membership = require_membership(request, write=request.method == "POST")
    tenant = membership.tenant
    settings = monitoring_settings_for(tenant)
    form = MonitoringSettingsForm(request.POST or None, instance=settings, tenant=tenant)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in SETTINGS_FIELDS}
        try:
            monitoring_settings_update(
                tenant=tenant, data=data, recipients=form.cleaned_data["recipients"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Monitoring settings saved."))
            return redirect("monitoring:settings")
    context = {
        "form": form,
        "can_write": membership.can_write,
        "incidents": Incident.objects.filter(tenant=tenant)
        .select_related("flow")
        .order_by("-id")[:20],
        "audits": PurgeAudit.objects.filter(tenant=tenant).order_by("-id")[:10],
    }
    return render(request, "monitoring/settings.html", context)


def require_owner(request: HttpRequest) -> Membership:
    membership = require_membership(request)
    if membership.role != Role.OWNER:
        raise PermissionDenied(ONLY_OWNERS)
    return membership


@require_http_methods(["GET", "POST"])
@login_required
def account_delete(request: HttpRequest) -> HttpResponse:
    membership = require_owner(request)
    user = request.user
    assert isinstance(user, User)  # login_required
    form = AccountDeleteForm(request.POST or None, user=user, tenant=membership.tenant)
    if request.method == "POST" and form.is_valid():
        tenant_delete_request(tenant=membership.tenant)
        logout(request)
        return redirect("monitoring:account_deleted")
    return render(
        request, "monitoring/account_delete.html", {"form": form, "tenant": membership.tenant}
    )


@require_GET
def account_deleted(request: HttpRequest) -> HttpResponse:
    return render(request, "monitoring/account_deleted.html")


@require_GET
@login_required
def account_export(request: HttpRequest) -> HttpResponse:
    tenant = require_membership(request, write=True).tenant
    body = json.dumps(tenant_export(tenant=tenant), indent=2, ensure_ascii=False, default=str)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="apicenter-{tenant.slug}.json"'
    return response
