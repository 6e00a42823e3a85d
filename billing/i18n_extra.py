"""Texts the shared templates (base.html, the insights page) show for the billing, marked
here so that the billing's own catalogue (billing/locale) carries their translations."""

from __future__ import annotations

from django.utils.translation import gettext_noop

SHARED_TEMPLATE_TEXTS = (
    gettext_noop("Plan and billing"),
    gettext_noop("Choose a plan"),
    gettext_noop("Flows are paused until a plan is chosen. No data is lost."),
    gettext_noop("A payment failed: pay the open amount to keep your flows running."),
    gettext_noop("This month against your plan"),
    gettext_noop("Plans"),
)
