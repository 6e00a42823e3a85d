"""The activity log (every record of every run, filtered, keyset-paged) and a record's page."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dashboard.diffs import changed_fields, json_lines
from dashboard.forms import ActivityFilterForm, start_of_day
from dashboard.http import render_page
from dashboard.integrations import current_integration
from dashboard.record_view import field_rows, record_title
from flows.models import Action, Integration, RecordLog, RunStatus
from flows.selectors import RecordFilters, flow_list, record_log_page
from tenants.access import get_for_request, require_tenant
from tenants.models import Tenant

PAGE_SIZE = 50


def filter_form(
    request: HttpRequest, tenant: Tenant, integration: Integration | None
) -> ActivityFilterForm:
    chosen = flow_list(tenant=tenant, integration=integration)
    flows = [(flow.pk, str(flow)) for flow in chosen]
    return ActivityFilterForm(
        request.GET or None,
        flows=flows,
        actions=[(a.value, str(a.label)) for a in Action],
        statuses=[(s.value, str(s.label)) for s in RunStatus],
    )


def filters_from(form: ActivityFilterForm, *, integration_id: int | None) -> RecordFilters:
    data = form.cleaned_data
    until = data.get("until")
    return RecordFilters(
        integration_id=integration_id,
        flow_id=data.get("flow"),
        run_id=data.get("run"),
        action=data.get("action") or None,
        run_status=data.get("status") or None,
        search=(data.get("q") or "").strip() or None,
        since=start_of_day(data["since"]) if data.get("since") else None,
        # The end date is inclusive: everything before the next day's start.
        until=start_of_day(until) + timedelta(days=1) if until else None,
    )


@require_GET
@login_required
def activity(request: HttpRequest) -> HttpResponse:
    tenant = require_tenant(request)
    # One integration at a time, the one the flows page shows (its switcher is here too).
    integration = current_integration(request, tenant)
    form = filter_form(request, tenant, integration)
    records: list[RecordLog] = []
    next_before = None
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        shown = integration.pk if integration is not None else None
        filters = (
            filters_from(form, integration_id=shown)
            if form.is_bound
            else RecordFilters(integration_id=shown)
        )
        before = form.cleaned_data.get("before") if form.is_bound else None
        records, next_before = record_log_page(
            tenant=tenant, filters=filters, before_id=before, size=PAGE_SIZE
        )
    query = request.GET.copy()
    query.pop("before", None)
    context = {
        "form": form,
        "integration": integration,
        "integrations": list(tenant.integrations.order_by("id")),
        "records": records,
        "next_before": next_before,
        "query": query.urlencode(),
        "is_first_page": not request.GET.get("before"),
    }
    response = render_page(
        request,
        "dashboard/activity.html",
        context,
        partial="dashboard/partials/activity_table.html",
    )
    response.status_code = status
    return response


@require_GET
@login_required
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_for_request(request, RecordLog.objects.select_related("flow", "run"), pk)
    changed = changed_fields(record.payload, record.response, record.diff)
    rows = field_rows(changed, sent_after=bool(record.diff))
    context = {
        "record": record,
        "title": record_title(record),
        "changed": changed,
        "rows": [row for row in rows if not row.harmless],
        "harmless_rows": [row for row in rows if row.harmless],
        "source_lines": json_lines(record.source, set()),
        "payload_lines": json_lines(record.payload, {c.field for c in changed}),
        "response_lines": json_lines(record.response, {c.field for c in changed}),
    }
    return render(request, "dashboard/record_detail.html", context)
