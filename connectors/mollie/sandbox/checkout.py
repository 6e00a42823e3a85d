"""Mollie's hosted checkout page, as the sandbox plays it: the customer picks what happens.

Public like the real page (the payment id in the URL is the only key); the buttons settle the
payment (a paid first payment makes the mandate), call its webhook and send the customer back
to the merchant's redirect URL.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from connectors.mollie.sandbox import services
from connectors.mollie.sandbox.models import Payment

OUTCOMES = ("paid", "failed", "expired", "canceled")


@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest, payment_id: str) -> HttpResponse:
    payment = (
        Payment.objects.filter(public_id=payment_id).select_related("account", "customer").first()
    )
    if payment is None:
        raise Http404("No such payment")
    if request.method == "POST":
        outcome = request.POST.get("outcome", "")
        if outcome not in OUTCOMES or payment.status != "open":
            return render(request, "mollie_sandbox/checkout.html", {"payment": payment}, status=400)
        services.checkout_complete(payment=payment, outcome=outcome)
        target = payment.cancel_url if outcome == "canceled" and payment.cancel_url else None
        target = target or payment.redirect_url
        if target:
            return redirect(target)
    return render(request, "mollie_sandbox/checkout.html", {"payment": payment})
