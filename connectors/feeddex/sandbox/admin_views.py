"""The Feeddex sandbox admin page: accounts, their knobs and data, and a few actions.

Staff see every organization; a member only their company's (another's answers 404), and
only owners and admins change anything (the sandbox kit's `sandbox_admin_required`).
"""

from __future__ import annotations

import random

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from connectors.feeddex.sandbox import seed, services, shop
from connectors.feeddex.sandbox.models import Account, WebhookDelivery
from connectors.sandboxkit.access import sandbox_admin_required, sandbox_viewer
from connectors.sandboxkit.faults import reset_counters
from connectors.sandboxkit.forms import KnobsForm, render_knobs_form
from connectors.sandboxkit.quota import seed_allowed


class FeeddexKnobsForm(KnobsForm):
    """The kit's knobs plus the two of the Feeddex account."""

    def __init__(self, *args: object, account: Account, **kwargs: object) -> None:
        kwargs.setdefault(
            "initial",
            {
                **account.get_knobs().dump(),
                "duplicate_webhook_rate": account.duplicate_webhook_rate,
                "day_seconds": account.day_seconds,
            },
        )
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["duplicate_webhook_rate"] = forms.FloatField(
            min_value=0,
            max_value=1,
            help_text=Account._meta.get_field("duplicate_webhook_rate").help_text,
        )
        self.fields["day_seconds"] = forms.IntegerField(
            min_value=1, help_text=Account._meta.get_field("day_seconds").help_text
        )


@require_http_methods(["GET", "POST"])
@sandbox_admin_required
def home(request: HttpRequest) -> HttpResponse:
    viewer = sandbox_viewer(request)
    if request.method == "POST":
        # Making the public demo organization is for staff (the demo company gets it from
        # demo_setup).
        if not viewer.sees_all:
            raise PermissionDenied("only staff may create the demo organization")
        account = seed.ensure_demo_account()
        return redirect("feeddex_sandbox:account", account_id=account.pk)
    accounts = (
        viewer.visible(Account.objects.all())
        .annotate(
            product_count=Count("products", distinct=True),
            order_count=Count("orders", distinct=True),
        )
        .order_by("organization")
    )
    return render(request, "feeddex_sandbox/admin.html", {"accounts": accounts})


@require_http_methods(["GET", "POST"])
@sandbox_admin_required
def account_page(request: HttpRequest, account_id: int) -> HttpResponse:
    accounts = sandbox_viewer(request).visible(Account.objects.all())
    account = get_object_or_404(accounts, pk=account_id)
    form = FeeddexKnobsForm(account=account)
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "knobs":
            form = FeeddexKnobsForm(request.POST, account=account)
            if form.is_valid():
                _save_knobs(account, form)
                messages.success(request, "Knobs saved.")
                return redirect(request.path)
        else:
            _act(request, account, action)
            return redirect(request.path)
    return render(request, "feeddex_sandbox/account.html", _context(request, account, form))


def _save_knobs(account: Account, form: FeeddexKnobsForm) -> None:
    services.account_set_knobs(
        account=account,
        knobs=form.to_knobs(),
        duplicate_webhook_rate=form.cleaned_data["duplicate_webhook_rate"],
        day_seconds=form.cleaned_data["day_seconds"],
    )


MAKES_DATA = ("place_order", "seed")


def _act(request: HttpRequest, account: Account, action: str) -> None:
    tenant_id = sandbox_viewer(request).tenant_id  # None for staff: not counted
    if action in MAKES_DATA and tenant_id is not None and not seed_allowed(tenant_id):
        messages.error(request, "Your company's sandbox quota for today is used up.")
        return
    rng = random.Random()  # noqa: S311 - a simulated shopper, not security
    now = services.now()
    if action == "place_order":
        order = shop.place_random_order(account=account, rng=rng, now=now)
        messages.success(request, f"Order {order.number} placed.")
    elif action == "complete_feedback":
        done = services.transactions_complete_now(account=account, now=now)
        messages.success(request, f"{done} invitations answered.")
    elif action == "reset_counters":
        reset_counters(account.scope)
        messages.success(request, "Rate-limit counters reset.")
    elif action == "seed":
        counts = seed.seed_account(account, customers=10, orders=20, seed=rng.randint(0, 10**6))
        messages.success(
            request, f"Added {counts['customers']} customers, {counts['orders']} orders."
        )
    else:
        messages.error(request, "Unknown action.")


def _context(request: HttpRequest, account: Account, form: FeeddexKnobsForm) -> dict[str, object]:
    return {
        "account": account,
        "knobs_form": render_knobs_form(
            request, form, action=reverse("feeddex_sandbox:account", args=[account.pk])
        ),
        "counts": {
            "products": account.products.count(),
            "customers": account.customers.count(),
            "orders": account.orders.count(),
            "transactions": account.transactions.count(),
            "webhooks": account.webhooks.count(),
        },
        "orders": account.orders.order_by("-created_at", "-id")[:15],
        "products": account.products.order_by("sku")[:15],
        "deliveries": WebhookDelivery.objects.filter(account=account).order_by("-id")[:10],
        "units": account.units.order_by("id"),
        "api_base": request.build_absolute_uri(reverse("feeddex_sandbox:authenticate")).rsplit(
            "/", 1
        )[0],
    }
