"""Account deletion (owner only; every row of the tenant goes, nothing of another) and export."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD
from flows.models import ApiCallLog, LedgerEntry, RecordLog, RunStatus
from monitoring.accounts import tenant_delete, tenant_delete_request
from monitoring.models import Incident, PurgeAudit, TenantDeletion
from monitoring.services import monitoring_settings_update
from tenants.models import Membership, Role, Tenant, User
from tenants.services import membership_add
from tests.factories import make_connection, make_run

pytestmark = pytest.mark.django_db

DELETE = "monitoring:account_delete"


def every_row() -> dict[str, set[Any]]:
    """The primary keys of every row of every model (sessions aside: logging in makes them)."""
    return {
        model._meta.label: set(model._default_manager.values_list("pk", flat=True))
        for model in apps.get_models(include_auto_created=True)
        if model._meta.label != "sessions.Session"
    }


def populate(tenant: Tenant, owner: User) -> None:
    """Give a tenant a row in every table the product writes."""
    from dashboard.services import wizard_state_for
    from flows.services import integration_create
    from tenants.services import api_token_create

    integration = integration_create(
        tenant=tenant,
        accounting=make_connection(tenant, "asperion"),
        shop=make_connection(tenant, "feeddex"),
    )
    integration.live = True
    integration.save()
    flow = integration.flows.get(kind="orders")
    run = make_run(flow, RunStatus.FAILED, read=2, failed=2, error="boom")
    for key in ("A-1", "A-2"):
        RecordLog.objects.create(
            tenant=tenant,
            run=run,
            flow=flow,
            entity="order",
            key=key,
            action="failed",
            payload={"email": "x@example.com"},
        )
    LedgerEntry.objects.create(
        tenant=tenant, flow=flow, source_key="A-1", last_outcome="failed", last_run=run
    )
    ApiCallLog.objects.create(run=run, system="feeddex", method="GET", path="/orders", status=503)
    Incident.objects.create(
        tenant=tenant,
        kind="flows_failing",
        subject=f"integration:{integration.pk}",
        integration=integration,
        flow=flow,
    )
    PurgeAudit.objects.create(
        tenant=tenant, pass_id="p1", payloads_cutoff=run.queued_at, metadata_cutoff=run.queued_at
    )
    monitoring_settings_update(tenant=tenant, data={"mask_personal_data": True}, recipients=[owner])
    api_token_create(user=owner, tenant=tenant, name="ci")
    wizard_state_for(tenant=tenant)


def test_deletion_leaves_no_row_of_the_tenant_and_touches_no_other(world: Any) -> None:
    populate(world.other_tenant, world.outsider)
    both = User.objects.create_user(email="erin@example.com", password=PASSWORD)
    membership_add(tenant=world.other_tenant, user=both, role=Role.ADMIN)
    # The world made tenant A and its two members already; all else of A comes after this.
    first_members = set(Membership.objects.filter(tenant=world.tenant).values_list("pk", flat=True))
    before = every_row()

    populate(world.tenant, world.owner)
    membership_add(tenant=world.tenant, user=both, role=Role.ADMIN)
    made = every_row()
    assert {label for label in made if made[label] - before[label]} >= {
        "connectors.Connection",
        "flows.Integration",
        "flows.Flow",
        "flows.FlowRun",
        "flows.RecordLog",
        "flows.LedgerEntry",
        "flows.ApiCallLog",
        "mapping.Mapping",
        "mapping.MappingVersion",
        "monitoring.Incident",
        "monitoring.PurgeAudit",
        "monitoring.MonitoringSettings",
        "monitoring.MonitoringSettings_recipients",
        "tenants.ApiToken",
        "dashboard.WizardState",
        "tenants.Membership",
    }
    tenant_delete_request(tenant=world.tenant)
    assert tenant_delete(tenant_id=world.tenant.pk, batch_size=1)

    after = every_row()
    changed = {
        label: after[label] ^ before[label] for label in before if after[label] != before[label]
    }
    # Of what existed before only tenant A, its first members, and alice and bob go (they
    # belonged to nothing else); every row made afterwards is gone, in every table.
    assert changed == {
        "tenants.Tenant": {world.tenant.pk},
        "tenants.Membership": first_members,
        "tenants.User": {world.owner.pk, world.viewer.pk},
    }
    assert User.objects.filter(email="erin@example.com").exists()  # still in Charlie BV


def test_the_owner_deletes_the_company_and_is_logged_out(world: Any, deliver: Any) -> None:
    client = world.client_for(world.owner)
    assert client.get(reverse(DELETE)).status_code == 200

    with deliver():
        response = client.post(reverse(DELETE), {"password": PASSWORD, "company_name": "Alice BV"})

    assert response.status_code == 302
    assert response["Location"] == reverse("monitoring:account_deleted")
    assert SESSION_KEY not in client.session
    assert not Tenant.objects.filter(pk=world.tenant.pk).exists()
    assert not User.objects.filter(pk__in=[world.owner.pk, world.viewer.pk]).exists()
    assert not TenantDeletion.objects.exists()
    assert Tenant.objects.filter(pk=world.other_tenant.pk).exists()
    assert Membership.objects.filter(tenant=world.other_tenant, user=world.outsider).exists()
    assert client.get(reverse("monitoring:account_deleted")).status_code == 200


@pytest.mark.parametrize(
    ("field", "value"),
    [("password", "wrong password 42"), ("company_name", "alice bv"), ("company_name", "")],
)
def test_deletion_needs_the_password_and_the_exact_company_name(
    world: Any, field: str, value: str
) -> None:
    data = {"password": PASSWORD, "company_name": "Alice BV", field: value}
    response = world.client_for(world.owner).post(reverse(DELETE), data)

    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert Tenant.objects.filter(pk=world.tenant.pk).exists()
    assert not TenantDeletion.objects.exists()


def test_only_an_owner_may_delete(world: Any) -> None:
    admin = User.objects.create_user(email="dana@example.com", password=PASSWORD)
    membership_add(tenant=world.tenant, user=admin, role=Role.ADMIN)
    data = {"password": PASSWORD, "company_name": "Alice BV"}
    for user in (admin, world.viewer):
        client = world.client_for(user)
        assert client.get(reverse(DELETE)).status_code == 403
        assert client.post(reverse(DELETE), data).status_code == 403
    assert Tenant.objects.filter(pk=world.tenant.pk).exists()


def test_an_outsider_deletes_only_their_own_company(world: Any) -> None:
    client = world.client_for(world.outsider)
    response = client.post(reverse(DELETE), {"password": PASSWORD, "company_name": "Alice BV"})
    assert response.status_code == 200  # the name of their own company is expected
    assert Tenant.objects.filter(pk=world.tenant.pk).exists()
    assert Tenant.objects.filter(pk=world.other_tenant.pk).exists()


def test_signed_out_visitors_are_sent_to_login(world: Any) -> None:
    response = Client().post(reverse(DELETE), {"password": PASSWORD, "company_name": "Alice BV"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_lost_deletion_task_is_finished_by_the_purge(world: Any) -> None:
    from monitoring.purge import purge_slice

    tenant_delete_request(tenant=world.tenant)  # (its task is queued on commit: never runs)
    assert Tenant.objects.filter(pk=world.tenant.pk).exists()
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        purge_slice(pass_id=None)
    assert not Tenant.objects.filter(pk=world.tenant.pk).exists()


def test_the_export_has_the_configuration_and_no_secret(world: Any) -> None:
    from flows.models import Integration

    Integration.objects.create(
        tenant=world.tenant,
        accounting=make_connection(world.tenant, "asperion"),
        shop=make_connection(world.tenant, "feeddex"),
    )
    response = world.client_for(world.owner).get(reverse("monitoring:account_export"))

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["company"]["name"] == "Alice BV"
    assert {m["email"] for m in data["members"]} == {"alice@example.com", "bob@example.com"}
    assert [c["system"] for c in data["connections"]] == ["asperion", "feeddex"]
    assert data["monitoring"]["payload_retention_days"] == 30
    assert "secret-" not in response.content.decode()
    assert (
        world.client_for(world.viewer).get(reverse("monitoring:account_export")).status_code == 403
    )
