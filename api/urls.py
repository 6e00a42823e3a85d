from __future__ import annotations

from django.urls import include, path
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

v1_patterns: list[URLPattern | URLResolver] = [
    path("connections/", connections.ConnectionListApi.as_view(), name="connections"),
    path("connections/<int:pk>/", connections.ConnectionDetailApi.as_view(), name="connection"),
    path(
        "connections/<int:pk>/verify/",
        connections.ConnectionVerifyApi.as_view(),
        name="connection_verify",
    ),
    path("integrations/", integrations.IntegrationListApi.as_view(), name="integrations"),
    path("integrations/<int:pk>/", integrations.IntegrationDetailApi.as_view(), name="integration"),
    path(
        "integrations/<int:pk>/customer-defaults/",
        integrations.CustomerDefaultsApi.as_view(),
        name="integration_customer_defaults",
    ),
    path(
        "integrations/<int:pk>/go-live/",
        integrations.IntegrationGoLiveApi.as_view(),
        name="integration_go_live",
    ),
    path("flows/", flows.FlowListApi.as_view(), name="flows"),
    path("flows/<int:pk>/", flows.FlowDetailApi.as_view(), name="flow"),
    path("flows/<int:pk>/settings/", flows.FlowSettingsApi.as_view(), name="flow_settings"),
    path("flows/<int:pk>/mapping/", mapping.FlowMappingApi.as_view(), name="flow_mapping"),
    path(
        "flows/<int:pk>/mapping/versions/",
        mapping.FlowMappingVersionsApi.as_view(),
        name="flow_mapping_versions",
    ),
    path(
        "flows/<int:pk>/mapping/rollback/",
        mapping.FlowMappingRollbackApi.as_view(),
        name="flow_mapping_rollback",
    ),
    path("flows/<int:pk>/enable/", flows.FlowEnableApi.as_view(), name="flow_enable"),
    path("flows/<int:pk>/disable/", flows.FlowDisableApi.as_view(), name="flow_disable"),
    path("flows/<int:pk>/run/", flows.FlowRunApi.as_view(), name="flow_run"),
    path("flows/<int:pk>/dry-run/", flows.FlowDryRunApi.as_view(), name="flow_dry_run"),
    path("runs/", runs.RunListApi.as_view(), name="runs"),
    path("runs/<int:pk>/", runs.RunDetailApi.as_view(), name="run"),
    path("runs/<int:pk>/retry-failed/", runs.RunRetryFailedApi.as_view(), name="run_retry_failed"),
    path("records/", runs.RecordListApi.as_view(), name="records"),
    path("records/<int:pk>/", runs.RecordDetailApi.as_view(), name="record"),
    path("records/<int:pk>/retry/", runs.RecordRetryApi.as_view(), name="record_retry"),
    path("insights/", insights.InsightsApi.as_view(), name="insights"),
]

# What the schema documents: the versioned API only (not the schema, docs or webhooks).
documented: list[URLPattern | URLResolver] = [path("api/v1/", include(v1_patterns))]

urlpatterns: list[URLPattern | URLResolver] = [
    path("v1/", include(v1_patterns)),
    path("schema/", schema.ApiSchemaView.as_view(patterns=documented), name="schema"),
    path("docs/", docs.ApiDocsView.as_view(), name="docs"),
    path("webhooks/feeddex/<str:token>/", webhooks.feeddex_webhook, name="feeddex_webhook"),
]
