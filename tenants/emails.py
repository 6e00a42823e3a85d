"""The mails of signing up and resetting a password, sent by tasks (tenants/tasks.py)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from tenants.models import SignupRequest, User
from tenants.services import signup_token, site_link


def signup_mail_send(*, signup_id: int) -> None:
    """Mail the address a confirmation link, or, when it has an account already, say so
    (only the holder of the address learns that)."""
    pending = SignupRequest.objects.filter(pk=signup_id, used_at__isnull=True).first()
    if pending is None:
        return
    exists = User.objects.filter(email=pending.email).exists()
    context = {
        "company": pending.company_name,
        "exists": exists,
        "link": site_link(reverse("signup_confirm", args=[signup_token(pending)])),
        "login": site_link(reverse("login")),
        "reset": site_link(reverse("password_reset")),
    }
    # A worker has no request: the mail speaks the language the form was filled in.
    with translation.override(pending.language):
        body = render_to_string("tenants/email/signup.txt", context)
        subject = _("Your APIcenter sign-up")
    send_mail(subject, body, None, [pending.email])


def password_reset_mail_send(*, email: str) -> None:
    """Django's reset mail, to the address only if an active user has it."""
    site = urlsplit(settings.SITE_URL)
    form = PasswordResetForm(data={"email": email})
    if not form.is_valid():
        return
    # A worker has no request: the mail speaks the language the user chose.
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    with translation.override(user.language if user else settings.LANGUAGE_CODE):
        form.save(domain_override=site.netloc, use_https=site.scheme == "https")
