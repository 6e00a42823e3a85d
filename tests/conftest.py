"""Fixtures shared by the test packages under tests/."""

from __future__ import annotations

from typing import Any

import pytest

from dashboard.services import wizard_state_for
from tests.flows.conftest import Synced, connected_company

# The flows the live company has on; each page test runs what its pages need.
LIVE_FLOWS = ["products", "customers", "review_invitations"]


@pytest.fixture
def live_company(live_server: Any, settings: Any) -> Synced:
    """A company connected to the sandboxes over the live server, live, with LIVE_FLOWS on
    and its wizard at the last step; nothing has run yet."""
    settings.SITE_URL = live_server.url
    settings.CONNECTOR_RETRY_BASE_DELAY = 0.02
    settings.FEEDDEX_SANDBOX_WEBHOOK_DELIVERY = "manual"
    company = connected_company(email="eva@fietsen-jansen.nl", name="Fietsen Jansen")
    company.integration.flows.filter(kind__in=LIVE_FLOWS).update(enabled=True)
    company.integration.live = True
    company.integration.save(update_fields=["live"])
    state = wizard_state_for(tenant=company.tenant)
    state.step = "live"
    state.save(update_fields=["step"])
    return company
