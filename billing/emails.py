"""The owners hear of every change of the subscription, each in their own language."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from billing.models import BillingEvent, EventKind
from monitoring.emails import owners, send_all
from monitoring.messages import site_link
from tenants.models import User


def event_message(event: BillingEvent) -> tuple[str, str]:
    """The subject and the sentence of an event's email (in the active language)."""
    tenant, plan = event.tenant, event.plan.name if event.plan else ""
    ends = tenant.plan_ends_at
    until = timezone.localtime(ends).strftime("%d-%m-%Y") if ends else ""
    texts: dict[str, tuple[str, str]] = {
        EventKind.ACTIVATED: (
            _("Your %(plan)s subscription is active") % {"plan": plan},
            _("Thank you: the payment was received and your flows run."),
        ),
        EventKind.RENEWED: (
            _("Your %(plan)s subscription was renewed") % {"plan": plan},
            _("This month's payment was received; the invoice is on the billing page."),
        ),
        EventKind.PAYMENT_FAILED: (
            _("A payment failed: please pay the open amount"),
            _(
                "This month's payment could not be collected. Your flows keep running until "
                "%(until)s; pay the open amount on the billing page to keep them running."
            )
            % {"until": until},
        ),
        EventKind.PAID: (
            _("Payment received, your subscription is active again"),
            _("Thank you: the open amount is paid and your flows run as before."),
        ),
        EventKind.UPGRADED: (
            _("You now have the %(plan)s plan") % {"plan": plan},
            _("Its limits apply at once; its price is charged from the next period."),
        ),
        EventKind.DOWNGRADE_SCHEDULED: (
            _("You switch to the %(plan)s plan from the next period") % {"plan": plan},
            _("Until then your current plan and its limits stay as they are."),
        ),
        EventKind.CANCELED: (
            _("Your subscription is cancelled"),
            _("No more payments will be taken. Your flows run until %(until)s, then pause.")
            % {"until": until},
        ),
        EventKind.ENDED: (
            _("Your subscription has ended: flows are paused"),
            _("No data or settings are lost. Choose a plan to let the flows continue."),
        ),
        EventKind.USAGE_WARNING: (
            _("80 %% of this month's records are used (%(used)s)") % {"used": event.detail},
            _("When the limit is reached, new records wait until next month or an upgrade."),
        ),
        EventKind.USAGE_LIMIT: (
            _("This month's records limit is reached (%(used)s)") % {"used": event.detail},
            _(
                "New records now wait: nothing is lost. They are synced next month, or at once "
                "when you choose a larger plan."
            ),
        ),
    }
    return texts.get(event.kind, (event.get_kind_display(), ""))


def event_email_for(user: User, event: BillingEvent) -> EmailMultiAlternatives:
    with translation.override(user.language):
        subject, sentence = event_message(event)
        context: dict[str, Any] = {
            "tenant": event.tenant,
            "sentence": sentence,
            "link": site_link("billing:billing"),
            "plans_link": site_link("billing:plans"),
            "user": user,
        }
        text = render_to_string("billing/email/event.txt", context)
        html = render_to_string("billing/email/event.html", context)
    message = EmailMultiAlternatives(
        subject=f"[APIcenter] {event.tenant.name}: {subject}",
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )
    message.attach_alternative(html, "text/html")
    message.extra_headers["X-APIcenter-Billing-Event"] = str(event.pk)
    return message


def event_email_send(event_id: int) -> int:
    """Send an event's email to the owners, once (a retried task finds it sent)."""
    event = BillingEvent.objects.select_related("tenant", "plan").filter(pk=event_id).first()
    if event is None or event.emailed_at is not None:
        return 0
    sent = send_all(event_email_for(user, event) for user in owners(event.tenant))
    BillingEvent.objects.filter(pk=event.pk).update(emailed_at=timezone.now())
    return sent
