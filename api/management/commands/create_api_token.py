"""manage.py create_api_token <email> [--tenant slug] [--name NAME]: print a new API key once."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.models import Membership, User
from tenants.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token for a user in one of their companies and print the key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--tenant", help="Company slug (needed if the user has several).")
        parser.add_argument("--name", default="command line", help="A name for the token.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email__iexact=options["email"].strip()).first()
        if user is None:
            raise CommandError(f"No user with the email {options['email']!r}.")
        membership = choose_membership(user, options["tenant"])
        try:
            token, raw_key = api_token_create(
                user=user, tenant=membership.tenant, name=options["name"]
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stderr.write(
            f"Token {token.name!r} ({token.prefix}…) for {user.email} in "
            f"{membership.tenant.slug}, role {membership.role}. The key is shown only now:"
        )
        self.stdout.write(raw_key)


def choose_membership(user: User, slug: str | None) -> Membership:
    memberships = Membership.objects.filter(user=user).select_related("tenant")
    if slug:
        chosen = memberships.filter(tenant__slug=slug).first()
        if chosen is None:
            raise CommandError(f"{user.email} is not a member of {slug!r}.")
        return chosen
    found = list(memberships[:2])
    if not found:
        raise CommandError(f"{user.email} is not a member of any company.")
    if len(found) > 1:
        slugs = ", ".join(m.tenant.slug for m in memberships)
        raise CommandError(f"{user.email} is in several companies; pass --tenant ({slugs}).")
    return found[0]
