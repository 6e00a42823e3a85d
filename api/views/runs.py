"""Runs and the activity log: lists with keyset pages, details, retries."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import ApiView, accepted, keyset_page, parse_query
from api.errors import Conflict
from api.schema import responses
from api.serializers import RecordDetailOutput, RecordOutput, RunOutput, page_serializer
from flows.models import Action, FlowRun, RecordLog, RunStatus, Trigger
from flows.selectors import RecordFilters, record_log_page, run_list

RUNS_TAG = ["runs"]
RECORDS_TAG = ["records"]
NO_FAILED = "This run has no failed records."
ONLY_FAILED = "Only failed records can be retried."
ALREADY_ENDED = "This run has ended already."
CANCELLED_BY = "cancelled by {who}"
MAX_ID = 2**63 - 1  # a cursor beyond a bigint would only ever be a 500 from the database

RunPage = page_serializer("RunPage", RunOutput)
RecordPage = page_serializer("RecordPage", RecordOutput)
RETRY_QUEUED = OpenApiResponse(RunOutput, description="A retry run was queued.")


class PageQuery(serializers.Serializer[Any]):
    cursor = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="`next_cursor` of the previous page.",
    )
    size = serializers.IntegerField(required=False, default=50, min_value=1, max_value=200)


class RunQuery(PageQuery):
    flow = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    status = serializers.ChoiceField(choices=RunStatus.choices, required=False)
    trigger = serializers.ChoiceField(choices=Trigger.choices, required=False)


class RecordQuery(PageQuery):
    flow = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    run = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    action = serializers.ChoiceField(choices=Action.choices, required=False)
    status = serializers.ChoiceField(
        choices=RunStatus.choices, required=False, help_text="Status of the record's run."
    )
    key = serializers.CharField(
        required=False,
        max_length=200,
        help_text="Records whose key (SKU, email, order number) starts with this, or whose "
        "target id is this.",
    )
    since = serializers.DateTimeField(required=False, help_text="Logged at or after.")
    until = serializers.DateTimeField(required=False, help_text="Logged before.")


def runs_of(tenant: Any) -> Any:
    return FlowRun.objects.filter(tenant=tenant).select_related("flow")


class RunListApi(ApiView):
    @extend_schema(
        tags=RUNS_TAG,
        operation_id="runs_list",
        parameters=[RunQuery],
        responses=responses({200: RunPage}, 400),
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, RunQuery)
        runs = run_list(tenant=self.tenant, flow_id=query.get("flow"))
        for field in ("status", "trigger"):
            if query.get(field):
                runs = runs.filter(**{field: query[field]})
        if query.get("cursor"):
            runs = runs.filter(id__lt=query["cursor"])
        rows = list(runs[: query["size"] + 1])
        next_before = rows[query["size"] - 1].pk if len(rows) > query["size"] else None
        items = RunOutput(rows[: query["size"]], many=True).data
        return Response(keyset_page(request, items, next_before))


class RunDetailApi(ApiView):
    @extend_schema(tags=RUNS_TAG, responses=responses({200: RunOutput}, 404))
    def get(self, request: Request, pk: int) -> Response:
        return Response(RunOutput(self.get_row(runs_of(self.tenant), pk)).data)


class RunCancelApi(ApiView):
    @extend_schema(
        tags=RUNS_TAG,
        operation_id="runs_cancel",
        request=None,
        responses=responses({200: RunOutput}, 403, 404, 409),
        description="Cancel a queued or running run. A run at work stops within a few seconds "
        "(at its next heartbeat); what it wrote so far stays written and logged.",
    )
    def post(self, request: Request, pk: int) -> Response:
        from flows.services import run_cancel

        run = self.get_row(runs_of(self.tenant), pk, write=True)
        if not run_cancel(run=run, reason=CANCELLED_BY.format(who=request.user)):
            raise Conflict(ALREADY_ENDED)
        run.refresh_from_db()
        return Response(RunOutput(run).data)


class RunRetryFailedApi(ApiView):
    @extend_schema(
        tags=RUNS_TAG,
        operation_id="runs_retry_failed",
        request=None,
        responses=responses({202: RETRY_QUEUED}, 403, 404, 409),
        description="Queue one run that retries every failed record of this run.",
    )
    def post(self, request: Request, pk: int) -> Response:
        from flows.services import records_retry_request

        run = self.get_row(runs_of(self.tenant), pk, write=True)
        failed = list(run.records.filter(action=Action.FAILED))
        if not failed:
            raise Conflict(NO_FAILED)
        retry = records_retry_request(flow=run.flow, record_logs=failed)
        return accepted(RunOutput(retry).data)


class RecordListApi(ApiView):
    @extend_schema(
        tags=RECORDS_TAG,
        operation_id="records_list",
        parameters=[RecordQuery],
        responses=responses({200: RecordPage}, 400),
        description="The activity log, newest first: what was read, what happened, why. "
        "Page on with `cursor` = `next_cursor`. Source, payload and response are in the detail.",
    )
    def get(self, request: Request) -> Response:
        query = parse_query(request, RecordQuery)
        filters = RecordFilters(
            flow_id=query.get("flow"),
            run_id=query.get("run"),
            action=query.get("action"),
            run_status=query.get("status"),
            search=query.get("key"),
            since=query.get("since"),
            until=query.get("until"),
        )
        rows, next_before = record_log_page(
            tenant=self.tenant,
            filters=filters,
            before_id=query.get("cursor"),
            size=query["size"],
        )
        items = RecordOutput(rows, many=True).data
        return Response(keyset_page(request, items, next_before))


class RecordDetailApi(ApiView):
    @extend_schema(tags=RECORDS_TAG, responses=responses({200: RecordDetailOutput}, 404))
    def get(self, request: Request, pk: int) -> Response:
        return Response(RecordDetailOutput(self.get_row(RecordLog, pk)).data)


class RecordRetryApi(ApiView):
    @extend_schema(
        tags=RECORDS_TAG,
        operation_id="records_retry",
        request=None,
        responses=responses({202: RETRY_QUEUED}, 403, 404, 409),
        description="Queue a run that retries this failed record.",
    )
    def post(self, request: Request, pk: int) -> Response:
        from flows.services import records_retry_request

        record = self.get_row(RecordLog.objects.select_related("flow"), pk, write=True)
        if record.action != Action.FAILED:
            raise Conflict(ONLY_FAILED)
        retry = records_retry_request(flow=record.flow, record_logs=[record])
        return accepted(RunOutput(retry).data)
