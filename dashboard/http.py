"""Request typing and the partial-rendering helper every dashboard view uses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from tenants.models import Membership, Tenant, User


class DashboardRequest(HttpRequest):
    """What the middlewares attach: htmx details, the signed-in user's membership and tenant."""

    htmx: HtmxDetails
    membership: Membership | None
    tenant: Tenant | None
    user: User  # every dashboard view is login_required


def render_page(
    request: HttpRequest, template: str, context: dict[str, Any], *, partial: str | None = None
) -> HttpResponse:
    """Render the whole page, or only its partial for an htmx request that targets it.

    Boosted requests and history restores want the whole page, so they get it.
    """
    htmx = getattr(request, "htmx", None)
    if partial and htmx and not htmx.boosted and not htmx.history_restore_request:
        return render(request, partial, context)
    return render(request, template, context)


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The `next` address of a form when it stays on this site, else the fallback."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    allowed = {request.get_host()}
    # A path only: redirect() would take any other word for a URL name, and fail on it.
    if not candidate.startswith("/"):
        return fallback
    if url_has_allowed_host_and_scheme(candidate, allowed, request.is_secure()):
        return candidate
    return fallback
