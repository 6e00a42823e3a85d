"""Members and roles: invite by email, change a role, remove; owners and admins only."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from dashboard import services
from tenants.access import get_for_request, require_membership, require_tenant
from tenants.models import Membership, Role, Tenant, User


class InviteForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email"))
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices, initial=Role.VIEWER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


def members_context(request: HttpRequest, form: InviteForm | None = None) -> dict[str, object]:
    tenant = require_tenant(request)
    return {
        "members": tenant.memberships.select_related("user").order_by("user__email"),
        "form": form or InviteForm(),
        "roles": Role.choices,
    }


@require_GET
@login_required
def members(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/members.html", members_context(request))


@require_POST
@login_required
def member_invite(request: HttpRequest) -> HttpResponse:
    tenant = require_tenant(request, write=True)
    form = InviteForm(request.POST)
    if not form.is_valid():
        return render(request, "dashboard/members.html", members_context(request, form), status=400)
    membership, is_new = services.member_invite(
        tenant=tenant, email=form.cleaned_data["email"], role=form.cleaned_data["role"]
    )
    send_invitation(request, membership.user, tenant, set_password=is_new)
    messages.success(request, _("%s is invited.") % membership.user.email)
    return redirect("dashboard:members")


def send_invitation(
    request: HttpRequest, user: User, tenant: Tenant, *, set_password: bool
) -> None:
    """Email the invitation in the invitee's language, with a link to set a password if new."""
    link = request.build_absolute_uri(reverse("login"))
    if set_password:
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        token = default_token_generator.make_token(user)
        link = request.build_absolute_uri(reverse("password_reset_confirm", args=[uid, token]))
    inviter = require_membership(request).user
    with translation.override(user.language):
        context = {"tenant": tenant, "inviter": inviter, "link": link, "new": set_password}
        subject = _("You are invited to %s on APIcenter") % tenant.name
        body = render_to_string("dashboard/email/invitation.txt", context)
    send_mail(subject, body, None, [user.email])


@require_POST
@login_required
def member_role(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_for_request(request, Membership, pk, write=True)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a role."))
        return redirect("dashboard:members")
    try:
        services.member_set_role(membership=membership, role=form.cleaned_data["role"])
    except services.MemberError:
        messages.error(request, _("A company needs at least one owner."))
    return redirect("dashboard:members")


@require_POST
@login_required
def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_for_request(request, Membership, pk, write=True)
    try:
        services.member_remove(membership=membership)
    except services.MemberError:
        messages.error(request, _("A company needs at least one owner."))
        return redirect("dashboard:members")
    messages.success(request, _("%s no longer has access.") % membership.user.email)
    return redirect("dashboard:members")
