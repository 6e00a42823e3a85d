"""Flows page (health at a glance, switch, run now, dry run), flow settings, runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dashboard import selectors
from dashboard.http import render_page, safe_next
from dashboard.integrations import current_integration
from dashboard.reference import integration_connections, options_for
from dashboard.schema_forms import SchemaForm
from flows import services as flow_services
from flows.models import Action, Flow, FlowRun, Integration, RecordLog, Trigger
from flows.order_reversals import needing_action
from flows.registry import FLOWS
from flows.selectors import RecordFilters, record_log_page
from flows.settings_schemas import (
    CustomerDefaults,
    SettingsInvalid,
    parse_customer_defaults,
    parse_settings,
)
from tenants.access import get_for_request, require_tenant


def flow_descriptions() -> dict[str, Any]:
    """Each flow's description (FlowDefinition.description), for the pages that list flows."""
    return {kind: definition.description for kind, definition in FLOWS.items()}


# ---- settings forms (shared with the wizard) -------------------------------------------------


@dataclass
class SettingsSection:
    """One form on a settings page: a flow's settings, or the integration's customer defaults."""

    key: str
    title: str
    form: SchemaForm
    flow: Flow | None
    integration: Integration
    # Fields the page asks as questions of their own, outside the section (the wizard).
    asked_apart: tuple[str, ...] = ()

    @property
    def fields_here(self) -> list[Any]:
        return [field for field in self.form if field.name not in self.asked_apart]

    @property
    def questions(self) -> list[Any]:
        return [self.form[name] for name in self.asked_apart]

    def save(self) -> bool:
        """Validate through the schema and store; on errors, put them at the form's fields."""
        if not self.form.is_valid():
            return False
        try:
            if self.flow is not None:
                flow_services.flow_update_settings(flow=self.flow, data=self.form.to_data())
            else:
                flow_services.integration_update_customer_defaults(
                    integration=self.integration, data=self.form.to_data()
                )
        except SettingsInvalid as error:
            self.form.add_schema_errors(error.field_errors)
            return False
        return True


def flow_section(flow: Flow, integration: Integration, data: Any = None) -> SettingsSection:
    schema = flow.definition.settings_schema
    current = current_settings(flow)
    lists = options_for(list(schema.model_fields), integration_connections(integration))
    form = SchemaForm(
        data,
        schema=schema,
        current=current,
        options=lists.selects,
        map_keys=lists.map_keys,
        prefix=flow.kind,
    )
    return SettingsSection(
        key=flow.kind,
        title=flow.get_kind_display(),
        form=form,
        flow=flow,
        integration=integration,
    )


def current_settings(flow: Flow) -> Any:
    """The flow's stored settings, or the defaults when what is stored no longer validates."""
    try:
        return parse_settings(flow.kind, flow.settings)
    except SettingsInvalid:
        return flow.definition.settings_schema()


def defaults_section(integration: Integration, data: Any = None) -> SettingsSection:
    try:
        current = parse_customer_defaults(integration.customer_defaults)
    except SettingsInvalid:
        current = CustomerDefaults()
    names = list(CustomerDefaults.model_fields)
    lists = options_for(names, integration_connections(integration))
    form = SchemaForm(
        data,
        schema=CustomerDefaults,
        current=current,
        options=lists.selects,
        prefix="customer_defaults",
    )
    return SettingsSection(
        key="customer_defaults",
        title=_("Customer defaults"),
        form=form,
        flow=None,
        integration=integration,
    )


def settings_sections(
    integration: Integration, *, enabled_only: bool, data: Any = None
) -> list[SettingsSection]:
    flows = integration.flows.order_by("id")
    if enabled_only:
        flows = flows.filter(enabled=True)
    sections = [flow_section(flow, integration, data) for flow in flows]
    if any(s.flow is not None and s.flow.definition.uses_customer_defaults for s in sections):
        sections.append(defaults_section(integration, data))
    return sections


def save_sections(sections: list[SettingsSection]) -> bool:
    """Save every section that is valid; return whether all were."""
    results = [section.save() for section in sections]
    return all(results)


# ---- flows page ----------------------------------------------------------------------------------


@require_GET
@login_required
def flow_list(request: HttpRequest) -> HttpResponse:
    tenant = require_tenant(request)
    integration = current_integration(request, tenant)
    context = {
        "health": selectors.flow_health_list(tenant=tenant, integration=integration),
        "integration": integration,
        "integrations": list(tenant.integrations.order_by("id")),
        "descriptions": flow_descriptions(),
    }
    return render_page(
        request, "dashboard/flows.html", context, partial="dashboard/partials/flow_table.html"
    )


@require_GET
@login_required
def flow_detail(request: HttpRequest, pk: int) -> HttpResponse:
    flow = get_for_request(request, Flow, pk)
    context = {
        "item": selectors.flow_health(flow),
        "runs": selectors.recent_runs(tenant=flow.tenant, flow_id=flow.pk, limit=20),
        "description": flow.definition.description,
        "needing_action": needing_action([flow.pk]),
    }
    return render(request, "dashboard/flow_detail.html", context)


def flow_row_response(request: HttpRequest, flow: Flow) -> HttpResponse:
    """After a flow action: the table row for htmx, the flows page otherwise."""
    if getattr(request, "htmx", False):
        context = {"item": selectors.flow_health(flow), "descriptions": flow_descriptions()}
        return render(request, "dashboard/partials/flow_row.html", context)
    return redirect(safe_next(request, reverse("dashboard:flows")))


@require_POST
@login_required
def flow_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    flow = get_for_request(request, Flow, pk, write=True)
    enabled = request.POST.get("enabled") == "1"
    flow_services.flow_set_enabled(flow=flow, enabled=enabled)
    messages.success(request, (_("%s is on.") if enabled else _("%s is off.")) % flow)
    return flow_row_response(request, flow)


@require_POST
@login_required
def flow_run(request: HttpRequest, pk: int) -> HttpResponse:
    flow = get_for_request(request, Flow, pk, write=True)
    dry = request.POST.get("dry_run") == "1"
    try:
        requested = flow_services.flow_run_request(
            flow=flow, trigger=Trigger.DRY_RUN if dry else Trigger.MANUAL
        )
    except flow_services.RunRefused as refused:
        messages.warning(request, str(refused))
        return flow_row_response(request, flow)
    if requested.joined:
        messages.info(
            request,
            _("Run #%(run)s of %(flow)s is already on its way: it does what you asked.")
            % {"run": requested.run.pk, "flow": flow},
        )
    if getattr(request, "htmx", False):
        return flow_row_response(request, flow)
    return redirect("dashboard:run_detail", pk=requested.run.pk)


@require_POST
@login_required
def flow_reset_cursor(request: HttpRequest, pk: int) -> HttpResponse:
    """Make the next run read everything again (unchanged records still cost no write)."""
    flow = get_for_request(request, Flow, pk, write=True)
    flow_services.flow_reset_cursor(flow=flow)
    messages.success(request, _("The next run of %s reads everything again.") % flow)
    return redirect("dashboard:flow_detail", pk=flow.pk)


@require_http_methods(["GET", "POST"])
@login_required
def flow_settings(request: HttpRequest, pk: int) -> HttpResponse:
    flow = get_for_request(request, Flow, pk, write=request.method == "POST")
    integration = flow.integration
    data = request.POST if request.method == "POST" else None
    sections = [flow_section(flow, integration, data)]
    if flow.definition.uses_customer_defaults:
        sections.append(defaults_section(integration, data))
    if data is not None:
        if save_sections(sections):
            messages.success(request, _("Settings of %s saved.") % flow)
            return redirect("dashboard:flow_settings", pk=flow.pk)
        status = 400
    else:
        status = 200
    context = {"flow": flow, "sections": sections}
    return render(request, "dashboard/flow_settings.html", context, status=status)


# ---- runs ----------------------------------------------------------------------------------------


@require_GET
@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_for_request(request, FlowRun.objects.select_related("flow"), pk)
    before = request.GET.get("before")
    records, next_before = record_log_page(
        tenant=run.flow.tenant,
        filters=RecordFilters(run_id=run.pk),
        before_id=int(before) if before and before.isdigit() else None,
        size=50,
    )
    context = {
        "run": run,
        "records": records,
        "next_before": next_before,
        "failed_count": run.records.filter(action=Action.FAILED).count(),
    }
    return render_page(
        request, "dashboard/run_detail.html", context, partial="dashboard/partials/run_body.html"
    )


@require_POST
@login_required
def run_retry_failed(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_for_request(request, FlowRun.objects.select_related("flow"), pk, write=True)
    failed = list(run.records.filter(action=Action.FAILED))
    if not failed:
        messages.warning(request, _("This run has no failed records."))
        return redirect("dashboard:run_detail", pk=run.pk)
    try:
        retry = flow_services.records_retry_request(flow=run.flow, record_logs=failed)
    except flow_services.RunRefused as refused:
        messages.warning(request, str(refused))
        return redirect("dashboard:run_detail", pk=run.pk)
    messages.success(request, _("Retrying %d failed records.") % len(failed))
    return redirect("dashboard:run_detail", pk=retry.pk)


@require_POST
@login_required
def run_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_for_request(request, FlowRun.objects.select_related("flow"), pk, write=True)
    if flow_services.run_cancel(run=run, reason=f"cancelled by {request.user}"):
        messages.success(request, _("Run #%d is cancelled: it stops within seconds.") % run.pk)
    else:
        messages.warning(request, _("This run has ended already."))
    return redirect("dashboard:run_detail", pk=run.pk)


@require_POST
@login_required
def record_retry(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_for_request(request, RecordLog.objects.select_related("flow"), pk, write=True)
    if record.action != Action.FAILED:
        messages.warning(request, _("Only failed records can be retried."))
        return redirect("dashboard:record_detail", pk=record.pk)
    try:
        retry = flow_services.records_retry_request(flow=record.flow, record_logs=[record])
    except flow_services.RunRefused as refused:
        messages.warning(request, str(refused))
        return redirect("dashboard:record_detail", pk=record.pk)
    messages.success(request, _("Retrying %s.") % record.key)
    return redirect("dashboard:run_detail", pk=retry.pk)
