"""/healthz, /readyz and /metrics, for probes and Prometheus rather than people.

They are answered by monitoring.middleware.OperationsEndpointsMiddleware, first in the
chain: a probe asks the container by its address over plain HTTP, which the host check
(ALLOWED_HOSTS) and the HTTPS redirect of production would refuse.

/metrics is off (404) unless METRICS_TOKEN or METRICS_ALLOWED_NETWORKS is set; then it
answers a request that carries the token as a bearer token or comes from an allowed
network, and refuses (403) any other.
"""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from monitoring.health import FAILED, readiness
from monitoring.metrics import PlatformCollector
from tenants.addresses import client_address

METRICS_REFUSED = "Send the metrics token as 'Authorization: Bearer <token>'."


def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> HttpResponse:
    checks = readiness()
    failed = [name for name, outcome in checks.items() if outcome == FAILED]
    body = {"status": "not ready" if failed else "ready", "failed": failed, "checks": checks}
    return JsonResponse(body, status=503 if failed else 200)


def metrics(request: HttpRequest) -> HttpResponse:
    refusal = metrics_refusal(request)
    if refusal is not None:
        return refusal
    # A registry per scrape with only the platform's collector: its figures come from the
    # database and the shared store, so every web process answers the same.
    registry = CollectorRegistry(auto_describe=False)
    registry.register(PlatformCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


def metrics_refusal(request: HttpRequest) -> HttpResponse | None:
    token: str | None = settings.METRICS_TOKEN
    networks: list[str] = settings.METRICS_ALLOWED_NETWORKS
    if not token and not networks:
        return JsonResponse({"error": "Metrics are off."}, status=404)
    if token and bearer_matches(request, token):
        return None
    if networks and address_in(client_address(request), networks):
        return None
    return JsonResponse({"error": METRICS_REFUSED if token else "Not allowed."}, status=403)


def bearer_matches(request: HttpRequest, token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token)


def address_in(address: str, networks: list[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network, strict=False) for network in networks)
