"""Writes for the monitoring settings (the other services live beside their subject:
incidents.py, purge.py, trial.py, accounts.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from flows.masking import forget_mask_choice
from monitoring.incidents import monitoring_settings_for
from monitoring.models import MonitoringSettings
from tenants.models import Tenant, User

SETTINGS_FIELDS = (
    "failure_threshold_count",
    "failure_threshold_percent",
    "silence_multiple",
    "stuck_run_minutes",
    "no_orders_hours",
    "payload_retention_days",
    "metadata_retention_days",
    "mask_personal_data",
)
NOT_A_MEMBER = "Only members of the company can receive its emails."


@transaction.atomic
def monitoring_settings_update(
    *, tenant: Tenant, data: dict[str, Any], recipients: Iterable[User] | None = None
) -> MonitoringSettings:
    """Validate and save the tenant's monitoring settings; raise ValidationError by field."""
    settings = monitoring_settings_for(tenant)
    for name in SETTINGS_FIELDS:
        if name in data:
            setattr(settings, name, data[name])
    settings.full_clean()
    settings.save()
    if recipients is not None:
        chosen = list(recipients)
        if any(not user.memberships.filter(tenant=tenant).exists() for user in chosen):
            raise ValidationError({"recipients": [NOT_A_MEMBER]})
        settings.recipients.set(chosen)
    transaction.on_commit(lambda: forget_mask_choice(tenant.pk))
    return settings
