from __future__ import annotations

from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tenants.access import SESSION_TENANT_KEY, memberships_of
from tenants.forms import SignupForm, ThrottledLoginForm
from tenants.services import signup as signup_service


def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user, tenant = signup_service(
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password"],
            company_name=form.cleaned_data["company_name"],
        )
        login(request, user, backend="tenants.backends.ThrottledModelBackend")
        request.session[SESSION_TENANT_KEY] = tenant.pk
        return redirect("dashboard:wizard")
    return render(request, "tenants/signup.html", {"form": form})


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
