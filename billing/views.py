"""Billing pages: the plans, checkout and its return, the subscription with its invoices, and
the provider's webhook.

Every member may look; only an owner may subscribe, switch, cancel or pay (403 for others).
The webhook is public (the provider calls it), names the company by a random token, and
trusts nothing but the payment it fetches back.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from billing import selectors, services
from billing.invoices import invoice_pdf
from billing.models import Invoice, SubscriptionStatus
from connectors.mollie.client import PaymentsError
from tenants.access import get_for_request, require_membership
from tenants.models import Membership, Plan, Role, User

ONLY_OWNERS = gettext_noop("Only an owner can change the company's subscription.")
PROVIDER_DOWN = gettext_noop(
    "The payment provider could not be reached; please try again in a minute."
)


def require_owner(request: HttpRequest) -> Membership:
    membership = require_membership(request)
    if membership.role != Role.OWNER:
        raise PermissionDenied(ONLY_OWNERS)
    return membership


def plan_from(request: HttpRequest) -> Plan:
    plan_id = request.POST.get("plan", "")
    plan = Plan.objects.filter(pk=plan_id, public=True).first() if plan_id.isdigit() else None
    if plan is None:
        raise Http404("No such plan")
    return plan


@require_GET
@login_required
def plans(request: HttpRequest) -> HttpResponse:
    membership = require_membership(request)
    tenant = membership.tenant
    usage = selectors.usage_for(tenant=tenant)
    context = {
        "offers": selectors.plan_offers(tenant=tenant, usage=usage),
        "account": selectors.billing_account_of(tenant=tenant),
        "usage": usage,
        "is_owner": membership.role == Role.OWNER,
        "statuses": SubscriptionStatus,
    }
    return render(request, "billing/plans.html", context)


@require_POST
@login_required
def checkout(request: HttpRequest) -> HttpResponse:
    membership = require_owner(request)
    plan = plan_from(request)
    user = request.user
    assert isinstance(user, User)  # login_required
    try:
        url = services.checkout_start(tenant=membership.tenant, plan=plan, user=user)
    except services.BillingRefused as refused:
        messages.error(request, _(str(refused)))
        return redirect("billing:plans")
    except PaymentsError:
        messages.error(request, _(PROVIDER_DOWN))
        return redirect("billing:plans")
    return redirect(url)


@require_GET
@login_required
def checkout_return(request: HttpRequest) -> HttpResponse:
    """Back from the hosted page. The webhook may not have come yet: ask the provider now
    (the same, idempotent handling), so the owner sees the outcome at once."""
    tenant = require_membership(request).tenant
    account = selectors.billing_account_of(tenant=tenant)
    if account and account.pending_payment_id:
        try:
            services.payment_received(
                token=account.webhook_token, payment_id=account.pending_payment_id
            )
        except PaymentsError:
            messages.warning(request, _(PROVIDER_DOWN))
    return redirect("billing:billing")


@require_GET
@login_required
def billing(request: HttpRequest) -> HttpResponse:
    membership = require_membership(request)
    tenant = membership.tenant
    context = {
        "account": selectors.billing_account_of(tenant=tenant),
        "invoices": selectors.invoice_list(tenant=tenant),
        "events": selectors.event_list(tenant=tenant),
        "usage": selectors.usage_for(tenant=tenant),
        "is_owner": membership.role == Role.OWNER,
        "statuses": SubscriptionStatus,
        "now": timezone.now(),
    }
    return render(request, "billing/billing.html", context)


@require_POST
@login_required
def switch(request: HttpRequest) -> HttpResponse:
    tenant = require_owner(request).tenant
    plan = plan_from(request)
    try:
        outcome = services.plan_switch(tenant=tenant, plan=plan)
    except services.BillingRefused as refused:
        messages.error(request, _(str(refused)))
        return redirect("billing:plans")
    except PaymentsError:
        messages.error(request, _(PROVIDER_DOWN))
        return redirect("billing:plans")
    if outcome == "upgraded":
        messages.success(request, _("You now have the %(plan)s plan.") % {"plan": plan.name})
    elif outcome == "downgrade scheduled":
        messages.success(
            request, _("You switch to %(plan)s from the next period.") % {"plan": plan.name}
        )
    return redirect("billing:billing")


@require_POST
@login_required
def cancel(request: HttpRequest) -> HttpResponse:
    tenant = require_owner(request).tenant
    try:
        ends = services.subscription_cancel(tenant=tenant)
    except services.BillingRefused as refused:
        messages.error(request, _(str(refused)))
        return redirect("billing:billing")
    except PaymentsError:
        messages.error(request, _(PROVIDER_DOWN))
        return redirect("billing:billing")
    until = timezone.localtime(ends).strftime("%d-%m-%Y") if ends else ""
    messages.success(
        request, _("Subscription cancelled: flows run until %(until)s.") % {"until": until}
    )
    return redirect("billing:billing")


@require_POST
@login_required
def pay_due(request: HttpRequest) -> HttpResponse:
    membership = require_owner(request)
    user = request.user
    assert isinstance(user, User)  # login_required
    try:
        url = services.pay_due_start(tenant=membership.tenant, user=user)
    except services.BillingRefused as refused:
        messages.error(request, _(str(refused)))
        return redirect("billing:billing")
    except PaymentsError:
        messages.error(request, _(PROVIDER_DOWN))
        return redirect("billing:billing")
    return redirect(url)


@require_GET
@login_required
def invoice_download(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = get_for_request(request, Invoice, pk)
    response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{invoice.number}.pdf"'
    return response


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, token: str) -> HttpResponse:
    """The provider's call: `id=tr_…` in a form body. 200 once handled (or to be ignored);
    500 when the provider could not be asked, so that it calls again later."""
    payment_id = request.POST.get("id", "")
    if not payment_id or len(payment_id) > 40:
        return HttpResponseBadRequest("id missing")
    try:
        outcome = services.payment_received(token=token, payment_id=payment_id)
    except PaymentsError:
        return HttpResponse("provider unreachable", status=503, content_type="text/plain")
    return HttpResponse(outcome, content_type="text/plain")
