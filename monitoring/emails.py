"""Render and send the platform's emails, each recipient in their own language."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from monitoring.messages import incident_message, site_link
from monitoring.models import Incident, MonitoringSettings
from tenants.models import Membership, Role, Tenant, User


def members(tenant: Tenant) -> QuerySet[User]:
    return User.objects.filter(memberships__tenant=tenant, is_active=True)


def incident_recipients(tenant: Tenant) -> list[User]:
    """The members chosen in the monitoring settings, or else every owner and admin."""
    chosen = MonitoringSettings.objects.filter(tenant=tenant).values("recipients")
    users = members(tenant).filter(pk__in=chosen)
    if not users.exists():
        users = members(tenant).filter(memberships__role__in=(Role.OWNER, Role.ADMIN))
    return list(users.distinct().order_by("id"))


def owners(tenant: Tenant) -> list[User]:
    owner_ids = Membership.objects.filter(tenant=tenant, role=Role.OWNER).values("user_id")
    return list(members(tenant).filter(pk__in=owner_ids).order_by("id"))


def build_email(
    user: User, *, template: str, subject: str, context: dict[str, Any]
) -> EmailMultiAlternatives:
    """Render the text and HTML parts of one email (in the active language)."""
    context = {**context, "user": user, "site_url": settings.SITE_URL}
    text = render_to_string(f"monitoring/email/{template}.txt", context)
    html = render_to_string(f"monitoring/email/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=f"[APIcenter] {subject}",
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )
    message.attach_alternative(html, "text/html")
    return message


def send_all(messages: Iterable[EmailMultiAlternatives]) -> int:
    """Send over one SMTP connection; raise on failure so that the task can retry."""
    batch = list(messages)
    if not batch:
        return 0
    with get_connection(fail_silently=False) as connection:
        return int(connection.send_messages(batch) or 0)


def incident_email_for(user: User, incident: Incident, *, recovery: bool) -> EmailMultiAlternatives:
    with translation.override(user.language):
        message = incident_message(incident, recovery=recovery)
        context = {
            "incident": incident,
            "tenant": incident.tenant,
            "message": message,
            "recovery": recovery,
            "settings_link": site_link("monitoring:settings"),
        }
        subject = f"{incident.tenant.name}: {message.subject}"
        email = build_email(user, template="incident", subject=subject, context=context)
    email.extra_headers["X-APIcenter-Incident"] = str(incident.pk)
    return email


def send_incident_email(incident: Incident, *, recovery: bool) -> int:
    recipients = incident_recipients(incident.tenant)
    return send_all(incident_email_for(user, incident, recovery=recovery) for user in recipients)


def trial_email_for(user: User, tenant: Tenant, *, ended: bool) -> EmailMultiAlternatives:
    with translation.override(user.language):
        if ended:
            subject = _("%(company)s: your trial has ended, flows are paused") % {
                "company": tenant.name
            }
        else:
            days = tenant.trial_days_left
            subject = ngettext(
                "%(company)s: your trial ends in %(days)s day",
                "%(company)s: your trial ends in %(days)s days",
                days,
            ) % {"company": tenant.name, "days": days}
        context = {"tenant": tenant, "dashboard_link": site_link("billing:plans")}
        template = "trial_ended" if ended else "trial_reminder"
        return build_email(user, template=template, subject=subject, context=context)


def send_trial_email(tenant: Tenant, *, ended: bool) -> int:
    return send_all(trial_email_for(user, tenant, ended=ended) for user in owners(tenant))
