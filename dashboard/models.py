"""The dashboard's own state: how far a tenant got in the setup wizard."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from flows.models import Integration
from tenants.models import Tenant


class WizardStep(models.TextChoices):
    APPS = "apps", _("Applications")
    FLOWS = "flows", _("Flows")
    SETTINGS = "settings", _("Settings")
    MAPPING = "mapping", _("Mapping")
    DRY_RUN = "dry_run", _("Dry run")
    LIVE = "live", _("Go live")


STEP_ORDER: list[str] = [step.value for step in WizardStep]


class WizardState(models.Model):
    """One row per tenant: the furthest wizard step reached, so setup resumes where it stopped."""

    tenant = models.OneToOneField(Tenant, models.CASCADE, related_name="wizard_state")
    step = models.CharField(max_length=10, choices=WizardStep.choices, default=WizardStep.APPS)
    # The integration the wizard sets up (one at a time); empty until step 1 made it.
    integration = models.ForeignKey(
        Integration, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Setting up another integration: step 1 makes new connections, never replaces the ones
    # the company's other integrations use.
    adding = models.BooleanField(default=False)
    # The dry runs started at step 5, shown with their per-record outcome.
    dry_run_ids = models.JSONField(default=list, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"wizard of {self.tenant}: {self.step}"

    @property
    def step_index(self) -> int:
        return STEP_ORDER.index(self.step)

    def reached(self, step: str) -> bool:
        return STEP_ORDER.index(step) <= self.step_index
