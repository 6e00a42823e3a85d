"""Writes of the API app: tokens, connection verification.

The dashboard creates and revokes tokens through `api_token_create` / `api_token_revoke`,
and `manage.py create_api_token` does the same from a shell.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from api.models import ApiToken, WebhookDelivery
from api.tokens import hash_key, new_raw_key, visible_prefix
from connectors.models import Connection
from tenants.models import Membership, Tenant, User

TOKEN_NAME_NUL = "A token name cannot contain null characters."
TOKEN_NAME_REQUIRED = "Give the token a name."
NOT_A_MEMBER = "The user is not a member of this company."
# Writing last_used_at on every request would turn each read into a write: once a minute is
# precise enough to tell a token in use from one that is not.
LAST_USED_PRECISION = timedelta(minutes=1)


def api_token_create(*, user: User, tenant: Tenant, name: str) -> tuple[ApiToken, str]:
    """Make a token for a member of the tenant; return it and the raw key (shown once)."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": [TOKEN_NAME_REQUIRED]})
    if "\x00" in name:  # PostgreSQL cannot store it; Django's form fields refuse it too
        raise ValidationError({"name": [TOKEN_NAME_NUL]})
    if not Membership.objects.filter(user=user, tenant=tenant).exists():
        raise ValidationError({"user": [NOT_A_MEMBER]})
    raw_key = new_raw_key()
    token = ApiToken(
        tenant=tenant,
        user=user,
        name=name[:100],
        prefix=visible_prefix(raw_key),
        key_hash=hash_key(raw_key),
    )
    token.full_clean()
    token.save()
    return token, raw_key


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke a token at once; revoking twice keeps the first moment."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_touch(*, token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def connection_verify(*, connection: Connection) -> Connection:
    """Call the system once with the stored credentials and record the outcome on the row."""
    from connectors.base import ConnectorError
    from connectors.registry import connector_class

    connector = connector_class(connection.system)(connection)
    try:
        connector.check_connection()
    except ConnectorError as error:
        connection.mark_failed(error.api_message or str(error), permanent=error.permanent)
        return connection
    finally:
        connector.close()
    connection.mark_ok()
    return connection


def webhook_delivery_purge(*, older_than: datetime, batch: int = 1000) -> int:
    """Delete up to `batch` webhook deliveries received before `older_than`; return how many.

    For the log retention purge: call it again while it returns `batch`. An event id is
    deduplicated only while its delivery is kept, which is far longer than Feeddex retries.
    """
    ids = list(
        WebhookDelivery.objects.filter(received_at__lt=older_than)
        .order_by("id")
        .values_list("id", flat=True)[:batch]
    )
    deleted, _ = WebhookDelivery.objects.filter(id__in=ids).delete()
    return deleted
