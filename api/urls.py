from __future__ import annotations

from django.urls import include, path, register_converter
from django.urls.resolvers import URLPattern, URLResolver

from api.views import (
    connections,
    docs,
    flows,
    insights,
    integrations,
    mapping,
    runs,
    schema,
    webhooks,
)

app_name = "api"


class ApiIdConverter:
    """A row id: digits only, and short enough for a 64-bit column (longer ids cannot exist,
    and would overflow SQLite's integer before they could answer 404)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(ApiIdConverter, "api_id")

v1_patterns: list[URLPattern | URLResolver] = [
    path("connections/", connections.ConnectionListApi.as_view(), name="connections"),
    path(
        "connections/sandbox/", connections.SandboxConnectApi.as_view(), name="connections_sandbox"
    ),
    path("connections/<api_id:pk>/", connections.ConnectionDetailApi.as_view(), name="connection"),
    path(
        "connections/<api_id:pk>/verify/",
        connections.ConnectionVerifyApi.as_view(),
        name="connection_verify",
    ),
    path("integrations/", integrations.IntegrationListApi.as_view(), name="integrations"),
    path(
        "integrations/<api_id:pk>/", integrations.IntegrationDetailApi.as_view(), name="integration"
    ),
    path(
        "integrations/<api_id:pk>/customer-defaults/",
        integrations.CustomerDefaultsApi.as_view(),
        name="integration_customer_defaults",
    ),
    path(
        "integrations/<api_id:pk>/go-live/",
        integrations.IntegrationGoLiveApi.as_view(),
        name="integration_go_live",
    ),
    path("flows/", flows.FlowListApi.as_view(), name="flows"),
    path("flows/<api_id:pk>/", flows.FlowDetailApi.as_view(), name="flow"),
    path("flows/<api_id:pk>/settings/", flows.FlowSettingsApi.as_view(), name="flow_settings"),
    path("flows/<api_id:pk>/mapping/", mapping.FlowMappingApi.as_view(), name="flow_mapping"),
    path(
        "flows/<api_id:pk>/mapping/versions/",
        mapping.FlowMappingVersionsApi.as_view(),
        name="flow_mapping_versions",
    ),
    path(
        "flows/<api_id:pk>/mapping/rollback/",
        mapping.FlowMappingRollbackApi.as_view(),
        name="flow_mapping_rollback",
    ),
    path("flows/<api_id:pk>/enable/", flows.FlowEnableApi.as_view(), name="flow_enable"),
    path("flows/<api_id:pk>/disable/", flows.FlowDisableApi.as_view(), name="flow_disable"),
    path("flows/<api_id:pk>/run/", flows.FlowRunApi.as_view(), name="flow_run"),
    path("flows/<api_id:pk>/dry-run/", flows.FlowDryRunApi.as_view(), name="flow_dry_run"),
    path("runs/", runs.RunListApi.as_view(), name="runs"),
    path("runs/<api_id:pk>/", runs.RunDetailApi.as_view(), name="run"),
    path("runs/<api_id:pk>/cancel/", runs.RunCancelApi.as_view(), name="run_cancel"),
    path(
        "runs/<api_id:pk>/retry-failed/", runs.RunRetryFailedApi.as_view(), name="run_retry_failed"
    ),
    path("records/", runs.RecordListApi.as_view(), name="records"),
    path("records/<api_id:pk>/", runs.RecordDetailApi.as_view(), name="record"),
    path("records/<api_id:pk>/retry/", runs.RecordRetryApi.as_view(), name="record_retry"),
    path("insights/", insights.InsightsApi.as_view(), name="insights"),
]

# What the schema documents: the versioned API only (not the schema, docs or webhooks).
documented: list[URLPattern | URLResolver] = [path("api/v1/", include(v1_patterns))]

urlpatterns: list[URLPattern | URLResolver] = [
    path("v1/", include(v1_patterns)),
    path("schema/", schema.ApiSchemaView.as_view(patterns=documented), name="schema"),
    path("docs/", docs.ApiDocsView.as_view(), name="docs"),
    path("webhooks/feeddex/<str:token>/", webhooks.shop_webhook, name="shop_webhook"),
]
