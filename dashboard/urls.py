from __future__ import annotations

from django.urls import path

from dashboard.views import (
    activity,
    core,
    flows,
    help,
    insights,
    integrations,
    mapping,
    members,
    oauth,
    tokens,
    wizard,
)

app_name = "dashboard"
urlpatterns = [
    path("", core.home, name="home"),
    path("language/", core.language_set, name="language"),
    path("settings/", core.settings_page, name="settings"),
    path("settings/members/", members.members, name="members"),
    path("settings/api-tokens/", tokens.api_token_create, name="api_token_create"),
    path("settings/api-tokens/<int:pk>/revoke/", tokens.api_token_revoke, name="api_token_revoke"),
    path("settings/members/invite/", members.member_invite, name="member_invite"),
    path("invitations/<str:token>/", members.invitation, name="invitation"),
    path("settings/members/<int:pk>/role/", members.member_role, name="member_role"),
    path("settings/members/<int:pk>/remove/", members.member_remove, name="member_remove"),
    # connections
    path("connections/<int:pk>/", core.connection_detail, name="connection_detail"),
    path("connections/<int:pk>/test/", core.connection_test, name="connection_test"),
    path(
        "connections/<int:pk>/reconnect/", oauth.connection_reconnect, name="connection_reconnect"
    ),
    path(
        "connections/<int:pk>/credentials/",
        core.connection_credentials,
        name="connection_credentials",
    ),
    path("connections/<int:pk>/delete/", core.connection_delete, name="connection_delete"),
    # integrations: several per company, one shown at a time
    path("integrations/", integrations.integration_list, name="integrations"),
    path("integrations/new/", integrations.integration_new, name="integration_new"),
    path("integrations/switch/", integrations.integration_switch, name="integration_switch"),
    path(
        "integrations/<int:pk>/remove/", integrations.integration_remove, name="integration_remove"
    ),
    # the setup wizard
    path("setup/", wizard.wizard, name="wizard"),
    path("setup/apps/sandbox/", wizard.wizard_sandbox, name="wizard_sandbox"),
    path(
        "setup/apps/asperion/",
        wizard.wizard_credentials,
        {"system": "asperion"},
        name="wizard_asperion_token",
    ),
    path("setup/apps/asperion/connect/", oauth.asperion_connect, name="asperion_connect"),
    path("setup/apps/administration/", wizard.wizard_administration, name="wizard_administration"),
    path(
        "setup/apps/feeddex/",
        wizard.wizard_credentials,
        {"system": "feeddex"},
        name="wizard_feeddex",
    ),
    path("setup/apps/done/", wizard.wizard_apps_done, name="wizard_apps_done"),
    path("setup/flows/save/", wizard.wizard_flows, name="wizard_flows"),
    path("setup/settings/save/", wizard.wizard_settings, name="wizard_settings"),
    path("setup/mapping/done/", wizard.wizard_mapping_done, name="wizard_mapping_done"),
    path("setup/dry-run/start/", wizard.wizard_dry_run, name="wizard_dry_run"),
    path("setup/dry-run/done/", wizard.wizard_dry_run_done, name="wizard_dry_run_done"),
    path("setup/live/go/", wizard.wizard_go_live, name="wizard_go_live"),
    path(
        "setup/settings/shipping-article/",
        wizard.wizard_shipping_article,
        name="wizard_shipping_article",
    ),
    path(
        "setup/settings/rounding-article/",
        wizard.wizard_rounding_article,
        name="wizard_rounding_article",
    ),
    path("setup/<str:step>/", wizard.wizard_step, name="wizard_step"),
    path("oauth/asperion/callback/", oauth.asperion_callback, name="asperion_callback"),
    # flows and runs
    path("flows/", flows.flow_list, name="flows"),
    path("flows/<int:pk>/", flows.flow_detail, name="flow_detail"),
    path("flows/<int:pk>/toggle/", flows.flow_toggle, name="flow_toggle"),
    path("flows/<int:pk>/run/", flows.flow_run, name="flow_run"),
    path("flows/<int:pk>/settings/", flows.flow_settings, name="flow_settings"),
    path("flows/<int:pk>/reset-cursor/", flows.flow_reset_cursor, name="flow_reset_cursor"),
    path("flows/<int:pk>/mapping/", mapping.mapping_editor, name="mapping"),
    path("flows/<int:pk>/mapping/preview/", mapping.mapping_preview, name="mapping_preview"),
    path("flows/<int:pk>/mapping/versions/", mapping.mapping_versions, name="mapping_versions"),
    path("flows/<int:pk>/mapping/rollback/", mapping.mapping_rollback, name="mapping_rollback"),
    path("runs/<int:pk>/", flows.run_detail, name="run_detail"),
    path("runs/<int:pk>/retry-failed/", flows.run_retry_failed, name="run_retry_failed"),
    path("runs/<int:pk>/cancel/", flows.run_cancel, name="run_cancel"),
    # activity and insights
    path("activity/", activity.activity, name="activity"),
    path("records/<int:pk>/", activity.record_detail, name="record_detail"),
    path("records/<int:pk>/retry/", flows.record_retry, name="record_retry"),
    path("insights/", insights.insights, name="insights"),
    # the help menu
    path("help/", help.guide, name="help"),
    path("help/img/<str:language>/<str:name>.png", help.guide_image, name="help_image"),
]
