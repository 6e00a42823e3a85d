"""One error body for every failure: {"error": {"code", "message", "fields"}}.

`fields` maps a field's path ("config.api_base_url", "lines.0.sku") to its messages, so a
client can show each message beside its input; it is empty for errors about no one field.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

NON_FIELD = "non_field_errors"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The request conflicts with the current state.")
    default_code = "conflict"


class FieldErrors(exceptions.ValidationError):
    """A validation error that already names its fields: {"field.path": ["message"]}."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        super().__init__({key: list(messages) for key, messages in fields.items()})


def translate(exc: Exception) -> Exception:
    """Turn the errors services raise into API errors with the right status."""
    from flows.services import RunRefused
    from flows.settings_schemas import SettingsInvalid

    if isinstance(exc, SettingsInvalid):
        return FieldErrors(exc.field_errors)
    if isinstance(exc, RunRefused):
        if exc.retry_after is None:
            return Conflict(str(exc))
        return exceptions.Throttled(wait=exc.retry_after, detail=str(exc))
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return FieldErrors({k: list(v) for k, v in exc.message_dict.items()})
        return exceptions.ValidationError({NON_FIELD: exc.messages})
    if isinstance(exc, ProtectedError):
        return Conflict(_("It is still in use by an integration; delete that first."))
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    return exc


def flatten(detail: Any, path: str = "") -> dict[str, list[str]]:
    """Return {dotted path: [messages]} from DRF's nested error detail."""
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            out.update(flatten(value, f"{path}.{key}" if path else str(key)))
        return out
    if isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        out = {}
        for index, value in enumerate(detail):
            out.update(flatten(value, f"{path}.{index}" if path else str(index)))
        return out
    messages = detail if isinstance(detail, list) else [detail]
    return {path or NON_FIELD: [str(message) for message in messages]}


def error_body(exc: exceptions.APIException) -> dict[str, Any]:
    if isinstance(exc, exceptions.ValidationError):
        fields = flatten(exc.detail)
        general = fields.pop(NON_FIELD, [])
        message = " ".join(general) or str(_("Invalid input."))
        return {"error": {"code": "invalid", "message": message, "fields": fields}}
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else exc.default_code
    return {"error": {"code": str(code), "message": str(exc.detail), "fields": {}}}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler (status, Retry-After, WWW-Authenticate) with our body."""
    exc = translate(exc)
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response  # not an API error: let Django answer 500 and report it
    response.data = error_body(exc)
    return response
