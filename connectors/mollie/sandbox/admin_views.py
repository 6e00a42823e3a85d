"""The Mollie sandbox admin page: the account's knobs, its clock, subscriptions, payments
and webhook calls, with the actions a test of the billing needs."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from connectors.mollie.sandbox import seed, services
from connectors.mollie.sandbox.models import Account, Outcome, Payment, Subscription
from connectors.sandboxkit.access import sandbox_staff_required
from connectors.sandboxkit.forms import KnobsForm, render_knobs_form


class MollieKnobsForm(KnobsForm):
    """The kit's knobs plus what happens to recurring payments and whether webhooks go out."""

    def __init__(self, *args: object, account: Account, **kwargs: object) -> None:
        kwargs.setdefault(
            "initial",
            {
                **account.get_knobs().dump(),
                "recurring_outcome": account.recurring_outcome,
                "webhooks_enabled": account.webhooks_enabled,
            },
        )
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["recurring_outcome"] = forms.ChoiceField(
            choices=Outcome.choices,
            help_text=Account._meta.get_field("recurring_outcome").help_text,
        )
        self.fields["webhooks_enabled"] = forms.BooleanField(
            required=False, help_text=Account._meta.get_field("webhooks_enabled").help_text
        )


@require_http_methods(["GET", "POST"])
@sandbox_staff_required
def home(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        account = seed.ensure_demo_account()
        return redirect("mollie_sandbox:account", account_id=account.pk)
    accounts = Account.objects.order_by("name")
    return render(request, "mollie_sandbox/admin.html", {"accounts": accounts})


@require_http_methods(["GET", "POST"])
@sandbox_staff_required
def account_page(request: HttpRequest, account_id: int) -> HttpResponse:
    account = get_object_or_404(Account, pk=account_id)
    form = MollieKnobsForm(account=account)
    if request.method == "POST":
        if request.POST.get("action") == "knobs":
            form = MollieKnobsForm(request.POST, account=account)
            if form.is_valid():
                save_knobs(account, form)
                messages.success(request, "Knobs saved.")
                return redirect(request.path)
        else:
            act(request, account)
            return redirect(request.path)
    return render(request, "mollie_sandbox/account.html", context(request, account, form))


def save_knobs(account: Account, form: MollieKnobsForm) -> None:
    account.knobs = form.to_knobs().dump()
    account.recurring_outcome = form.cleaned_data["recurring_outcome"]
    account.webhooks_enabled = form.cleaned_data["webhooks_enabled"]
    account.save(update_fields=["knobs", "recurring_outcome", "webhooks_enabled"])


def act(request: HttpRequest, account: Account) -> None:
    action = request.POST.get("action", "")
    if action == "advance":
        days = request.POST.get("days", "")
        if not days.isdigit() or not 1 <= int(days) <= 400:
            messages.error(request, "Advance the clock by 1 to 400 days.")
            return
        result = services.clock_advance(account=account, by=timedelta(days=int(days)))
        messages.success(request, f"Clock moved {days} days; {len(result.charged)} payments.")
    elif action in ("resend", "settle_paid", "settle_failed"):
        payment = get_object_or_404(Payment, account=account, pk=request.POST.get("payment"))
        try:
            if action == "resend":
                services.webhook_resend(payment=payment)
            else:
                services.payment_settle_open(payment=payment, outcome=action.split("_")[1])
        except services.Refused as refused:
            messages.error(request, refused.detail)
            return
        messages.success(request, f"Done: {payment.public_id}.")
    else:
        messages.error(request, "Unknown action.")


def context(request: HttpRequest, account: Account, form: MollieKnobsForm) -> dict[str, object]:
    return {
        "account": account,
        "sandbox_now": account.now(),
        "knobs_form": render_knobs_form(
            request, form, action=reverse("mollie_sandbox:account", args=[account.pk])
        ),
        "subscriptions": Subscription.objects.filter(customer__account=account)
        .select_related("customer")
        .order_by("-id")[:20],
        "payments": Payment.objects.filter(account=account)
        .select_related("customer", "subscription")
        .order_by("-id")[:30],
        "calls": account.webhook_calls.order_by("-id")[:15],
        "api_base": request.build_absolute_uri(reverse("mollie_sandbox:root")).rstrip("/"),
    }
