"""The setup wizard: applications, flows, settings, mapping, dry run, go live.

Each step is a page; the furthest step reached is stored (WizardState), so a tenant who
leaves resumes there. Viewers see every step but get no forms, and 403 on every POST.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from connectors import services as connection_services
from connectors.asperion.forms import AdministrationForm, AsperionOAuthForm, AsperionTokenForm
from connectors.base import ConnectorError
from connectors.feeddex.forms import FeeddexForm
from connectors.registry import credentials_form, display_name
from connectors.sandboxkit.provision import sandbox_connect
from dashboard import golive, services
from dashboard.connections import report_test, save_and_test
from dashboard.forms import FlowChoiceForm
from dashboard.http import render_page
from dashboard.integrations import (
    choose_integration,
    wizard_connection,
    wizard_integration,
    wizard_target,
)
from dashboard.models import STEP_ORDER, WizardState, WizardStep
from dashboard.reference import reference_forget, reference_options
from dashboard.schema_forms import label_for
from dashboard.views import flows as flow_views
from dashboard.views import mapping as mapping_views
from flows import live_lists
from flows import services as flow_services
from flows.models import Flow, FlowRun, Integration, Trigger
from flows.registry import FLOWS
from tenants.access import require_tenant
from tenants.models import Tenant


def state_of(request: HttpRequest, *, write: bool = False) -> WizardState:
    return services.wizard_state_for(tenant=require_tenant(request, write=write))


def steps_context(state: WizardState, current: str) -> list[dict[str, Any]]:
    return [
        {
            "key": step.value,
            "label": step.label,
            "url": reverse("dashboard:wizard_step", args=[step.value]),
            "reached": state.reached(step.value),
            "current": step.value == current,
            "done": STEP_ORDER.index(step.value) < state.step_index or bool(state.completed_at),
        }
        for step in WizardStep
    ]


@require_GET
@login_required
def wizard(request: HttpRequest) -> HttpResponse:
    state = state_of(request)
    return redirect("dashboard:wizard_step", step=state.step)


@require_GET
@login_required
def wizard_step(request: HttpRequest, step: str) -> HttpResponse:
    if step not in STEP_ORDER:
        raise Http404("no such step")
    state = state_of(request)
    if not state.reached(step):
        return redirect("dashboard:wizard_step", step=state.step)
    return render_step(request, state, step)


def render_step(
    request: HttpRequest, state: WizardState, step: str, *, status: int = 200, **forms: Any
) -> HttpResponse:
    """Render a step's page; `forms` replace the step's fresh forms (e.g. ones with errors)."""
    context = {"state": state, "steps": steps_context(state, step), "step": step}
    context.update(STEP_CONTEXT[step](request, state.tenant))
    context.update(forms)
    partial = "dashboard/wizard/_dry_run_body.html" if step == "dry_run" else None
    response = render_page(request, f"dashboard/wizard/{step}.html", context, partial=partial)
    response.status_code = status
    return response


def not_reached(state: WizardState, step: str) -> HttpResponse | None:
    """A step's form sent before the step was reached goes back to where the tenant is."""
    if state.reached(step):
        return None
    return redirect("dashboard:wizard_step", step=state.step)


# ---- step 1: applications -------------------------------------------------------------------


def apps_context(request: HttpRequest, tenant: Tenant) -> dict[str, Any]:
    state = services.wizard_state_for(tenant=tenant)
    asperion = wizard_connection(state, "asperion")
    feeddex = wizard_connection(state, "feeddex")
    return {
        "asperion": asperion,
        "feeddex": feeddex,
        "oauth_form": AsperionOAuthForm(prefix="oauth"),
        "token_form": AsperionTokenForm(prefix="token"),
        "feeddex_form": FeeddexForm(
            prefix="feeddex", initial=dict(feeddex.config) if feeddex else None
        ),
        "administration_form": administration_form(asperion),
        "sandbox_enabled": getattr(settings, "SANDBOX_ENABLED", False),
        "redirect_uri": request.build_absolute_uri(reverse("dashboard:asperion_callback")),
    }


def administration_form(asperion: Any, data: Any = None) -> AdministrationForm | None:
    """The administration select, once Asperion is connected and lists them."""
    if asperion is None:
        return None
    options = reference_options(asperion, "administrations")
    if not options:
        return None
    initial = {"administration_id": asperion.config.get("administration_id")}
    return AdministrationForm(data, options=options, initial=initial, prefix="admin")


def refuse(
    request: HttpRequest, state: WizardState, step: str, *, error: str = "", **forms: Any
) -> HttpResponse:
    """Refuse what a step's form sent (400): say why when the fields do not, and show the
    step again with the forms that have errors."""
    if error:
        messages.error(request, error)
    return render_step(request, state, step, status=400, **forms)


@require_POST
@login_required
def wizard_sandbox(request: HttpRequest) -> HttpResponse:
    """Connect both applications to the platform's own sandboxes and test them."""
    state = state_of(request, write=True)
    if not getattr(settings, "SANDBOX_ENABLED", False):
        raise Http404("the sandboxes are switched off")
    failed = False
    into = {system: wizard_connection(state, system) for system in ("asperion", "feeddex")}
    # "other": a sandbox administration with other codes and names than the demo's.
    profile = "other" if request.POST.get("profile") == "other" else "demo"
    for connection in sandbox_connect(tenant=state.tenant, into=into, profile=profile):
        error = connection_services.connection_test(connection=connection)
        if error:
            failed = True
            messages.error(request, f"{connection.name}: {error}")
    if not failed:
        messages.success(request, _("Both applications are connected to the sandboxes."))
    return redirect("dashboard:wizard_step", step="apps")


# The wizard's prefix for each system's credentials form (its context name is "<prefix>_form").
CREDENTIALS_PREFIX = {"asperion": "token", "feeddex": "feeddex"}


@require_POST
@login_required
def wizard_credentials(request: HttpRequest, system: str) -> HttpResponse:
    """Save and test the credentials of one application (its form is the connector's own,
    connectors/<system>/forms.py), into the connection this integration's setup uses."""
    state = state_of(request, write=True)
    if system not in CREDENTIALS_PREFIX:
        raise Http404("no such application")
    prefix = CREDENTIALS_PREFIX[system]
    form = credentials_form(system)(request.POST, prefix=prefix)
    if not form.is_valid():
        return refuse(request, state, "apps", **{f"{prefix}_form": form})
    saved = save_and_test(
        form,
        tenant=state.tenant,
        system=system,
        name=display_name(system),
        **wizard_target(state, system),
    )
    report_test(request, *saved)
    return redirect("dashboard:wizard_step", step="apps")


@require_POST
@login_required
def wizard_administration(request: HttpRequest) -> HttpResponse:
    state = state_of(request, write=True)
    asperion = wizard_connection(state, "asperion")
    form = administration_form(asperion, request.POST)
    if asperion is None or form is None:
        raise Http404("connect Asperion first")
    if not form.is_valid():
        return refuse(request, state, "apps", administration_form=form)
    chosen = int(form.cleaned_data["administration_id"])
    connection_services.connection_set_config(
        connection=asperion, changes={"administration_id": chosen}
    )
    messages.success(request, _("Administration chosen."))
    return redirect("dashboard:wizard_step", step="apps")


@require_POST
@login_required
def wizard_apps_done(request: HttpRequest) -> HttpResponse:
    state = state_of(request, write=True)
    integration = wizard_integration(state)
    if integration is None:
        accounting = wizard_connection(state, "asperion")
        shop = wizard_connection(state, "feeddex")
        if accounting is None or shop is None:
            messages.error(request, _("Connect both applications first."))
            return redirect("dashboard:wizard_step", step="apps")
        try:
            integration = flow_services.integration_add(
                tenant=state.tenant, accounting=accounting, shop=shop
            )
        except flow_services.IntegrationRefused as refused:
            messages.error(request, str(refused))
            return redirect("dashboard:wizard_step", step="apps")
    services.wizard_set_integration(state=state, integration=integration)
    choose_integration(request, integration)
    # Settings that name things in the applications, proposed from their own lists.
    if not live_lists.integration_propose_defaults(integration=integration):
        messages.warning(
            request,
            _("The applications' lists could not be read: choose their codes in the settings."),
        )
    services.wizard_advance(state=state, to=WizardStep.FLOWS)
    return redirect("dashboard:wizard_step", step="flows")


# ---- step 2: flows ---------------------------------------------------------------------------


def integration_or_404(tenant: Tenant) -> Integration:
    """The integration the wizard sets up."""
    integration = wizard_integration(services.wizard_state_for(tenant=tenant))
    if integration is None:
        raise Http404("no integration yet")
    return integration


def flow_choices() -> list[tuple[str, str]]:
    return [(kind, str(definition.label)) for kind, definition in FLOWS.items()]


def flows_context(request: HttpRequest, tenant: Tenant) -> dict[str, Any]:
    integration = integration_or_404(tenant)
    chosen = [f.kind for f in integration.flows.filter(enabled=True)]
    return {
        "form": FlowChoiceForm(choices=flow_choices(), initial={"flows": chosen}),
        "descriptions": flow_views.flow_descriptions(),
    }


@require_POST
@login_required
def wizard_flows(request: HttpRequest) -> HttpResponse:
    state = state_of(request, write=True)
    integration = integration_or_404(state.tenant)
    if early := not_reached(state, "flows"):
        return early
    form = FlowChoiceForm(request.POST, choices=flow_choices())
    if not form.is_valid():
        return refuse(request, state, "flows", form=form)
    flow_services.flows_choose(integration=integration, kinds=set(form.cleaned_data["flows"]))
    services.wizard_advance(state=state, to=WizardStep.SETTINGS)
    return redirect("dashboard:wizard_step", step="settings")


# ---- step 3: settings ------------------------------------------------------------------------


def settings_context(request: HttpRequest, tenant: Tenant) -> dict[str, Any]:
    integration = integration_or_404(tenant)
    orders = integration.flows.filter(kind="orders", enabled=True).first()
    return {
        "sections": wizard_sections(integration),
        # The shop charges shipping: without an article to book it on, offer to create one.
        "offer_shipping_article": orders is not None
        and not (orders.settings or {}).get("shipping_article_code", "VERZEND"),
        "offer_rounding_article": orders is not None and needs_rounding_article(orders),
    }


def wizard_sections(integration: Integration, data: Any = None) -> list[Any]:
    """The settings of the enabled flows; what the wizard cannot tell by itself (which
    Asperion package: its API does not say) is asked as a question of its own."""
    sections = flow_views.settings_sections(integration, enabled_only=True, data=data)
    for section in sections:
        flow = section.flow
        if flow is not None and flow.kind == "orders" and package_unknown(flow):
            section.asked_apart = ("accounting_package",)
    return sections


def package_unknown(orders: Flow) -> bool:
    return bool(flow_views.current_settings(orders).accounting_package == "unknown")


def needs_rounding_article(orders: Flow) -> bool:
    """Sales orders with rounding lines on, but no article to book them on: an order that
    Asperion's per-line VAT leaves a cent off would fail."""
    settings = flow_views.current_settings(orders)
    return bool(
        settings.book_as == "salesorder"
        and settings.rounding_line
        and not settings.rounding_article_code
    )


@require_POST
@login_required
def wizard_shipping_article(request: HttpRequest) -> HttpResponse:
    """Create the shipping-cost article in Asperion and choose it in the orders settings."""
    state = state_of(request, write=True)
    integration = integration_or_404(state.tenant)
    if early := not_reached(state, "settings"):
        return early
    try:
        code = live_lists.shipping_article_create(integration=integration)
        reference_forget(integration.accounting, "shipping_articles")
    except (ConnectorError, ValueError) as error:
        messages.error(request, _("The shipping-cost article could not be created: %s") % error)
    else:
        messages.success(request, _("Asperion has the shipping-cost article %s now.") % code)
    return redirect("dashboard:wizard_step", step="settings")


@require_POST
@login_required
def wizard_rounding_article(request: HttpRequest) -> HttpResponse:
    """Create the article of the rounding line in Asperion and choose it in the orders
    settings."""
    state = state_of(request, write=True)
    integration = integration_or_404(state.tenant)
    if early := not_reached(state, "settings"):
        return early
    try:
        code = live_lists.rounding_article_create(integration=integration)
        reference_forget(integration.accounting, "rounding_articles")
    except (ConnectorError, ValueError) as error:
        messages.error(request, _("The rounding article could not be created: %s") % error)
    else:
        messages.success(request, _("Asperion has the rounding article %s now.") % code)
    return redirect("dashboard:wizard_step", step="settings")


@require_POST
@login_required
def wizard_settings(request: HttpRequest) -> HttpResponse:
    state = state_of(request, write=True)
    integration = integration_or_404(state.tenant)
    if early := not_reached(state, "settings"):
        return early
    sections = wizard_sections(integration, data=request.POST)
    if not flow_views.save_sections(sections):
        return refuse(request, state, "settings", sections=sections)
    services.wizard_advance(state=state, to=WizardStep.MAPPING)
    return redirect("dashboard:wizard_step", step="mapping")


# ---- step 4: mapping -------------------------------------------------------------------------


def mapping_context(request: HttpRequest, tenant: Tenant) -> dict[str, Any]:
    integration = integration_or_404(tenant)
    flows = list(integration.flows.filter(enabled=True).order_by("id"))
    return {"previews": [mapping_views.flow_preview(flow) for flow in flows]}


@require_POST
@login_required
def wizard_mapping_done(request: HttpRequest) -> HttpResponse:
    state = state_of(request, write=True)
    integration_or_404(state.tenant)
    if early := not_reached(state, "mapping"):
        return early
    services.wizard_advance(state=state, to=WizardStep.DRY_RUN)
    return redirect("dashboard:wizard_step", step="dry_run")


# ---- step 5: dry run -------------------------------------------------------------------------


def dry_run_context(request: HttpRequest, tenant: Tenant) -> dict[str, Any]:
    state = services.wizard_state_for(tenant=tenant)
    runs = list(
        FlowRun.objects.filter(tenant=tenant, pk__in=state.dry_run_ids)
        .select_related("flow")
        .order_by("id")
    )
    finished = all(run.finished_at for run in runs)
    integration = integration_or_404(tenant)
    return {
        "runs": runs,
        "finished": finished,
        "outcomes": {run.pk: list(run.records.order_by("id")[:50]) for run in runs},
        # Shown above the runs once they are through: what to fix before going live.
        "concerns": golive.concerns_for(integration=integration, dry_run_ids=state.dry_run_ids)
        if finished
        else [],
    }


@require_POST
@login_required
def wizard_dry_run(request: HttpRequest) -> HttpResponse:
    state = state_of(request, write=True)
    integration = integration_or_404(state.tenant)
    if early := not_reached(state, "dry_run"):
        return early
    try:
        runs = [
            flow_services.flow_run_request(flow=flow, trigger=Trigger.DRY_RUN).run
            for flow in integration.flows.filter(enabled=True).order_by("id")
        ]
    except flow_services.RunRefused as refused:
        messages.warning(request, str(refused))
        return redirect("dashboard:wizard_step", step="dry_run")
    services.wizard_remember_dry_runs(state=state, run_ids=[run.pk for run in runs])
    return redirect("dashboard:wizard_step", step="dry_run")


@require_POST
@login_required
def wizard_dry_run_done(request: HttpRequest) -> HttpResponse:
    state = state_of(request, write=True)
    integration_or_404(state.tenant)
    if early := not_reached(state, "dry_run"):
        return early
    services.wizard_advance(state=state, to=WizardStep.LIVE)
    return redirect("dashboard:wizard_step", step="live")


# ---- step 6: go live -------------------------------------------------------------------------


def live_context(request: HttpRequest, tenant: Tenant) -> dict[str, Any]:
    integration = integration_or_404(tenant)
    state = services.wizard_state_for(tenant=tenant)
    return {
        "integration": integration,
        "enabled_flows": list(integration.flows.filter(enabled=True).order_by("id")),
        "concerns": golive.concerns_for(integration=integration, dry_run_ids=state.dry_run_ids),
        "answers": {},
    }


def problem_rows(problems: dict[str, dict[str, str]]) -> list[dict[str, str]]:
    """The settings that do not resolve, named as the settings step names them."""
    rows = []
    for section, fields in problems.items():
        where = (
            _("Customer settings")
            if section == "customer_defaults"
            else str(FLOWS[section].name)
            if section in FLOWS
            else ""
        )
        for name, reason in fields.items():
            label = str(label_for(name)) if name != "__all__" else ""
            rows.append({"section": where, "setting": label, "name": name, "reason": reason})
    return rows


@require_POST
@login_required
def wizard_go_live(request: HttpRequest) -> HttpResponse:
    state = state_of(request, write=True)
    integration = integration_or_404(state.tenant)
    if early := not_reached(state, "live"):
        return early
    problems = live_lists.unresolved_settings(integration=integration)
    if problems:
        not_live = _("Not live yet: some settings name what the applications lack.")
        return refuse(request, state, "live", error=not_live, problems=problem_rows(problems))
    concerns = golive.concerns_for(integration=integration, dry_run_ids=state.dry_run_ids)
    answers = {key: str(value) for key, value in request.POST.items()}
    if golive.unanswered(concerns, answers):
        choose = _("Choose for each flow with a problem: keep it off, or go live anyway.")
        return refuse(request, state, "live", error=choose, answers=answers)
    for flow in golive.kept_off(concerns, answers):
        flow_services.flow_set_enabled(flow=flow, enabled=False)
    flow_services.integration_go_live(integration=integration)
    services.wizard_complete(state=state)
    messages.success(request, _("You are live: the flows now run on their schedule."))
    return redirect("dashboard:flows")


STEP_CONTEXT = {
    "apps": apps_context,
    "flows": flows_context,
    "settings": settings_context,
    "mapping": mapping_context,
    "dry_run": dry_run_context,
    "live": live_context,
}
