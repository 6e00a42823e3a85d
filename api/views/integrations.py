"""Integrations: list, add, detail, remove, the customer defaults both customer flows share,
go live. A company may have several (two administrations, two shops), as its plan allows."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import ApiView
from api.schema import responses
from api.serializers import IntegrationOutput
from api.views.flows import FlowCreateInput, integration_add_response
from flows.models import Integration
from flows.settings_schemas import CustomerDefaults, parse_customer_defaults

TAG = ["integrations"]

CustomerDefaultsOutput = inline_serializer(
    "CustomerDefaults",
    {
        "customer_defaults": serializers.DictField(help_text="Every value, defaults filled in."),
        "schema": serializers.DictField(help_text="JSON Schema of the customer defaults."),
    },
)


def defaults_body(integration: Integration) -> dict[str, Any]:
    typed = parse_customer_defaults(integration.customer_defaults)
    return {
        "customer_defaults": typed.model_dump(mode="json"),
        "schema": CustomerDefaults.model_json_schema(),
    }


class IntegrationListApi(ApiView):
    @extend_schema(tags=TAG, responses=responses({200: IntegrationOutput(many=True)}))
    def get(self, request: Request) -> Response:
        integrations = Integration.objects.filter(tenant=self.tenant).order_by("id")
        return Response(IntegrationOutput(integrations, many=True).data)

    @extend_schema(
        operation_id="integrations_create",
        tags=TAG,
        request=FlowCreateInput,
        responses=responses({201: IntegrationOutput}, 400, 403, 409),
        description="Add an integration between an Asperion and a Feeddex connection, with its "
        "flows disabled, on default settings and mappings. 409 when the two already have one "
        "or the company's plan allows no more integrations.",
    )
    def post(self, request: Request) -> Response:
        return integration_add_response(self, request)


class IntegrationDetailApi(ApiView):
    @extend_schema(tags=TAG, responses=responses({200: IntegrationOutput}, 404))
    def get(self, request: Request, pk: int) -> Response:
        return Response(IntegrationOutput(self.get_row(Integration, pk)).data)

    @extend_schema(
        operation_id="integrations_destroy",
        tags=TAG,
        responses=responses({204: None}, 403, 404),
        description="Remove the integration with its flows, runs, record logs and mappings, and "
        "the connections that no other integration uses.",
    )
    def delete(self, request: Request, pk: int) -> Response:
        from flows.services import integration_remove

        integration_remove(integration=self.get_row(Integration, pk, write=True))
        return Response(status=204)


class CustomerDefaultsApi(ApiView):
    @extend_schema(tags=TAG, responses=responses({200: CustomerDefaultsOutput}, 404))
    def get(self, request: Request, pk: int) -> Response:
        return Response(defaults_body(self.get_row(Integration, pk)))

    @extend_schema(
        tags=TAG,
        request={"application/json": {"type": "object", "additionalProperties": True}},
        responses=responses({200: CustomerDefaultsOutput}, 400, 403, 404),
        description="Replace what Asperion needs for new debtors (debtor kinds, payment "
        "condition, customer-number range); shared by the customers and orders flows.",
    )
    def put(self, request: Request, pk: int) -> Response:
        from flows.services import integration_update_customer_defaults

        integration = self.get_row(Integration, pk, write=True)
        if not isinstance(request.data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Send a JSON object."]})
        integration = integration_update_customer_defaults(
            integration=integration, data=request.data
        )
        return Response(defaults_body(integration))


class IntegrationGoLiveApi(ApiView):
    @extend_schema(
        operation_id="integrations_go_live",
        tags=TAG,
        request=None,
        responses=responses({200: IntegrationOutput}, 403, 404),
        description="Start the schedule: enabled flows of a live integration run on their "
        "interval (the last step of the wizard).",
    )
    def post(self, request: Request, pk: int) -> Response:
        from api.errors import FieldErrors
        from flows.live_lists import unresolved_settings
        from flows.services import integration_go_live

        integration = self.get_row(Integration, pk, write=True)
        # Refused while a setting names what the applications do not have.
        problems = unresolved_settings(integration=integration)
        if problems:
            raise FieldErrors(
                {
                    f"{section}.{name}": [reason]
                    for section, found in problems.items()
                    for name, reason in found.items()
                }
            )
        return Response(IntegrationOutput(integration_go_live(integration=integration)).data)
