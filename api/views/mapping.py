"""A flow's mapping: the current version, the history, saving a version, rolling back.

The orders flow has two mappings: the order itself (`part=main`) and the order's customer as
a debtor of the accounting system (`part=customer`); every other flow has only `main`.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import ApiView, parse_body, parse_query
from api.schema import responses
from flows.models import Flow

TAG = ["mappings"]
PARTS = {"main": "mapping", "customer": "customer_mapping"}
NO_MAPPING = "This flow has no such mapping."
NO_VERSION = "Version {number} of this mapping does not exist."
MAX_NUMBER = 2**31 - 1

PART = OpenApiParameter(
    "part",
    str,
    enum=list(PARTS),
    default="main",
    description="`customer`: the orders flow's customer (debtor) mapping.",
)


class PartQuery(serializers.Serializer[Any]):
    part = serializers.ChoiceField(choices=list(PARTS), default="main")


class VersionOutput(serializers.Serializer[Any]):
    class Meta:
        ref_name = "MappingVersion"

    number = serializers.IntegerField()
    spec = serializers.JSONField(help_text="The rules (see the mapping documentation).")
    note = serializers.CharField()
    created_at = serializers.DateTimeField()
    created_by = serializers.EmailField(source="created_by.email", allow_null=True, default=None)


class MappingOutput(serializers.Serializer[Any]):
    class Meta:
        ref_name = "Mapping"

    id = serializers.IntegerField()
    name = serializers.CharField()
    flow_kind = serializers.CharField()
    current = VersionOutput(allow_null=True)


class VersionInput(serializers.Serializer[Any]):
    class Meta:
        ref_name = "MappingVersionCreate"

    spec = serializers.JSONField(help_text="The complete rules of the new version.")
    note = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)


class RollbackInput(serializers.Serializer[Any]):
    class Meta:
        ref_name = "MappingRollback"

    to_number = serializers.IntegerField(min_value=1, max_value=MAX_NUMBER)


class MappingView(ApiView):
    def mapping_of(self, pk: int, *, write: bool = False) -> Any:
        flow = self.get_row(Flow, pk, write=write)
        part = parse_query(self.request, PartQuery)["part"]
        mapping = getattr(flow, PARTS[part], None)
        if mapping is None:
            raise Http404(NO_MAPPING)
        return mapping


def mapping_body(mapping: Any) -> dict[str, Any]:
    from mapping.selectors import mapping_current_version

    current = mapping_current_version(mapping=mapping)
    return {
        "id": mapping.pk,
        "name": mapping.name,
        "flow_kind": mapping.flow_kind,
        "current": VersionOutput(current).data if current else None,
    }


class FlowMappingApi(MappingView):
    @extend_schema(tags=TAG, parameters=[PART], responses=responses({200: MappingOutput}, 400, 404))
    def get(self, request: Request, pk: int) -> Response:
        return Response(mapping_body(self.mapping_of(pk)))


class FlowMappingVersionsApi(MappingView):
    @extend_schema(
        tags=TAG,
        operation_id="flows_mapping_versions_list",
        parameters=[PART],
        responses=responses({200: VersionOutput(many=True)}, 400, 404),
    )
    def get(self, request: Request, pk: int) -> Response:
        from mapping.selectors import mapping_version_list

        versions = mapping_version_list(mapping=self.mapping_of(pk)).select_related("created_by")
        return Response(VersionOutput(versions, many=True).data)

    @extend_schema(
        tags=TAG,
        operation_id="flows_mapping_versions_create",
        parameters=[PART],
        request=VersionInput,
        responses=responses({201: VersionOutput}, 400, 403, 404),
        description="Save new rules as the next version (validated against the flow's source "
        "and target; each problem is named in `error.fields` by target field). The next run "
        "uses it.",
    )
    def post(self, request: Request, pk: int) -> Response:
        from mapping.services import mapping_save_version

        mapping = self.mapping_of(pk, write=True)
        data = parse_body(request, VersionInput)
        version = mapping_save_version(
            mapping=mapping, spec=data["spec"], user=request.user, note=data["note"]
        )
        return Response(VersionOutput(version).data, status=201)


class FlowMappingRollbackApi(MappingView):
    @extend_schema(
        tags=TAG,
        operation_id="flows_mapping_rollback",
        parameters=[PART],
        request=RollbackInput,
        responses=responses({201: VersionOutput}, 400, 403, 404),
        description="Make an earlier version current again (as a new version, a copy of it).",
    )
    def post(self, request: Request, pk: int) -> Response:
        from mapping.services import mapping_rollback

        mapping = self.mapping_of(pk, write=True)
        data = parse_body(request, RollbackInput)
        version = mapping_rollback(mapping=mapping, to_number=data["to_number"], user=request.user)
        return Response(VersionOutput(version).data, status=201)
