from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tenants.access import require_tenant


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    tenant = require_tenant(request)
    connections = tenant.connections.order_by("system", "name")
    return render(request, "dashboard/home.html", {"connections": connections})
