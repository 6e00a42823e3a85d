"""Mapping editor: per target field a source or a function chain, live preview, versions."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from flows.models import Flow


def flow_preview(flow: Flow) -> dict[str, Any]:
    return {"flow": flow, "rows": [], "error": None}


@require_http_methods(["GET", "POST"])
@login_required
def mapping_editor(request: HttpRequest, pk: int) -> HttpResponse:
    raise NotImplementedError


@require_POST
@login_required
def mapping_preview(request: HttpRequest, pk: int) -> HttpResponse:
    raise NotImplementedError


@require_GET
@login_required
def mapping_versions(request: HttpRequest, pk: int) -> HttpResponse:
    raise NotImplementedError


@require_POST
@login_required
def mapping_rollback(request: HttpRequest, pk: int) -> HttpResponse:
    raise NotImplementedError
