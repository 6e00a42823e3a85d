"""The sandbox admin page: seeded counts, the OAuth credentials to use, knobs, order status.

Guarded by the sandbox kit's `sandbox_admin_required`, the same rule as the Feeddex sandbox:
staff see every administration, a member only those of their company's sandbox login (others
answer 404), and only owners and admins change knobs and statuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from connectors.asperion.sandbox import seed
from connectors.asperion.sandbox.api import api_root_path
from connectors.asperion.sandbox.knobs import knobs_for
from connectors.asperion.sandbox.models import (
    Administration,
    Article,
    ContactPerson,
    Debtor,
    InvoiceStatus,
    OAuthClient,
    OrderStatus,
    SalesInvoice,
    SalesOrder,
    SandboxUser,
    VatCode,
)
from connectors.asperion.sandbox.services import invoice_set_status, order_set_status
from connectors.sandboxkit.access import SandboxViewer, sandbox_admin_required, sandbox_viewer
from connectors.sandboxkit.faults import reset_counters
from connectors.sandboxkit.forms import KnobsForm, render_knobs_form
from connectors.sandboxkit.knobs import Knobs

TEMPLATE = "asperion_sandbox/admin.html"
LISTED_ORDERS = 50
LISTED_INVOICES = 25
DEMO_SEED = {"articles": 500, "debtors": 100, "seed": 1}


def admin_url(administration: Administration | None = None, *, target: str = "") -> str:
    url = reverse("asperion_sandbox:admin")
    params = []
    if administration is not None:
        params.append(f"administration={administration.pk}")
    if target:
        params.append(f"knobs={target}")
    return f"{url}?{'&'.join(params)}" if params else url


@dataclass(frozen=True)
class AdministrationCounts:
    administration: Administration
    articles: int
    variants: int
    debtors: int
    contact_persons: int
    orders: int
    invoices: int
    vat_codes: int


def visible_administrations(viewer: SandboxViewer) -> QuerySet[Administration]:
    rows = Administration.objects.select_related("owner")
    return viewer.visible(rows, "owner__tenant")


def administrations_with_counts(viewer: SandboxViewer) -> list[AdministrationCounts]:
    """Return every administration the viewer sees with its record counts.

    One COUNT per table and administration: annotating several Count()s at once would join
    all the tables and count a cross product (10,000 articles x 1,000 debtors x ...).
    """
    rows = []
    for administration in visible_administrations(viewer).order_by("owner__username", "pk"):
        articles = Article.objects.filter(administration=administration)
        rows.append(
            AdministrationCounts(
                administration=administration,
                articles=articles.count(),
                variants=articles.filter(is_variant=True).count(),
                debtors=Debtor.objects.filter(administration=administration).count(),
                contact_persons=ContactPerson.objects.filter(
                    debtor__administration=administration
                ).count(),
                orders=SalesOrder.objects.filter(administration=administration).count(),
                invoices=SalesInvoice.objects.filter(administration=administration).count(),
                vat_codes=VatCode.objects.filter(administration=administration).count(),
            )
        )
    return rows


def selected_administration(request: HttpRequest, viewer: SandboxViewer) -> Administration | None:
    """Return the administration named in the query (404 when the viewer does not see it),
    else the demo's default one when visible, else the viewer's first."""
    wanted = request.GET.get("administration", "")
    administrations = visible_administrations(viewer)
    if wanted:
        if not (wanted.isdigit() and len(wanted) < 19):
            raise Http404("no such administration")
        return get_object_or_404(administrations, pk=int(wanted))
    ordered = administrations.order_by("-is_default", "pk")
    demo = ordered.filter(owner__username=seed.DEMO_USERNAME).first()
    return demo or ordered.first()


def knobs_target(
    request: HttpRequest, administration: Administration | None
) -> tuple[str, SandboxUser | None, Knobs]:
    """Return which knobs the form edits ("user" or "administration") and their values."""
    if administration is None:
        return "user", None, Knobs()
    user = administration.owner
    if request.GET.get("knobs") == "user":
        return "user", user, knobs_for(user, None)
    return "administration", user, knobs_for(user, administration)


def demo_visible(viewer: SandboxViewer) -> bool:
    """Return whether the viewer sees the public demo login (staff, or the demo company)."""
    demo = SandboxUser.objects.filter(username=seed.DEMO_USERNAME)
    return viewer.visible(demo).exists()


def connection_details(request: HttpRequest, viewer: SandboxViewer) -> dict[str, str]:
    """The addresses, and the credentials the viewer may see: the public demo's, or the
    client id of their company's own client (its secret is kept only as a digest)."""
    root = request.build_absolute_uri(api_root_path()).rstrip("/")
    details = {
        "api_base": root,
        "authorize_url": f"{root}/connect/authorize",
        "token_url": f"{root}/connect/token",
    }
    if demo_visible(viewer):
        return details | {
            "client_id": seed.DEMO_CLIENT_ID,
            "client_secret": seed.DEMO_CLIENT_SECRET,
            "username": seed.DEMO_USERNAME,
            "password": seed.DEMO_PASSWORD,
        }
    own = viewer.visible(OAuthClient.objects.order_by("pk")).first()
    return details | {"client_id": own.client_id if own else ""}


@require_GET
@sandbox_admin_required
def admin_page(request: HttpRequest) -> HttpResponse:
    viewer = sandbox_viewer(request)
    administration = selected_administration(request, viewer)
    target, _user, knobs = knobs_target(request, administration)
    action = admin_url(administration, target=target).replace(
        reverse("asperion_sandbox:admin"), reverse("asperion_sandbox:knobs"), 1
    )
    context: dict[str, Any] = {
        "administrations": administrations_with_counts(viewer),
        "administration": administration,
        "connection": connection_details(request, viewer),
        "demo_client": demo_visible(viewer),
        "may_seed_demo": viewer.sees_all or demo_visible(viewer),
        "may_change": viewer.may_change,
        "knobs_target": target,
        "knobs_form": render_knobs_form(
            request, KnobsForm(knobs=knobs), action=action, title=f"Knobs of the {target}"
        ),
        "orders": orders_of(administration),
        "invoices": invoices_of(administration),
        "order_statuses": OrderStatus.choices,
        "invoice_statuses": InvoiceStatus.choices,
    }
    return render(request, TEMPLATE, context)


def orders_of(administration: Administration | None) -> list[SalesOrder]:
    if administration is None:
        return []
    orders = SalesOrder.objects.filter(administration=administration).select_related("debtor")
    return list(orders.order_by("-date", "-pk")[:LISTED_ORDERS])


def invoices_of(administration: Administration | None) -> list[SalesInvoice]:
    if administration is None:
        return []
    invoices = SalesInvoice.objects.filter(administration=administration).select_related("debtor")
    return list(invoices.order_by("-date", "-pk")[:LISTED_INVOICES])


@require_POST
@sandbox_admin_required
def knobs_save(request: HttpRequest) -> HttpResponse:
    administration = selected_administration(request, sandbox_viewer(request))
    if administration is None:
        return HttpResponseRedirect(admin_url())
    target, user, _knobs = knobs_target(request, administration)
    if request.POST.get("action") == "reset":
        reset_counters(administration.fault_scope)
        messages.success(request, "Rate-limit counters reset.")
        return HttpResponseRedirect(admin_url(administration, target=target))
    form = KnobsForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Knobs not saved: {form.errors.as_text()}")
        return HttpResponseRedirect(admin_url(administration, target=target))
    owner = user or administration.owner
    store_knobs(target, owner, administration, form.to_knobs())
    messages.success(request, f"Knobs of the {target} saved.")
    return HttpResponseRedirect(admin_url(administration, target=target))


def store_knobs(
    target: str, owner: SandboxUser, administration: Administration, knobs: Knobs
) -> None:
    if target == "user":
        owner.knobs = knobs.dump()
        owner.save(update_fields=["knobs"])
    else:
        administration.knobs = knobs.dump()
        administration.save(update_fields=["knobs"])


@require_POST
@sandbox_admin_required
def demo_seed(request: HttpRequest) -> HttpResponse:
    viewer = sandbox_viewer(request)
    # Creating the demo login is for staff; filling it also for the demo company.
    if not (viewer.sees_all or demo_visible(viewer)):
        raise PermissionDenied("only staff or the demo company may fill the demo")
    user, _client = seed.ensure_demo_user()
    administration = user.administrations.order_by("-is_default", "pk").first()
    if administration is not None and not administration.article_set.exists():
        made = seed.seed_administration(
            administration,
            articles=DEMO_SEED["articles"],
            debtors=DEMO_SEED["debtors"],
            seed=DEMO_SEED["seed"],
        )
        messages.success(
            request, f"Demo data created: {made['articles']} articles, {made['debtors']} debtors."
        )
    return HttpResponseRedirect(admin_url(administration))


@require_POST
@sandbox_admin_required
def order_status(request: HttpRequest, order_id: int) -> HttpResponse:
    viewer = sandbox_viewer(request)
    orders = viewer.visible(SalesOrder.objects.all(), "administration__owner__tenant")
    order = get_object_or_404(orders, pk=order_id)
    status = request.POST.get("status", "")
    if not status.isdigit() or int(status) not in OrderStatus.values:
        messages.error(request, "Unknown order status.")
    else:
        order_set_status(order=order, status=int(status))
        messages.success(
            request, f"Order {order.order_number} is now {OrderStatus(int(status)).label}."
        )
    return HttpResponseRedirect(admin_url(order.administration))


@require_POST
@sandbox_admin_required
def invoice_status(request: HttpRequest, invoice_id: int) -> HttpResponse:
    viewer = sandbox_viewer(request)
    invoices = viewer.visible(SalesInvoice.objects.all(), "administration__owner__tenant")
    invoice = get_object_or_404(invoices, pk=invoice_id)
    status = request.POST.get("status", "")
    if not status.isdigit() or int(status) not in InvoiceStatus.values:
        messages.error(request, "Unknown invoice status.")
    else:
        invoice_set_status(invoice=invoice, status=int(status))
        label = InvoiceStatus(int(status)).label
        messages.success(request, f"Invoice {invoice.invoice_number} is now {label}.")
    return HttpResponseRedirect(admin_url(invoice.administration))
