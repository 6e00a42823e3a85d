from __future__ import annotations

from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, PasswordResetView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.http import require_http_methods, require_POST

from tenants.access import SESSION_TENANT_KEY, memberships_of
from tenants.addresses import client_address
from tenants.forms import QueuedPasswordResetForm, SignupForm, ThrottledLoginForm
from tenants.services import LinkInvalid, signup_confirm, signup_pending, signup_request
from tenants.throttle import signup_allowed

BACKEND = "tenants.backends.ThrottledModelBackend"


def signup(request: HttpRequest) -> HttpResponse:
    """Take a signup and mail the address; the answer is the same for every address."""
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not signup_allowed(client_address(request)):
            return render(
                request, "tenants/signup.html", {"form": form, "throttled": True}, status=429
            )
        signup_request(
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password"],
            company_name=form.cleaned_data["company_name"],
            language=translation.get_language() or "en",
        )
        return render(request, "tenants/signup_sent.html")
    return render(request, "tenants/signup.html", {"form": form})


@require_http_methods(["GET", "POST"])
def signup_confirmed(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the mail: a button (a mail scanner's GET creates nothing), then the
    company, signed in."""
    try:
        pending = signup_pending(token)
        if request.method == "GET":
            return render(request, "tenants/signup_confirm.html", {"pending": pending})
        user, tenant = signup_confirm(token=token)
    except LinkInvalid as error:
        return render(request, "tenants/link_invalid.html", {"reason": str(error)}, status=400)
    login(request, user, backend=BACKEND)
    request.session[SESSION_TENANT_KEY] = tenant.pk
    return redirect("dashboard:wizard")


class QueuedPasswordResetView(PasswordResetView):
    form_class = QueuedPasswordResetForm


class ThrottledLoginView(LoginView):
    form_class = ThrottledLoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


@login_required
@require_POST
def switch_tenant(request: HttpRequest) -> HttpResponse:
    tenant_id = request.POST.get("tenant_id", "")
    mine = memberships_of(request.user)  # type: ignore[arg-type]  # login_required
    if tenant_id.isdigit() and mine.filter(tenant_id=int(tenant_id)).exists():
        request.session[SESSION_TENANT_KEY] = int(tenant_id)
    return redirect("dashboard:home")
