"""Mail that must not make a visitor wait, or tell them whether an address has an account.

Thin tasks: they take ids (or the address typed in) and call tenants.emails.
"""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def signup_mail_task(signup_id: int) -> None:
    from tenants.emails import signup_mail_send

    signup_mail_send(signup_id=signup_id)


@shared_task(acks_late=True)
def password_reset_mail_task(email: str) -> None:
    from tenants.emails import password_reset_mail_send

    password_reset_mail_send(email=email)
