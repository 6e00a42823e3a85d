"""The monitoring settings page: members read it, owners and admins change it, others 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from monitoring.models import MonitoringSettings

pytestmark = pytest.mark.django_db

URL = "monitoring:settings"
VALID = {
    "failure_threshold_count": "5",
    "failure_threshold_percent": "10",
    "silence_multiple": "4",
    "stuck_run_minutes": "45",
    "no_orders_hours": "24",
    "payload_retention_days": "14",
    "metadata_retention_days": "60",
    "mask_personal_data": "on",
}


def test_the_owner_changes_the_settings(world: Any) -> None:
    data = {**VALID, "recipients": [str(world.viewer.pk)]}
    response = world.client_for(world.owner).post(reverse(URL), data)

    assert response.status_code == 302
    saved = MonitoringSettings.objects.get(tenant=world.tenant)
    assert (saved.failure_threshold_count, saved.payload_retention_days) == (5, 14)
    assert saved.mask_personal_data is True
    assert list(saved.recipients.all()) == [world.viewer]


def test_it_rejects_payloads_kept_longer_than_metadata(world: Any) -> None:
    data = {**VALID, "payload_retention_days": "120", "metadata_retention_days": "90"}
    response = world.client_for(world.owner).post(reverse(URL), data)

    assert response.status_code == 200
    assert "cannot be kept longer" in response.content.decode()
    assert not MonitoringSettings.objects.filter(payload_retention_days=120).exists()


def test_it_offers_only_members_as_recipients(world: Any) -> None:
    data = {**VALID, "recipients": [str(world.outsider.pk)]}
    response = world.client_for(world.owner).post(reverse(URL), data)

    assert response.status_code == 200
    assert response.context["form"].errors["recipients"]


def test_a_viewer_reads_but_may_not_change(world: Any) -> None:
    client = world.client_for(world.viewer)
    page = client.get(reverse(URL))
    assert page.status_code == 200
    assert "read-only" in page.content.decode()
    assert client.post(reverse(URL), VALID).status_code == 403
    assert not MonitoringSettings.objects.filter(failure_threshold_count=5).exists()


def test_each_member_sees_only_their_own_company(world: Any) -> None:
    world.client_for(world.outsider).post(reverse(URL), VALID)
    assert MonitoringSettings.objects.get(tenant=world.other_tenant).failure_threshold_count == 5
    assert not MonitoringSettings.objects.filter(tenant=world.tenant).exists()
