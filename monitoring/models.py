"""Monitoring settings per tenant, incidents (one email each), purge audit and notices sent."""

from __future__ import annotations

from typing import ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from connectors.models import Connection
from flows.models import Flow, Integration
from tenants.models import Tenant, User

PAYLOADS_LONGER_THAN_METADATA = _(
    "Record payloads cannot be kept longer than run metadata: a log row without its run "
    "would be kept anyway."
)
NO_ORDERS_BEYOND_RETENTION = _("The no-orders period cannot be longer than run metadata is kept.")


class MonitoringSettings(models.Model):
    """What to watch for and whom to tell; one row per tenant, created on first use."""

    tenant = models.OneToOneField(Tenant, models.CASCADE, related_name="monitoring_settings")
    # Members who get the emails; none chosen means every owner and admin.
    recipients = models.ManyToManyField(User, blank=True, related_name="+")
    failure_threshold_count = models.PositiveIntegerField(
        _("failed records per run"),
        default=10,
        help_text=_("Email when at least this many records fail in one run (0 = off)."),
    )
    failure_threshold_percent = models.PositiveSmallIntegerField(
        _("failed records, percent of a run"),
        default=20,
        validators=[MaxValueValidator(100)],
        help_text=_("Email when at least this share of a run's records fails (0 = off)."),
    )
    silence_multiple = models.PositiveSmallIntegerField(
        _("no successful run for … intervals"),
        default=3,
        validators=[MinValueValidator(2), MaxValueValidator(100)],
        help_text=_("Email when a flow has not succeeded for this many times its interval."),
    )
    stuck_run_minutes = models.PositiveIntegerField(
        _("stuck run after … minutes"),
        default=30,
        validators=[MinValueValidator(10), MaxValueValidator(24 * 60)],
        help_text=_("Email when a running run has shown no progress for this long."),
    )
    no_orders_hours = models.PositiveIntegerField(
        _("no orders for … hours"),
        default=48,
        validators=[MaxValueValidator(24 * 60)],
        help_text=_("Email when the orders flow has seen no order for this long (0 = off)."),
    )
    payload_retention_days = models.PositiveIntegerField(
        _("keep record payloads for … days"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("After this, what was read and sent is erased; the log line stays."),
    )
    metadata_retention_days = models.PositiveIntegerField(
        _("keep runs and logs for … days"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text=_("After this, runs, their record logs and API calls are deleted."),
    )
    mask_personal_data = models.BooleanField(
        _("mask personal data in logs"),
        default=False,
        help_text=_("Store emails, names, addresses and phone numbers in logs only masked."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "monitoring settings"

    def __str__(self) -> str:
        return f"monitoring of {self.tenant}"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.payload_retention_days > self.metadata_retention_days:
            errors["payload_retention_days"] = [str(PAYLOADS_LONGER_THAN_METADATA)]
        if self.no_orders_hours > self.metadata_retention_days * 24:
            errors["no_orders_hours"] = [str(NO_ORDERS_BEYOND_RETENTION)]
        if errors:
            raise ValidationError(errors)


class IncidentKind(models.TextChoices):
    # Per integration: runs failed or too many records failed (one email for a whole outage).
    FLOWS_FAILING = "flows_failing", _("Flows failing")
    # Per integration: a permanent error stopped flows (credentials, consent, settings).
    NEEDS_ATTENTION = "needs_attention", _("Flows need attention")
    # Per connection: the system no longer accepts the stored credentials.
    CONNECTION = "connection", _("Connection credentials")
    # Per flow: the silent failures.
    NO_SUCCESS = "no_success", _("No successful run")
    STUCK_RUN = "stuck_run", _("Run stuck")
    NO_ORDERS = "no_orders", _("No orders")
    # Per orders flow: booked orders cancelled or refunded in the shop that only a person can
    # undo in the accounting system (one email for all of them).
    ACCOUNTING_ACTION = "accounting_action", _("Needs action in the accounting system")


class IncidentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class Incident(models.Model):
    """One problem from first sight to recovery: it gets one email, and one when it is over.

    `subject` names what the problem is about ("integration:3", "flow:12", "connection:5"):
    at most one incident per tenant, kind and subject is open at a time.
    """

    tenant = models.ForeignKey(Tenant, models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=IncidentKind.choices)
    subject = models.CharField(max_length=40)
    status = models.CharField(
        max_length=10, choices=IncidentStatus.choices, default=IncidentStatus.OPEN
    )
    integration = models.ForeignKey(
        Integration, models.CASCADE, null=True, blank=True, related_name="+"
    )
    flow = models.ForeignKey(Flow, models.CASCADE, null=True, blank=True, related_name="+")
    connection = models.ForeignKey(
        Connection, models.CASCADE, null=True, blank=True, related_name="+"
    )
    # A plain id, not a key: purging old runs must not touch incidents.
    run_id = models.BigIntegerField(null=True, blank=True)
    # What the detector saw last (flows, counts, the API's message), rendered in each
    # recipient's language when the email goes out.
    details = models.JSONField(default=dict, blank=True)
    opened_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # Resolved because the subject is no longer watched (flow switched off, trial over):
    # no recovery email then, since nothing recovered.
    resolved_silently = models.BooleanField(default=False)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    recovery_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["tenant", "kind", "subject"],
                condition=Q(status="open"),
                name="one_open_incident_per_subject",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["tenant", "status", "-id"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.subject}, {self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == IncidentStatus.OPEN


class PurgeAudit(models.Model):
    """What one purge pass removed for one tenant: kept for the tenant's own audit."""

    tenant = models.ForeignKey(Tenant, models.CASCADE, related_name="+")
    pass_id = models.CharField(max_length=40)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    payloads_cutoff = models.DateTimeField()
    metadata_cutoff = models.DateTimeField()
    payloads_purged = models.PositiveIntegerField(default=0)
    record_logs_deleted = models.PositiveIntegerField(default=0)
    api_calls_deleted = models.PositiveIntegerField(default=0)
    runs_deleted = models.PositiveIntegerField(default=0)
    # The creation times of the oldest and newest row touched: the range that was purged.
    oldest_at = models.DateTimeField(null=True, blank=True)
    newest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["tenant", "pass_id"], name="one_audit_per_pass"),
        ]
        indexes: ClassVar = [models.Index(fields=["tenant", "-id"])]

    def __str__(self) -> str:
        return f"purge {self.pass_id} of {self.tenant}"

    @property
    def total(self) -> int:
        return (
            self.payloads_purged
            + self.record_logs_deleted
            + self.api_calls_deleted
            + self.runs_deleted
        )


class NoticeKind(models.TextChoices):
    TRIAL_REMINDER = "trial_reminder", "Trial ends in three days"
    TRIAL_ENDED = "trial_ended", "Trial ended, flows paused"


class NoticeSent(models.Model):
    """A once-only email to a tenant; the unique row is the claim that it goes out once."""

    tenant = models.ForeignKey(Tenant, models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["tenant", "kind"], name="one_notice_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.tenant}"


class TenantDeletion(models.Model):
    """A deletion the owner confirmed; the row goes with the tenant when the work is done.

    The members are removed at once; the data (possibly millions of log rows) is deleted in
    batches by a task, and the purge task picks up any deletion a lost task left behind.
    """

    tenant = models.OneToOneField(Tenant, models.CASCADE, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"deletion of tenant {self.tenant_id}"


class Heartbeat(models.Model):
    """When a long-running process last showed that it works (`beat_health` reads it).

    "beat": the scheduler published its tick (flows.tasks.schedule_due_flows_task); "tick":
    a worker ran it. Rows, not cache keys: they outlive a Redis restart, and the database is
    what both the scheduler and the health check reach anyway.
    """

    name = models.CharField(max_length=20, primary_key=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}"


class MetricTotal(models.Model):
    """One counter of /metrics that finished runs add to (monitoring/metrics.py).

    Counted from the runs rather than from rows that the purge deletes, so a counter only
    grows, as Prometheus expects. `labels` is sorted JSON; histogram buckets are counters
    with an `le` label (not cumulative).
    """

    name = models.CharField(max_length=60)
    labels = models.CharField(max_length=300)
    value = models.FloatField(default=0)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["name", "labels"], name="one_total_per_labels"),
        ]

    def __str__(self) -> str:
        return f"{self.name}{self.labels} = {self.value}"


class MetricsFold(models.Model):
    """Where counting runs into MetricTotal stands (one row): every run with an id up to
    `runs_through` is counted in full; later ones have a FoldedRun. -1: not started yet."""

    runs_through = models.BigIntegerField(default=-1)

    def __str__(self) -> str:
        return f"runs counted through #{self.runs_through}"


class FoldedRun(models.Model):
    """How much of one run is counted already: its record counts and its last API call."""

    # A plain id, not a key: purging old runs must not touch this.
    run_id = models.BigIntegerField(primary_key=True)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    last_call_id = models.BigIntegerField(default=0)
    # The run finished and is counted in full.
    done = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"run #{self.run_id} counted{' in full' if self.done else ''}"
