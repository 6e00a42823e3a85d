"""Members and roles: invite by email, change a role, remove; owners and admins only."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.views import redirect_to_login
from django.core.mail import send_mail
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dashboard import services
from tenants.access import SESSION_TENANT_KEY, get_for_request, require_membership, require_tenant
from tenants.models import Invitation, Membership, Role, User
from tenants.services import LinkInvalid, invitation_answer, invitation_open, invitation_token


class InviteForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email"))
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices, initial=Role.VIEWER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


def members_context(request: HttpRequest, form: InviteForm | None = None) -> dict[str, object]:
    tenant = require_tenant(request)
    return {
        "members": tenant.memberships.select_related("user").order_by("user__email"),
        "invitations": tenant.invitations.filter(answered_at__isnull=True).order_by("email"),
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
    invitation = services.member_invite(
        tenant=tenant,
        email=form.cleaned_data["email"],
        role=form.cleaned_data["role"],
        invited_by=require_membership(request).user,
    )
    send_invitation(request, invitation)
    messages.success(request, _("%s is invited.") % invitation.email)
    return redirect("dashboard:members")


def send_invitation(request: HttpRequest, invitation: Invitation) -> None:
    """Email the invitation (in the invitee's language when they have an account) with the
    link where they accept it."""
    link = request.build_absolute_uri(
        reverse("dashboard:invitation", args=[invitation_token(invitation)])
    )
    invitee = User.objects.filter(email=invitation.email).first()
    language = invitee.language if invitee else translation.get_language()
    with translation.override(language):
        context = {"tenant": invitation.tenant, "inviter": invitation.invited_by, "link": link}
        subject = _("You are invited to %s on APIcenter") % invitation.tenant.name
        body = render_to_string("dashboard/email/invitation.txt", context)
    send_mail(subject, body, None, [invitation.email])


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Accept or decline an invitation: signed in with the invited address (an address
    without an account chooses its password here first)."""
    try:
        offer = invitation_open(token)
    except LinkInvalid as error:
        raise Http404(str(error)) from None
    if not request.user.is_authenticated:
        if User.objects.filter(email=offer.email).exists():
            return redirect_to_login(request.get_full_path())
        return new_member(request, offer)
    if request.user.email.lower() != offer.email:
        raise Http404("this invitation is for another address")
    if request.method == "GET":
        return render(request, "dashboard/invitation.html", {"offer": offer})
    return answer(request, offer, accept=request.POST.get("decision") != "decline")


def answer(request: HttpRequest, offer: Invitation, *, accept: bool) -> HttpResponse:
    try:
        membership = invitation_answer(
            invitation=offer,
            user=request.user,  # type: ignore[arg-type]  # signed in
            accept=accept,
        )
    except LinkInvalid as error:
        raise Http404(str(error)) from None
    if membership is None:
        messages.info(request, _("Invitation declined."))
        return redirect("dashboard:home")
    request.session[SESSION_TENANT_KEY] = membership.tenant_id
    messages.success(request, _("You joined %s.") % membership.tenant.name)
    return redirect("dashboard:home")


def new_member(request: HttpRequest, offer: Invitation) -> HttpResponse:
    """The link proves the mailbox: its holder chooses a password, then joins."""
    form = SetPasswordForm(User(email=offer.email), request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = User.objects.create_user(email=offer.email, password=None)
        user.set_password(form.cleaned_data["new_password1"])
        user.save(update_fields=["password"])
        login(request, user, backend="tenants.backends.ThrottledModelBackend")
        return answer(request, offer, accept=True)
    return render(request, "dashboard/invitation.html", {"offer": offer, "form": form})


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
