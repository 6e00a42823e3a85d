"""Tenants (companies), users (email login) and their memberships with roles."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone


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
    TRIAL = "trial", "Trial"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused (trial ended)"


def trial_end_from(start: Any) -> Any:
    return start + timedelta(days=settings.TRIAL_DAYS)


class Tenant(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    trial_started_at = models.DateTimeField(default=timezone.now)
    trial_ends_at = models.DateTimeField()
    plan_status = models.CharField(
        max_length=10, choices=PlanStatus.choices, default=PlanStatus.TRIAL
    )

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
        """Return whether scheduled work may run: an active plan or a trial not yet over."""
        if self.plan_status == PlanStatus.ACTIVE:
            return True
        return self.plan_status == PlanStatus.TRIAL and timezone.now() < self.trial_ends_at


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    VIEWER = "viewer", "Viewer (read-only)"


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
