"""Celery tasks of the API app: thin, they take ids."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

logger = logging.getLogger(__name__)

MAX_RETRIES = 5
RETRY_BASE_SECONDS = 30


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=MAX_RETRIES)
def webhook_sync_task(self: Any, flow_id: int) -> None:
    """Register or unregister the orders flow's webhook to match whether it is enabled.

    Queue it on commit after the flow is switched on or off. A transient Feeddex error is
    retried with exponential backoff; a permanent one (bad credentials) is logged, and the
    flow still works by polling on its schedule.
    """
    from api.webhook_registration import webhook_sync
    from connectors.base import ConnectorError
    from flows.models import Flow

    flow = Flow.objects.select_related("integration__feeddex").filter(pk=flow_id).first()
    if flow is None:
        return
    try:
        webhook_sync(flow=flow)
    except ConnectorError as error:
        if error.permanent:
            logger.warning("webhook registration of flow %s failed: %s", flow_id, error)
            return
        retries = self.request.retries
        raise self.retry(countdown=RETRY_BASE_SECONDS * 2**retries) from error
