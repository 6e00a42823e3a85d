"""Writes for tenants and users: signup, memberships, invitations, plan changes, API tokens."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from tenants.models import (
    ApiToken,
    Invitation,
    Membership,
    Plan,
    PlanStatus,
    Role,
    SignupRequest,
    Tenant,
    User,
)
from tenants.tokens import hash_key, new_raw_key, visible_prefix

SIGNUP_SALT = "tenants.signup"
INVITATION_SALT = "tenants.invitation"
SIGNUP_LINK_DAYS = 2
INVITATION_DAYS = 14


class LinkInvalid(ValueError):
    """A confirmation or invitation link that is unknown, expired or used."""


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "tenant"
    slug, n = base, 1
    while Tenant.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def tenant_create(*, name: str, owner: User) -> Tenant:
    tenant = Tenant.objects.create(name=name, slug=_unique_slug(name))
    Membership.objects.create(user=owner, tenant=tenant, role=Role.OWNER)
    return tenant


@transaction.atomic
def signup(*, email: str, password: str, company_name: str) -> tuple[User, Tenant]:
    """Create a user, their company as a tenant in trial, and make them its owner."""
    user = User.objects.create_user(email=email, password=password)
    tenant = tenant_create(name=company_name, owner=user)
    return user, tenant


def signup_request(
    *, email: str, password: str, company_name: str, language: str = "en"
) -> SignupRequest:
    """Remember a signup and queue the mail to the address; create nothing else yet.

    The same work for every address (hash, one row, one task): whether the address has an
    account is decided by the task, so neither the answer nor its time tells it.
    """
    from tenants.tasks import signup_mail_task

    pending = SignupRequest.objects.create(
        email=email.strip().lower(),
        company_name=company_name,
        password=make_password(password),
        # A language the site does not offer (a browser's own code) falls back to English.
        language=language if language in dict(settings.LANGUAGES) else "en",
    )
    transaction.on_commit(lambda: signup_mail_task.delay(pending.pk))
    return pending


def signup_token(pending: SignupRequest) -> str:
    return signing.dumps(pending.pk, salt=SIGNUP_SALT)


def signup_pending(token: str) -> SignupRequest:
    """Return the unused signup a confirmation link names, or raise LinkInvalid."""
    try:
        pk = signing.loads(token, salt=SIGNUP_SALT, max_age=SIGNUP_LINK_DAYS * 86400)
    except signing.BadSignature:
        raise LinkInvalid("this link is not valid (any more)") from None
    pending = SignupRequest.objects.filter(pk=pk, used_at__isnull=True).first()
    if pending is None:
        raise LinkInvalid("this link was used already")
    return pending


@transaction.atomic
def signup_confirm(*, token: str) -> tuple[User, Tenant]:
    """Create the user and their company from a confirmed signup (once)."""
    pending = signup_pending(token)
    claimed = SignupRequest.objects.filter(pk=pending.pk, used_at__isnull=True).update(
        used_at=timezone.now()
    )
    if claimed != 1 or User.objects.filter(email=pending.email).exists():
        raise LinkInvalid("this link was used already")
    user = User(email=pending.email, password=pending.password, language=pending.language)
    user.save()
    return user, tenant_create(name=pending.company_name, owner=user)


def invitation_create(*, tenant: Tenant, email: str, role: str, invited_by: User) -> Invitation:
    """Invite an address to the company; nobody becomes a member before they accept."""
    invitation = Invitation(
        tenant=tenant, email=email.strip().lower(), role=Role(role), invited_by=invited_by
    )
    invitation.full_clean()
    invitation.save()
    return invitation


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps(invitation.pk, salt=INVITATION_SALT)


def invitation_open(token: str) -> Invitation:
    """Return the unanswered invitation a link names, or raise LinkInvalid."""
    try:
        pk = signing.loads(token, salt=INVITATION_SALT, max_age=INVITATION_DAYS * 86400)
    except signing.BadSignature:
        raise LinkInvalid("this invitation is not valid (any more)") from None
    invitation = Invitation.objects.filter(pk=pk, answered_at__isnull=True).first()
    if invitation is None:
        raise LinkInvalid("this invitation was answered already")
    return invitation


@transaction.atomic
def invitation_answer(*, invitation: Invitation, user: User, accept: bool) -> Membership | None:
    """Accept (a membership with the invited role) or decline; only the invited address may."""
    if user.email.lower() != invitation.email:
        raise LinkInvalid("this invitation is for another address")
    claimed = Invitation.objects.filter(pk=invitation.pk, answered_at__isnull=True).update(
        answered_at=timezone.now(), accepted=accept
    )
    if claimed != 1:
        raise LinkInvalid("this invitation was answered already")
    if not accept:
        return None
    role = Role(invitation.role)
    existing = Membership.objects.filter(tenant=invitation.tenant, user=user).first()
    if existing is not None:
        return existing  # a member already keeps their role: an invitation never demotes
    return Membership.objects.create(tenant=invitation.tenant, user=user, role=role)


def site_link(path: str) -> str:
    """An absolute link for a mail sent by a task (no request to build it from)."""
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def membership_add(*, tenant: Tenant, user: User, role: Role) -> Membership:
    membership, _ = Membership.objects.update_or_create(
        tenant=tenant, user=user, defaults={"role": role}
    )
    return membership


def plan_activate(*, tenant: Tenant, plan: Plan | None = None) -> Tenant:
    """Activate a plan by hand (staff): no end date; with no plan given, no limits."""
    tenant.plan_status = PlanStatus.ACTIVE
    tenant.plan = plan
    tenant.plan_ends_at = None
    tenant.records_wait_month = None
    tenant.save(update_fields=["plan_status", "plan", "plan_ends_at", "records_wait_month"])
    return tenant


# ---- API tokens ---------------------------------------------------------------------------

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
