"""Flows: list, create (an integration's five flows), detail, settings, on/off, run, dry run."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import ApiView, accepted
from api.errors import Conflict
from api.schema import responses
from api.serializers import FlowOutput, IntegrationOutput, RunOutput, RunStartedOutput
from connectors.models import Connection
from flows.models import Flow, Trigger
from flows.selectors import flow_list
from flows.settings_schemas import parse_settings

TAG = ["flows"]
WRONG_SYSTEM = "Choose a {system} connection of this company."
PAUSED = "Flows cannot run now: {reason}."


def flows_of(tenant: Any) -> Any:
    return Flow.objects.filter(tenant=tenant).select_related("integration")


class FlowCreateInput(serializers.Serializer[Any]):
    class Meta:
        ref_name = "IntegrationCreate"

    asperion = serializers.IntegerField(help_text="Id of an Asperion connection.")
    feeddex = serializers.IntegerField(help_text="Id of a Feeddex connection.")
    name = serializers.CharField(max_length=120, default="Asperion ↔ Feeddex")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        tenant = self.context["tenant"]
        errors = {}
        for system in ("asperion", "feeddex"):
            connection = Connection.objects.filter(
                tenant=tenant, system=system, pk=attrs[system]
            ).first()
            if connection is None:
                errors[system] = [WRONG_SYSTEM.format(system=system.capitalize())]
            attrs[system] = connection
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


def integration_add_response(view: ApiView, request: Request) -> Response:
    """Add an integration between two of the company's connections (201), within its plan."""
    from flows.services import IntegrationRefused, integration_add

    view.require_write()
    serializer = FlowCreateInput(data=request.data, context={"tenant": view.tenant})
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    try:
        integration = integration_add(
            tenant=view.tenant, accounting=data["asperion"], shop=data["feeddex"], name=data["name"]
        )
    except IntegrationRefused as refused:
        raise Conflict(str(refused)) from None
    return Response(IntegrationOutput(integration).data, status=201)


class FlowListApi(ApiView):
    @extend_schema(tags=TAG, responses=responses({200: FlowOutput(many=True)}))
    def get(self, request: Request) -> Response:
        return Response(FlowOutput(flow_list(tenant=self.tenant), many=True).data)

    @extend_schema(
        tags=TAG,
        request=FlowCreateInput,
        responses=responses({201: IntegrationOutput}, 400, 403, 409),
        description="Create an integration between an Asperion and a Feeddex connection, with "
        "its five flows (products, stock, customers, orders, review invitations), disabled, "
        "on default settings and default mappings.",
    )
    def post(self, request: Request) -> Response:
        return integration_add_response(self, request)


class FlowDetailApi(ApiView):
    @extend_schema(tags=TAG, responses=responses({200: FlowOutput}, 404))
    def get(self, request: Request, pk: int) -> Response:
        return Response(FlowOutput(self.get_row(flows_of(self.tenant), pk)).data)


SettingsOutput = inline_serializer(
    "FlowSettings",
    {
        "kind": serializers.CharField(),
        "settings": serializers.DictField(help_text="Every setting, defaults filled in."),
        "schema": serializers.DictField(help_text="JSON Schema of this kind's settings."),
    },
)


def settings_body(flow: Flow) -> dict[str, Any]:
    typed = parse_settings(flow.kind, flow.settings)
    return {
        "kind": flow.kind,
        "settings": typed.model_dump(mode="json"),
        "schema": flow.definition.settings_schema.model_json_schema(),
    }


class FlowSettingsApi(ApiView):
    @extend_schema(tags=TAG, responses=responses({200: SettingsOutput}, 404))
    def get(self, request: Request, pk: int) -> Response:
        return Response(settings_body(self.get_row(flows_of(self.tenant), pk)))

    @extend_schema(
        tags=TAG,
        request={"application/json": {"type": "object", "additionalProperties": True}},
        responses=responses({200: SettingsOutput}, 400, 403, 404),
        description="Replace the flow's settings. Settings left out take their defaults; "
        "each bad value is named in `error.fields`. The JSON Schema is in the GET answer.",
    )
    def put(self, request: Request, pk: int) -> Response:
        from flows.services import flow_update_settings

        flow = self.get_row(flows_of(self.tenant), pk, write=True)
        data = request.data
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Send a JSON object."]})
        flow = flow_update_settings(flow=flow, data=data)
        return Response(settings_body(flow))


class FlowSwitchApi(ApiView):
    enabled: bool = True

    def post(self, request: Request, pk: int) -> Response:
        from flows.services import flow_set_enabled

        flow = self.get_row(flows_of(self.tenant), pk, write=True)
        flow = flow_set_enabled(flow=flow, enabled=self.enabled)
        return Response(FlowOutput(flow).data)


class FlowEnableApi(FlowSwitchApi):
    enabled = True

    @extend_schema(
        operation_id="flows_enable",
        tags=TAG,
        request=None,
        responses=responses({200: FlowOutput}, 403, 404),
        description="Switch the flow on. Scheduled runs start once its integration is live "
        "(`integrations/{id}/go-live/`).",
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)


class FlowDisableApi(FlowSwitchApi):
    enabled = False

    @extend_schema(
        operation_id="flows_disable",
        tags=TAG,
        request=None,
        responses=responses({200: FlowOutput}, 403, 404),
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)


class FlowStartApi(ApiView):
    trigger: str = Trigger.MANUAL

    def post(self, request: Request, pk: int) -> Response:
        from flows.services import flow_run_request

        flow = self.get_row(flows_of(self.tenant), pk, write=True)
        if not self.tenant.flows_may_run:
            raise Conflict(PAUSED.format(reason=self.tenant.pause_reason))
        requested = flow_run_request(flow=flow, trigger=self.trigger)
        data = {**RunOutput(requested.run).data, "joined": requested.joined}
        return accepted(data)


RUN_QUEUED = OpenApiResponse(
    RunStartedOutput,
    description="Queued, or the run already queued or running that does the same (`joined`); "
    "poll `runs/{id}/` for progress. 429 when the company asks for runs too often or has too "
    "many queued at once.",
)


class FlowRunApi(FlowStartApi):
    trigger = Trigger.MANUAL

    @extend_schema(
        operation_id="flows_run",
        tags=TAG,
        request=None,
        responses=responses({202: RUN_QUEUED}, 403, 404, 409),
        description="Run the flow now (whether or not it is enabled).",
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)


class FlowDryRunApi(FlowStartApi):
    trigger = Trigger.DRY_RUN

    @extend_schema(
        operation_id="flows_dry_run",
        tags=TAG,
        request=None,
        responses=responses({202: RUN_QUEUED}, 403, 404, 409),
        description="Read and map like a run, write nothing: each record's log shows what "
        "would be sent and `diff` what would change.",
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)
