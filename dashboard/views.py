from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from connectors import services as connection_services
from connectors.models import Connection
from tenants.access import get_for_request, require_tenant


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    tenant = require_tenant(request)
    connections = tenant.connections.order_by("system", "name")
    return render(request, "dashboard/home.html", {"connections": connections})


@require_GET
@login_required
def connection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    connection = get_for_request(request, Connection, pk)
    return render(request, "dashboard/connection_detail.html", {"connection": connection})


@require_POST
@login_required
def connection_delete(request: HttpRequest, pk: int) -> HttpResponse:
    connection = get_for_request(request, Connection, pk, write=True)
    connection_services.connection_delete(connection=connection)
    messages.success(request, f"Connection {connection.name} removed.")
    return redirect("dashboard:home")
