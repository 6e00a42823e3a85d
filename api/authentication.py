"""`Authorization: Token <key>`: the API's only way in.

The token names its tenant, and the member's role is read on every request, so a user who
leaves the company, or is made read-only, loses that access at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from tenants.models import ApiToken, Membership, Tenant, User
from tenants.services import api_token_touch
from tenants.tokens import hash_key, key_matches, looks_like_key

KEYWORD = "Token"
INVALID = _("Invalid or revoked token.")
MALFORMED = _("Malformed Authorization header: use 'Token <key>'.")


@dataclass(frozen=True)
class ApiPrincipal:
    """What a request is allowed to do: the token, its tenant and the member's role."""

    token: ApiToken
    membership: Membership

    @property
    def tenant(self) -> Tenant:
        return self.membership.tenant

    @property
    def can_write(self) -> bool:
        return self.membership.can_write


class ApiTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[User, ApiPrincipal] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].decode(errors="replace").lower() != KEYWORD.lower():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(MALFORMED)
        try:
            raw_key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(MALFORMED) from None
        return principal_for_key(raw_key)

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD


def principal_for_key(raw_key: str) -> tuple[User, ApiPrincipal]:
    if not looks_like_key(raw_key):
        raise exceptions.AuthenticationFailed(INVALID)
    tokens = ApiToken.objects.select_related("user", "tenant")
    token = tokens.filter(key_hash=hash_key(raw_key), revoked_at__isnull=True).first()
    if token is None or not key_matches(raw_key, token.key_hash) or not token.user.is_active:
        raise exceptions.AuthenticationFailed(INVALID)
    membership = Membership.objects.filter(user=token.user, tenant=token.tenant).first()
    if membership is None:
        raise exceptions.AuthenticationFailed(INVALID)
    membership.tenant = token.tenant
    api_token_touch(token=token)
    return token.user, ApiPrincipal(token=token, membership=membership)
