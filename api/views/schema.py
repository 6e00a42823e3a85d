"""The OpenAPI 3 document of /api/v1/, generated from the views."""

from __future__ import annotations

from typing import Any

from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny

DESCRIPTION = """\
Everything the dashboard does, for machines: connections, integrations and their flows,
settings, runs, the activity log of every record, retries and insights.

Authenticate with `Authorization: Token <key>`; a key belongs to one user in one company, and
a viewer's key may only read. Errors have one shape, `{"error": {"code", "message", "fields"}}`,
where `fields` names every bad input. Lists of runs and records are pages, newest first:
pass `cursor` = `next_cursor` for the next one. Requests are limited per token (429 with
`Retry-After`).
"""

# Enums that share a field name ("status", "kind") get names of their own, not hashes.
ENUM_NAME_OVERRIDES = {
    "ConnectionStatusEnum": "connectors.models.ConnectionStatus",
    "RunStatusEnum": "flows.models.RunStatus",
    "TriggerEnum": "flows.models.Trigger",
    "ActionEnum": "flows.models.Action",
    "FlowKindEnum": "flows.registry.BUILT_IN_KINDS",
    "SystemEnum": "connectors.registry.SYSTEM_CHOICES",
}

SCHEMA_SETTINGS: dict[str, Any] = {
    "TITLE": "APIcenter API",
    "DESCRIPTION": DESCRIPTION,
    "VERSION": "1.0.0",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": ENUM_NAME_OVERRIDES,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "PATH_CONVERTER_OVERRIDES": {
        "api_id": {"type": "integer", "minimum": 0, "maximum": 10**18 - 1},
    },
}


class ApiSchemaView(SpectacularAPIView):
    """Public: the schema describes the API, it holds no tenant's data."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    custom_settings = SCHEMA_SETTINGS
