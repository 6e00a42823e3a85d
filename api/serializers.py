"""Output shapes shared by several endpoints. Inputs live beside their view."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from connectors.crypto import SecretsUnreadable
from connectors.models import Connection, ConnectionStatus
from connectors.registry import SYSTEM_CHOICES
from flows.models import Action, Flow, FlowRun, RunStatus, Trigger
from flows.registry import flow_kind_choices

ErrorDetailSerializer = inline_serializer(
    "ErrorDetail",
    {
        "code": serializers.CharField(help_text="Machine-readable: invalid, not_found, throttled…"),
        "message": serializers.CharField(),
        # A field called "fields" cannot be declared on a class: it would shadow Serializer.fields.
        "fields": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            help_text="Messages per field path (e.g. config.api_base_url); empty if none.",
        ),
    },
)


class ErrorSerializer(serializers.Serializer[Any]):
    error = ErrorDetailSerializer


class ConnectionOutput(serializers.Serializer[Any]):
    class Meta:
        ref_name = "Connection"

    id = serializers.IntegerField()
    system = serializers.ChoiceField(choices=SYSTEM_CHOICES)
    name = serializers.CharField()
    config = serializers.DictField()
    secrets_set = serializers.SerializerMethodField(
        help_text="Names of the secrets stored (their values are never returned)."
    )
    status = serializers.ChoiceField(choices=ConnectionStatus.choices)
    last_error = serializers.CharField()
    last_verified_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_secrets_set(self, connection: Connection) -> list[str]:
        try:
            return sorted(key for key, value in connection.secrets.items() if value)
        except SecretsUnreadable:
            return []


class FlowOutput(serializers.Serializer[Any]):
    class Meta:
        ref_name = "Flow"

    id = serializers.IntegerField()
    integration = serializers.IntegerField(source="integration_id")
    kind = serializers.ChoiceField(choices=flow_kind_choices())
    direction = serializers.CharField()
    enabled = serializers.BooleanField()
    interval_minutes = serializers.IntegerField()
    next_run_at = serializers.DateTimeField(allow_null=True)
    running_run = serializers.IntegerField(source="running_run_id", allow_null=True)
    needs_attention = serializers.BooleanField()
    attention_reason = serializers.CharField()
    mapping = serializers.SerializerMethodField()
    customer_mapping = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_mapping(self, flow: Flow) -> int | None:
        return getattr(flow, "mapping_id", None)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_customer_mapping(self, flow: Flow) -> int | None:
        return getattr(flow, "customer_mapping_id", None)


class IntegrationOutput(serializers.Serializer[Any]):
    class Meta:
        ref_name = "Integration"

    id = serializers.IntegerField()
    name = serializers.CharField()
    live = serializers.BooleanField()
    # The API's names of the two connections (the roles accounting and shop).
    asperion = serializers.IntegerField(source="accounting_id")
    feeddex = serializers.IntegerField(source="shop_id")
    customer_defaults = serializers.DictField()
    created_at = serializers.DateTimeField()
    flows = serializers.SerializerMethodField()

    @extend_schema_field(FlowOutput(many=True))
    def get_flows(self, integration: Any) -> Any:
        return FlowOutput(integration.flows.order_by("id"), many=True).data


class RunOutput(serializers.Serializer[Any]):
    class Meta:
        ref_name = "Run"

    id = serializers.IntegerField()
    flow = serializers.IntegerField(source="flow_id")
    flow_kind = serializers.CharField(source="flow.kind")
    trigger = serializers.ChoiceField(choices=Trigger.choices)
    status = serializers.ChoiceField(choices=RunStatus.choices)
    params = serializers.DictField(source="params.stored")
    read = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    skipped = serializers.IntegerField()
    unchanged = serializers.IntegerField(
        help_text="Of the skipped: unchanged since the last run. They are counted, not logged "
        "one record each, unless the flow's setting `log_unchanged` is on."
    )
    failed = serializers.IntegerField()
    api_calls = serializers.IntegerField()
    mapping_version = serializers.IntegerField(allow_null=True)
    queued_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    duration_seconds = serializers.SerializerMethodField()
    error = serializers.CharField(help_text="Why the run failed or was cancelled.")
    status_label = serializers.CharField(
        source="get_status_display", help_text="The status in the words the dashboard uses."
    )
    activity = serializers.CharField(
        help_text="What a run at work is doing now (reading page 3 of articles, waiting for "
        "the rate limit, retrying after a 503 – attempt 2); saved every few seconds."
    )

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_duration_seconds(self, run: FlowRun) -> float | None:
        return run.duration.total_seconds() if run.duration is not None else None


class RunStartedOutput(RunOutput):
    class Meta:
        ref_name = "RunStarted"

    joined = serializers.BooleanField(
        help_text="True when the flow had a run queued or running that does what was asked: "
        "this is that run, and no other was started."
    )


class RecordOutput(serializers.Serializer[Any]):
    class Meta:
        ref_name = "Record"

    id = serializers.IntegerField()
    run = serializers.IntegerField(source="run_id")
    flow = serializers.IntegerField(source="flow_id")
    entity = serializers.CharField()
    key = serializers.CharField()
    action = serializers.ChoiceField(choices=Action.choices)
    reason = serializers.CharField()
    target_id = serializers.CharField()
    mapping_version = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    payload_purged = serializers.BooleanField()


class RecordDetailOutput(RecordOutput):
    class Meta:
        ref_name = "RecordDetail"

    # The metaclass moves declared fields aside, so this does not replace Field.source.
    source = serializers.JSONField(  # type: ignore[assignment]
        allow_null=True, help_text="The record as read."
    )
    payload = serializers.JSONField(allow_null=True, help_text="What was sent to the target.")
    response = serializers.JSONField(allow_null=True, help_text="What the target answered.")
    diff = serializers.JSONField(
        allow_null=True, help_text="Dry run: {field: [current, new]} of what would change."
    )


def page_serializer(name: str, item: type[serializers.Serializer[Any]]) -> Any:
    """A named page shape for the schema: results plus the cursor of the next page."""
    return type(
        name,
        (serializers.Serializer,),
        {
            "results": item(many=True),
            "next_cursor": serializers.CharField(allow_null=True),
            "next": serializers.URLField(allow_null=True),
        },
    )
