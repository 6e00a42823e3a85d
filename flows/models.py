"""Flows, their runs, every record's journey (RecordLog) and the sync ledger."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from connectors.models import Connection
from flows.run_params import RunParamsField
from tenants.models import Tenant

if TYPE_CHECKING:
    from flows.definitions import FlowDefinition


def flow_kind_choices() -> list[tuple[str, StrOrPromise]]:
    """Every flow's kind and label, from its definition (flows/registry.py)."""
    from flows.registry import flow_kind_choices as choices

    return choices()


# The roles a connection plays in an integration; the flows ask for a connector by role.
ROLES = ("accounting", "shop")


class Integration(models.Model):
    """A tenant's pair of connections that the flows run between: its accounting system and
    its shop."""

    tenant = models.ForeignKey(Tenant, models.CASCADE, related_name="integrations")
    name = models.CharField(max_length=120, default="Asperion ↔ Feeddex")
    accounting = models.ForeignKey(Connection, models.PROTECT, related_name="+")
    shop = models.ForeignKey(Connection, models.PROTECT, related_name="+")
    live = models.BooleanField(default=False, help_text="Scheduled runs happen only when live.")
    # Customer settings the accounting system requires for new debtors, shared by two flows
    # (CustomerDefaults).
    customer_defaults = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name

    def connection(self, role: str) -> Connection:
        """The connection that plays a role ("accounting" or "shop")."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        connection: Connection = getattr(self, role)
        return connection

    def connections(self) -> dict[str, Connection]:
        return {role: self.connection(role) for role in ROLES}


class Flow(models.Model):
    tenant = models.ForeignKey(Tenant, models.CASCADE, related_name="flows")
    integration = models.ForeignKey(Integration, models.CASCADE, related_name="flows")
    kind = models.CharField(max_length=24, choices=flow_kind_choices)
    enabled = models.BooleanField(default=False)
    interval_minutes = models.PositiveIntegerField(default=15)
    settings = models.JSONField(default=dict, blank=True)
    mapping = models.ForeignKey(
        "mapping.Mapping", models.SET_NULL, null=True, blank=True, related_name="flows"
    )
    # The orders flow also maps the order's customer to a debtor of the accounting system.
    customer_mapping = models.ForeignKey(
        "mapping.Mapping", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Where the next read starts, per stream: {"orders": "<opaque connector cursor>", ...}.
    cursor = models.JSONField(default=dict, blank=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    # The run that holds this flow: set by a conditional UPDATE so two runs never overlap.
    running_run = models.ForeignKey(
        "FlowRun", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    needs_attention = models.BooleanField(default=False)
    attention_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["integration", "kind"], name="one_flow_per_kind"),
        ]
        indexes: ClassVar = [models.Index(fields=["enabled", "next_run_at"])]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def definition(self) -> FlowDefinition:
        from flows.registry import flow_definition

        return flow_definition(self.kind)

    @property
    def direction(self) -> str:
        """From which system to which, as the integration connects them: "<source> → <target>"
        (the systems' keys)."""
        integration, definition = self.integration, self.definition
        source = integration.connection(definition.source).system
        return f"{source} → {integration.connection(definition.target).system}"

    def schedule_next(self) -> None:
        self.next_run_at = timezone.now() + timedelta(minutes=self.interval_minutes)


class Trigger(models.TextChoices):
    SCHEDULE = "schedule", _("Schedule")
    MANUAL = "manual", _("Run now")
    WEBHOOK = "webhook", _("Webhook")
    RETRY = "retry", _("Retry")
    DRY_RUN = "dry_run", _("Dry run")


class RunStatus(models.TextChoices):
    """How a run ended, in the words the dashboard, the API and the emails all use."""

    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    # The run went through its records, and some of them failed.
    PARTIAL = "succeeded_with_failures", _("Succeeded with failures")
    # The run itself stopped (credentials, an unreachable system, a worker lost): the reason
    # is in its error.
    FAILED = "failed", _("Failed")
    # Stopped before its end by a person, by the trial's end, or because another run of the
    # flow was busy for too long.
    CANCELLED = "cancelled", _("Cancelled")


# A run in one of these states writes nothing any more.
FINISHED_STATUSES = (RunStatus.SUCCEEDED, RunStatus.PARTIAL, RunStatus.FAILED, RunStatus.CANCELLED)
# Runs that went through their records (some records may have failed).
COMPLETED_STATUSES = (RunStatus.SUCCEEDED, RunStatus.PARTIAL)
ACTIVE_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)


class FlowRun(models.Model):
    tenant = models.ForeignKey(Tenant, models.CASCADE, related_name="+")
    flow = models.ForeignKey(Flow, models.CASCADE, related_name="runs")
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    status = models.CharField(max_length=24, choices=RunStatus.choices, default=RunStatus.QUEUED)
    # What the run is asked to do beyond its flow's usual pass (a webhook's order, a retry's
    # records, the SKUs of booked orders) and its retry counters: a RunParams, read typed.
    params = RunParamsField(default=dict, blank=True)
    # The fencing token of the slice that owns the run: every slice that takes the run raises
    # it, and every write of a slice checks it, so a slice that was taken over stops at its
    # next write (flows/lease.py).
    lease = models.PositiveIntegerField(default=0)
    # What the run is doing now ("reading page 3 of articles", "retrying after a 503"),
    # saved with its counts every few seconds while it works.
    activity = models.CharField(max_length=200, blank=True)
    # Where the run is inside the page it works on, so that the next slice carries on at
    # the next record (flows/position.py).
    position = models.JSONField(default=dict, blank=True)
    read = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    # Of the skipped: unchanged since the last run, counted but not logged one row each
    # (unless the flow's settings ask for it).
    unchanged = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    api_calls = models.PositiveIntegerField(default=0)
    mapping_version = models.PositiveIntegerField(null=True, blank=True)
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # The slice is over and the next one waits in the queue: silence is judged by how long a
    # task may wait there (FLOW_TASK_LOST_SECONDS), not by the heartbeat's interval.
    between_slices = models.BooleanField(default=False)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    # The error as a code with parameters (flows/reasons.py), shown in the reader's language;
    # empty for an error not known there and for runs from before the codes.
    error_code = models.CharField(max_length=40, blank=True)
    error_params = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["tenant", "-id"]),
            models.Index(fields=["flow", "-id"]),
            models.Index(fields=["status", "heartbeat_at"]),
        ]

    def __str__(self) -> str:
        return f"run {self.pk} of {self.flow}"

    @property
    def dry_run(self) -> bool:
        return self.trigger == Trigger.DRY_RUN

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def outcome(self) -> str:
        """The status in the words a person reads: a run that went through its records and
        failed every one of them did not succeed in anything ("all_failed")."""
        went_through = self.created + self.updated + self.skipped
        if self.status == RunStatus.PARTIAL and self.failed and not went_through:
            return "all_failed"
        return str(self.status)

    @property
    def duration(self) -> timedelta | None:
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None


class Action(models.TextChoices):
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")
    SKIPPED = "skipped", _("Skipped")
    FAILED = "failed", _("Failed")


class RecordLog(models.Model):
    """One record's journey in one run: what was read, what was sent, what the target said."""

    tenant = models.ForeignKey(Tenant, models.CASCADE, related_name="+")
    run = models.ForeignKey(FlowRun, models.CASCADE, related_name="records")
    flow = models.ForeignKey(Flow, models.CASCADE, related_name="+")
    entity = models.CharField(max_length=20)
    key = models.CharField(max_length=200)
    action = models.CharField(max_length=10, choices=Action.choices)
    reason = models.TextField(blank=True)
    # The reason as a code with parameters (flows/reasons.py), as error_code on a run.
    reason_code = models.CharField(max_length=40, blank=True)
    reason_params = models.JSONField(default=dict, blank=True)
    source = models.JSONField(null=True, blank=True)
    payload = models.JSONField(null=True, blank=True)
    response = models.JSONField(null=True, blank=True)
    # For a dry run: the fields that would change, {field: [current, new]}.
    diff = models.JSONField(null=True, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    mapping_version = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    payload_purged = models.BooleanField(default=False)

    class Meta:
        indexes: ClassVar = [
            # The activity log pages by (tenant, id) descending: keyset, not OFFSET.
            models.Index(fields=["tenant", "-id"]),
            models.Index(fields=["run", "action"]),
            models.Index(fields=["tenant", "key"]),
            models.Index(fields=["created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.entity} {self.key}: {self.action}"


class LedgerEntry(models.Model):
    """What the platform last did for one source record: makes every run idempotent."""

    tenant = models.ForeignKey(Tenant, models.CASCADE, related_name="+")
    flow = models.ForeignKey(Flow, models.CASCADE, related_name="ledger")
    source_key = models.CharField(max_length=200)
    target_id = models.CharField(max_length=64, blank=True)
    payload_hash = models.CharField(max_length=64, blank=True)
    # Hash of the source record as read, the mapping version and the settings that built the
    # payload: an unchanged record is passed over before it is mapped.
    source_hash = models.CharField(max_length=64, blank=True)
    # The source record that owns the key (its id, and how a person would name it): a second
    # source record whose key comes out the same is refused instead of overwriting the first.
    source_id = models.CharField(max_length=64, blank=True)
    source_label = models.CharField(max_length=200, blank=True)
    # "booking" marks an order whose write may be in flight: on resume, look before writing.
    last_outcome = models.CharField(max_length=10)
    last_run = models.ForeignKey(FlowRun, models.SET_NULL, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["flow", "source_key"], name="one_ledger_row_per_key"),
        ]

    def __str__(self) -> str:
        return f"{self.source_key} → {self.target_id}"


class ApiCallLog(models.Model):
    """Every HTTP call a run made, for its log and the API-usage figures."""

    run = models.ForeignKey(FlowRun, models.CASCADE, related_name="calls")
    system = models.CharField(max_length=20)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=300)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    attempt = models.PositiveSmallIntegerField(default=1)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status}"


# ---- the shop's order webhooks -------------------------------------------------------------


class WebhookEndpoint(models.Model):
    """Where the shop delivers one connection's order events.

    The URL carries a random token, never the connection's id, so it can be neither guessed
    nor enumerated; the signature (with the secret in the connection's secrets) is what
    proves a delivery comes from the shop.
    """

    tenant = models.ForeignKey(Tenant, models.CASCADE, related_name="+")
    connection = models.OneToOneField(Connection, models.CASCADE, related_name="webhook_endpoint")
    token = models.CharField(max_length=64, unique=True)
    # The shop's id of the subscription; empty when not subscribed.
    subscription_id = models.CharField(max_length=64, blank=True)
    registered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # The table of the API app, where the model lived first.
        db_table = "api_webhookendpoint"

    def __str__(self) -> str:
        return f"webhook endpoint of {self.connection!r}"


class DeliveryStatus(models.TextChoices):
    ACCEPTED = "accepted", "Accepted (a run was queued)"
    IGNORED = "ignored", "Ignored (the orders flow is off)"
    REJECTED = "rejected", "Rejected (bad signature, timestamp or body)"


class WebhookDelivery(models.Model):
    """One delivery that reached an endpoint: accepted, ignored or rejected, and why.

    A verified event id is stored once per endpoint (the unique constraint), which is what
    turns the shop's repeated deliveries into one run. Rejected deliveries stay out of that
    constraint: a forged request must not block the genuine event with the same id.
    """

    tenant = models.ForeignKey(Tenant, models.CASCADE, related_name="+")
    endpoint = models.ForeignKey(WebhookEndpoint, models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices)
    event_id = models.CharField(max_length=100, blank=True)
    event_type = models.CharField(max_length=40, blank=True)
    order_id = models.CharField(max_length=40, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    # For a rejected delivery only: the start of the body, to see what was sent.
    body_excerpt = models.TextField(blank=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    run = models.ForeignKey(FlowRun, models.SET_NULL, null=True, blank=True, related_name="+")
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "api_webhookdelivery"
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["endpoint", "event_id"],
                condition=~Q(status="rejected"),
                name="one_verified_delivery_per_event",
            ),
        ]
        indexes: ClassVar = [models.Index(fields=["received_at"])]

    def __str__(self) -> str:
        return f"{self.event_type or 'delivery'} {self.event_id}: {self.status}"
