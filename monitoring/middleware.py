"""Request middleware of the operations side: log ids per request, and the probes' endpoints."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed

from monitoring import endpoints
from monitoring.logs import bind, start

GetResponse = Callable[[HttpRequest], HttpResponse]
REQUEST_ID_HEADER = "X-Request-ID"
# An id a trusted proxy passed on: kept when it looks like one (it goes into every log line).
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


class RequestLogIdsMiddleware:
    """Give the request an id, on every log line it causes and in its answer's X-Request-ID.

    Behind trusted proxies (TRUSTED_PROXY_HOPS) the proxy's own X-Request-ID is kept, so
    the proxy's log and ours name a request alike; a client's own header is not trusted.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = self.request_id(request)
        # Cleared on request_finished (monitoring.signals), after Django logged the answer.
        start(request_id=request_id)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response

    def request_id(self, request: HttpRequest) -> str:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        if settings.TRUSTED_PROXY_HOPS > 0 and _REQUEST_ID.fullmatch(given):
            return given
        return uuid.uuid4().hex


class TenantLogIdsMiddleware:
    """Put the signed-in member's tenant on the request's log lines (after
    tenants.middleware.CurrentTenantMiddleware; API requests bind the token's tenant)."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tenant = getattr(request, "tenant", None)
        if tenant is not None:
            bind(tenant_id=tenant.pk)  # until the request's ids are cleared
        return self.get_response(request)


ENDPOINTS: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "/healthz": endpoints.healthz,
    "/readyz": endpoints.readyz,
    "/metrics": endpoints.metrics,
}


class OperationsEndpointsMiddleware:
    """Answer /healthz, /readyz and /metrics before the host check and the HTTPS redirect."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view = ENDPOINTS.get(request.path_info.rstrip("/"))
        if view is None:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        response = view(request)
        response["Cache-Control"] = "no-store"
        return response
