"""Optional error tracking through Sentry's SDK (or any service that takes a Sentry DSN).

Off unless SENTRY_DSN is set. What an error report carries: the exception's type, message
and stack trace (files, lines, functions and source lines; no local variables), the
request's method and URL (no body, no cookies, no user but an id), the breadcrumbs of the
log lines before it, the release and the environment. Every text in it goes through the
log's redaction of secrets (connectors.redaction) and the masking of personal data
(flows.masking: email addresses anywhere, names and addresses under their keys), so a
customer's email address in an error message arrives masked.
"""

from __future__ import annotations

from typing import Any

from connectors.redaction import redact_data
from flows.masking import mask_personal_data

# Parts of a request that may hold personal data or secrets and that no error needs.
DROPPED_REQUEST_PARTS = ("data", "cookies", "env", "headers")


def sentry_init(*, dsn: str, environment: str, release: str | None = None) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        # send_default_pii is left at its default, False (no user, cookies or client address):
        # this SDK version warns when it is set at all, in favour of `data_collection`.
        include_local_variables=False,  # a frame's variables hold records: names, addresses
        max_request_body_size="never",
        traces_sample_rate=0.0,  # errors only; /metrics does the figures
        before_send=scrub_event,
        before_breadcrumb=scrub_breadcrumb,
    )


def scrub(data: Any) -> Any:
    """Secrets redacted and personal data masked, in any JSON-like data."""
    return mask_personal_data(redact_data(data))


def scrub_event(event: Any, hint: Any) -> Any:
    """Sentry's before_send: the event as it may leave the platform."""
    request = event.get("request")
    if isinstance(request, dict):
        for part in DROPPED_REQUEST_PARTS:
            request.pop(part, None)
    user = event.get("user")
    if isinstance(user, dict):
        event["user"] = {"id": user["id"]} if "id" in user else {}
    return scrub(event)


def scrub_breadcrumb(crumb: Any, hint: Any) -> Any:
    return scrub(crumb)
