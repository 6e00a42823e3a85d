"""Tenants (companies), users (email login) and their memberships with roles."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(unique=True)
    name = models.CharField(max_length=150, blank=True)
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    def __str__(self) -> str:
        return self.email


class PlanStatus(models.TextChoices):
    TRIAL = "trial", _("Trial")
    ACTIVE = "active", _("Active")
    # A recurring payment failed: flows run on for a grace period while the owner pays.
    PAST_DUE = "past_due", _("Past due")
    PAUSED = "paused", _("Paused")


def trial_end_from(start: Any) -> Any:
    return start + timedelta(days=settings.TRIAL_DAYS)


def month_start(moment: datetime) -> date:
    """The first day of the moment's month on the site's clock (usage counts per month)."""
    return timezone.localtime(moment).date().replace(day=1)


class Plan(models.Model):
    """What a company pays per month and what it may use; staff edit plans in the admin."""

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    price_excl_vat = models.DecimalField(
        _("monthly price excl. VAT (EUR)"),
        max_digits=8,
        decimal_places=2,
        help_text=_("What the company pays per month before VAT; 21 % Dutch VAT is added."),
    )
    max_integrations = models.PositiveIntegerField(
        _("integrations"),
        help_text=_("How many Asperion–Feeddex integrations the company may set up."),
    )
    records_per_month = models.PositiveIntegerField(
        _("records synced per month"),
        help_text=_(
            "Records created or updated in a target system per calendar month; past it, "
            "new records wait until the next month or an upgrade."
        ),
    )
    log_retention_days = models.PositiveIntegerField(
        _("log retention (days)"),
        help_text=_("Runs and record logs are kept at most this long."),
    )
    public = models.BooleanField(
        _("offered"), default=True, help_text=_("Shown on the plans page for companies to pick.")
    )
    position = models.PositiveSmallIntegerField(default=0, help_text=_("Order on the plans page."))

    class Meta:
        ordering: ClassVar = ["position", "price_excl_vat"]

    def __str__(self) -> str:
        return self.name


class Tenant(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    trial_started_at = models.DateTimeField(default=timezone.now)
    trial_ends_at = models.DateTimeField()
    plan_status = models.CharField(
        max_length=10, choices=PlanStatus.choices, default=PlanStatus.TRIAL
    )
    # None with an active status: a plan staff activated by hand, without limits.
    plan = models.ForeignKey(Plan, models.PROTECT, null=True, blank=True, related_name="+")
    # Flows stop at this moment: the end of a cancelled subscription's paid period, or of
    # the grace period of a payment that failed. None: no end in sight.
    plan_ends_at = models.DateTimeField(null=True, blank=True)
    # The month whose records limit is reached: new records wait until the month is over
    # or the plan allows more (set by tenants.usage, so that no query is needed to know).
    records_wait_month = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.trial_ends_at is None:
            self.trial_ends_at = trial_end_from(self.trial_started_at)
        super().save(*args, **kwargs)

    @property
    def trial_days_left(self) -> int:
        remaining = self.trial_ends_at - timezone.now()
        return max(0, remaining.days + (1 if remaining.seconds else 0))

    @property
    def flows_may_run(self) -> bool:
        """Return whether scheduled work may run: a paid plan (or a trial not yet over) whose
        period has not ended and whose records limit this month is not reached."""
        return not self.pause_reason

    @property
    def pause_reason(self) -> str:
        """Why flows do not run now, in a run's words; "" when they may."""
        now = timezone.now()
        if self.plan_ends_at is not None and now >= self.plan_ends_at:
            return "the subscription has ended: flows are paused until a plan is chosen"
        if self.plan_status == PlanStatus.TRIAL and now >= self.trial_ends_at:
            return "the trial has ended: flows are paused until a plan is chosen"
        if self.plan_status == PlanStatus.PAUSED:
            ended = "the trial has ended" if self.plan is None else "the subscription has ended"
            return f"{ended}: flows are paused until a plan is chosen"
        if self.records_wait_month == month_start(now):
            return (
                "the plan's records limit for this month is reached: new records wait "
                "until next month or an upgrade"
            )
        return ""


class UsageMonth(models.Model):
    """What a company used in one calendar month: records written and API calls made.

    Kept apart from the runs, which the purge deletes after the log retention."""

    tenant = models.ForeignKey(Tenant, models.CASCADE, related_name="usage_months")
    month = models.DateField()
    records = models.PositiveBigIntegerField(default=0)
    api_calls = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["tenant", "month"], name="one_usage_row_per_month"),
        ]

    def __str__(self) -> str:
        return f"{self.tenant_id} {self.month:%Y-%m}: {self.records} records"


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Admin")
    VIEWER = "viewer", _("Viewer (read-only)")


class Membership(models.Model):
    user = models.ForeignKey(User, models.CASCADE, related_name="memberships")
    tenant = models.ForeignKey(Tenant, models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "tenant"], name="one_membership_per_tenant"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.tenant} ({self.role})"

    @property
    def can_write(self) -> bool:
        return self.role in (Role.OWNER, Role.ADMIN)


class SignupRequest(models.Model):
    """A signup waiting for its address to be confirmed: nothing else exists before that, so
    the signup form answers alike whether or not the address has an account."""

    email = models.EmailField()
    company_name = models.CharField(max_length=200)
    password = models.CharField(max_length=256)  # hashed, as User.password
    # The language the form was filled in: the mail is written in it and the new user keeps it.
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"signup of {self.email}"


class Invitation(models.Model):
    """An offer of a membership: it becomes one only when the invitee accepts it while
    signed in with the invited address."""

    tenant = models.ForeignKey(Tenant, models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    invited_by = models.ForeignKey(User, models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    accepted = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"invitation of {self.email} to {self.tenant}"


class ApiToken(models.Model):
    """A user's key for the REST API, scoped to one tenant.

    Only a SHA-256 hash of the key is stored: the raw key is shown once, when it is made.
    A random 256-bit key needs no slow hash (there is nothing to brute-force), and a plain
    digest can be looked up by an index on every request.
    """

    tenant = models.ForeignKey(Tenant, models.CASCADE, related_name="api_tokens")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    # The first characters of the key, shown in lists so a user can tell tokens apart.
    prefix = models.CharField(max_length=16)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The table of the API app, where the model lived first.
        db_table = "api_apitoken"
        indexes: ClassVar = [models.Index(fields=["tenant", "-id"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
