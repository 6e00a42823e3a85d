"""The identity server: sandbox logins, authorization codes, access and refresh tokens.

Only SHA-256 digests of codes, tokens and client secrets are stored. Codes and refresh
tokens are one-time-use: a conditional UPDATE claims them (`used_at IS NULL` → now), so of
two concurrent requests with the same refresh token exactly one gets new tokens, on
PostgreSQL and on SQLite alike.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone

from connectors.asperion.sandbox.knobs import knobs_for
from connectors.asperion.sandbox.models import (
    AccessToken,
    AuthorizationCode,
    OAuthClient,
    RefreshToken,
    SandboxUser,
)
from connectors.asperion.sandbox.selectors import administration_default

CODE_LIFETIME = timedelta(minutes=5)
# IdentityServer's default absolute lifetime of a refresh token.
REFRESH_LIFETIME = timedelta(days=30)
SCOPE = "*"
ANY_PORT = ":*"
# Compared against when the client is unknown, so that both paths take the same time.
_DUMMY_HASH = hashlib.sha256(b"no such client").hexdigest()
_DUMMY_PASSWORD = make_password("no such user")


class OAuthFailure(Exception):
    """An OAuthError answer: `error` is one of the contract's codes."""

    def __init__(self, error: str, description: str, *, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    scope: str

    def as_response(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "refresh_token": self.refresh_token,
            "scope": self.scope,
        }


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def client_find(client_id: str) -> OAuthClient | None:
    # PostgreSQL refuses NUL in text: such input is simply no client.
    if "\x00" in client_id:
        return None
    return OAuthClient.objects.filter(client_id=client_id).first()


def client_authenticate(*, client_id: str, client_secret: str) -> OAuthClient:
    client = client_find(client_id)
    expected = client.secret_hash if client else _DUMMY_HASH
    if not hmac.compare_digest(expected, digest(client_secret)) or client is None:
        raise OAuthFailure("invalid_client", "Unknown client or wrong secret.", status=401)
    return client


def user_authenticate(*, username: str, password: str) -> SandboxUser | None:
    user = SandboxUser.objects.filter(username=username.replace("\x00", "")).first()
    if user is None:
        check_password(password, _DUMMY_PASSWORD)
        return None
    return user if check_password(password, user.password) else None


def redirect_uri_allowed(client: OAuthClient, uri: str) -> bool:
    """Return whether `uri` starts with one of the client's registered URIs.

    An entry "http://host:*" allows every port and path on that host (local test servers
    pick a free port).
    """
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.fragment:
        return False
    for allowed in client.redirect_uris:
        if allowed.endswith(ANY_PORT):
            origin = urlsplit(allowed.removesuffix(ANY_PORT))
            if (parts.scheme, parts.hostname) == (origin.scheme, origin.hostname):
                return True
        elif uri == allowed or uri.startswith(allowed.rstrip("/") + "/"):
            return True
    return False


def code_issue(*, client: OAuthClient, user: SandboxUser, redirect_uri: str) -> str:
    code = new_secret()
    AuthorizationCode.objects.create(
        token_hash=digest(code),
        client=client,
        user=user,
        redirect_uri=redirect_uri,
        scope=SCOPE,
        expires_at=timezone.now() + CODE_LIFETIME,
    )
    return code


def code_redeem(*, client: OAuthClient, code: str, redirect_uri: str) -> TokenPair:
    grant = AuthorizationCode.objects.filter(token_hash=digest(code), client=client).first()
    if grant is None or grant.redirect_uri != redirect_uri:
        raise OAuthFailure("invalid_grant", "The authorization code is invalid.")
    claimed = AuthorizationCode.objects.filter(
        pk=grant.pk, used_at__isnull=True, expires_at__gt=timezone.now()
    ).update(used_at=timezone.now())
    if claimed != 1:
        raise OAuthFailure("invalid_grant", "The authorization code was used or has expired.")
    return tokens_issue(client=client, user=grant.user)


def refresh_rotate(*, client: OAuthClient, refresh_token: str) -> TokenPair:
    """Return new tokens for a refresh token and invalidate it; a second use fails."""
    with transaction.atomic():
        claimed = RefreshToken.objects.filter(
            token_hash=digest(refresh_token),
            client=client,
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
        ).update(used_at=timezone.now())
        if claimed != 1:
            raise OAuthFailure("invalid_grant", "The refresh token is invalid, used or expired.")
        grant = RefreshToken.objects.select_related("user").get(token_hash=digest(refresh_token))
        return tokens_issue(client=client, user=grant.user)


def tokens_issue(*, client: OAuthClient, user: SandboxUser) -> TokenPair:
    knobs = knobs_for(user, administration_default(user=user))
    now, lifetime = knobs.now(), knobs.token_lifetime_seconds  # the sandbox's own clock
    access, refresh = new_secret(), new_secret()
    AccessToken.objects.create(
        token_hash=digest(access),
        client=client,
        user=user,
        scope=SCOPE,
        expires_at=now + timedelta(seconds=lifetime),
    )
    RefreshToken.objects.create(
        token_hash=digest(refresh),
        client=client,
        user=user,
        scope=SCOPE,
        expires_at=now + REFRESH_LIFETIME,
    )
    return TokenPair(access_token=access, refresh_token=refresh, expires_in=lifetime, scope=SCOPE)


def access_token_find(token: str) -> AccessToken | None:
    return AccessToken.objects.select_related("user").filter(token_hash=digest(token)).first()
