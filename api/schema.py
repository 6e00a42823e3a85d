"""OpenAPI pieces: the token scheme and the documented error responses."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse

from api.serializers import ErrorSerializer

ERROR_TEXTS = {
    400: "Invalid input: `error.fields` names each field and what is wrong with it.",
    401: "No token, or an invalid or revoked one.",
    403: "The token's role (viewer) may only read.",
    404: "No such row in this token's company.",
    409: "The request conflicts with the current state.",
    429: "Too many requests for this token (or runs for this company): wait for "
    "`Retry-After` seconds.",
}


class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "api.authentication.ApiTokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>`; make a key in the dashboard (Settings → API tokens) "
            "or with `manage.py create_api_token <email>`.",
        }


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """The error responses of an endpoint; 401 and 429 apply to all of them."""
    wanted = sorted({401, 429, *codes})
    return {
        code: OpenApiResponse(response=ErrorSerializer, description=ERROR_TEXTS[code])
        for code in wanted
    }


def responses(ok: dict[int, Any], *codes: int) -> dict[int, Any]:
    return {**ok, **errors(*codes)}
