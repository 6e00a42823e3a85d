"""POST /api/webhooks/feeddex/<token>/: where the shop delivers a connection's order events.

The path names the first shop for the subscriptions made before there could be others; the
endpoint's connection says which shop's checks apply (flows/webhook_ingest.py)."""

from __future__ import annotations

import time

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from connectors import counters
from flows.models import WebhookEndpoint
from flows.webhook_ingest import webhook_receive
from monitoring.logs import bind
from monitoring.metrics import WEBHOOK_BUCKETS, WEBHOOK_DELIVERY_SECONDS
from tenants.addresses import client_address


@csrf_exempt  # the shop signs its deliveries; there is no browser session to protect
@require_POST
def shop_webhook(request: HttpRequest, token: str) -> JsonResponse:
    started = time.monotonic()
    outcome, response = answer_delivery(request, token)
    # Deliveries by outcome and how long the shop waited for the answer (/metrics).
    seconds = time.monotonic() - started
    counters.observe(WEBHOOK_DELIVERY_SECONDS, seconds, WEBHOOK_BUCKETS, outcome=outcome)
    return response


def answer_delivery(request: HttpRequest, token: str) -> tuple[str, JsonResponse]:
    """Return the delivery's outcome (accepted, ignored, duplicate, rejected, unknown) and
    the answer."""
    endpoint = WebhookEndpoint.objects.select_related("connection").filter(token=token).first()
    if endpoint is None:
        error = {"code": "not_found", "message": "Unknown webhook endpoint.", "fields": {}}
        return "unknown", JsonResponse({"error": error}, status=404)
    bind(tenant_id=endpoint.tenant_id)  # the request's log lines name the endpoint's tenant
    received = webhook_receive(
        endpoint=endpoint,
        body=request.body,
        headers=request.headers,
        remote_addr=client_address(request) or None,
    )
    if received.http_status == 400:
        error = {"code": "rejected", "message": received.reason, "fields": {}}
        return received.status, JsonResponse({"error": error}, status=400)
    return received.status, JsonResponse(received.body(), status=received.http_status)
