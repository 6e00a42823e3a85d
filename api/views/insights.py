"""Insights: per flow, what the last 7 or 30 days looked like."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import ApiView, parse_query
from api.schema import responses
from api.selectors import ACTIONS, FlowInsight, flow_insights
from flows.registry import flow_kind_choices

MAX_ID = 2**63 - 1


class InsightsQuery(serializers.Serializer[Any]):
    days = serializers.ChoiceField(choices=[7, 30], default=7)
    flow = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)


FLOW_INSIGHT_FIELDS: dict[str, Any] = {
    "flow": serializers.IntegerField(),
    "kind": serializers.ChoiceField(choices=flow_kind_choices()),
    "runs": serializers.IntegerField(help_text="Runs queued in the period (no dry runs)."),
    "failed_runs": serializers.IntegerField(),
    "records": inline_serializer(
        "RecordsByAction", {action: serializers.IntegerField() for action in ACTIONS}
    ),
    "records_total": serializers.IntegerField(),
    "api_calls": serializers.IntegerField(),
    "failure_rate": serializers.FloatField(help_text="Failed records / all records, 0–1."),
    "last_success_at": serializers.DateTimeField(allow_null=True),
}
InsightsOutput = inline_serializer(
    "Insights",
    {
        "days": serializers.IntegerField(),
        "flows": inline_serializer("FlowInsight", FLOW_INSIGHT_FIELDS, many=True),
    },
)


def insight_body(insight: FlowInsight) -> dict[str, Any]:
    return {
        "flow": insight.flow.pk,
        "kind": insight.flow.kind,
        "runs": insight.runs,
        "failed_runs": insight.failed_runs,
        "records": insight.records,
        "records_total": insight.records_total,
        "api_calls": insight.api_calls,
        "failure_rate": insight.failure_rate,
        "last_success_at": serializers.DateTimeField().to_representation(insight.last_success_at)
        if insight.last_success_at
        else None,
    }


class InsightsApi(ApiView):
    @extend_schema(
        tags=["insights"],
        parameters=[InsightsQuery],
        responses=responses({200: InsightsOutput}, 400),
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, InsightsQuery)
        insights = flow_insights(tenant=self.tenant, days=query["days"], flow_id=query.get("flow"))
        return Response({"days": query["days"], "flows": [insight_body(item) for item in insights]})
