"""POST /api/webhooks/feeddex/<token>/: where Feeddex delivers a connection's order events."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from flows.models import WebhookEndpoint
from flows.webhook_ingest import webhook_receive
from tenants.addresses import client_address

SIGNATURE_HEADER = "X-Feeddex-Signature"


@csrf_exempt  # Feeddex signs its deliveries; there is no browser session to protect
@require_POST
def feeddex_webhook(request: HttpRequest, token: str) -> JsonResponse:
    endpoint = WebhookEndpoint.objects.select_related("connection").filter(token=token).first()
    if endpoint is None:
        error = {"code": "not_found", "message": "Unknown webhook endpoint.", "fields": {}}
        return JsonResponse({"error": error}, status=404)
    received = webhook_receive(
        endpoint=endpoint,
        body=request.body,
        signature=request.headers.get(SIGNATURE_HEADER, ""),
        remote_addr=client_address(request) or None,
    )
    if received.http_status == 400:
        error = {"code": "rejected", "message": received.reason, "fields": {}}
        return JsonResponse({"error": error}, status=400)
    return JsonResponse(received.body(), status=received.http_status)
