"""Rows of two tenants for the security tests, built once per test with the ORM.

The first tenant's rows carry marker strings (`ALICE-…`) that must never show up in a page
or an API answer given to the outsider, who belongs to the second tenant.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from billing.models import Invoice
from connectors.models import Connection
from connectors.services import connection_create
from flows.models import Flow, FlowRun, Integration, RecordLog, RunStatus, Trigger, WebhookEndpoint
from flows.services import integration_create
from tenants.models import ApiToken, Membership, Tenant, User
from tenants.services import api_token_create

MARKERS = ("ALICE-SKU-0001", "ALICE-BAD-0001", "Alice Asperion", "Alice Feeddex")


@dataclass
class TenantRows:
    asperion: Connection
    feeddex: Connection
    integration: Integration
    flow: Flow
    run: FlowRun
    record: RecordLog
    failed: RecordLog
    endpoint: WebhookEndpoint
    invoice: Invoice


@dataclass
class Estate:
    tenant: Tenant
    other_tenant: Tenant
    owner: User
    viewer: User
    outsider: User
    mine: TenantRows
    theirs: TenantRows
    viewer_membership: Membership
    owner_token: ApiToken
    keys: dict[str, str] = field(default_factory=dict)


def connections_of(tenant: Tenant, label: str) -> tuple[Connection, Connection]:
    asperion = connection_create(
        tenant=tenant,
        system="asperion",
        name=f"{label} Asperion",
        config={"api_base_url": "https://api.asperion.nl", "administration_id": 1},
        secrets={"client_secret": f"{label}-cs-secret", "refresh_token": f"{label}-rt-secret"},
    )
    feeddex = connection_create(
        tenant=tenant,
        system="feeddex",
        name=f"{label} Feeddex",
        config={"api_base_url": "https://api.feeddex.nl", "organization": label.lower()},
        secrets={"auth_code": f"{label}-ac-secret", "password": f"{label}-pw-secret"},
    )
    return asperion, feeddex


def finished_run(flow: Flow, prefix: str) -> tuple[FlowRun, RecordLog, RecordLog]:
    now = timezone.now()
    run = FlowRun.objects.create(
        tenant=flow.tenant,
        flow=flow,
        trigger=Trigger.MANUAL,
        status=RunStatus.SUCCEEDED,
        read=2,
        created=1,
        failed=1,
        started_at=now - timedelta(seconds=2),
        finished_at=now,
        mapping_version=1,
    )
    common = {"tenant": flow.tenant, "run": run, "flow": flow, "entity": "product"}
    record = RecordLog.objects.create(
        **common,
        key=f"{prefix}-SKU-0001",
        action="created",
        source={"code": f"{prefix}-SKU-0001"},
        payload={"sku": f"{prefix}-SKU-0001"},
        response={"id": 1},
        target_id="1",
    )
    failed = RecordLog.objects.create(
        **common,
        key=f"{prefix}-BAD-0001",
        action="failed",
        reason="ean: the check digit is wrong",
        source={"code": f"{prefix}-BAD-0001"},
    )
    return run, record, failed


def tenant_rows(tenant: Tenant, label: str) -> TenantRows:
    asperion, feeddex = connections_of(tenant, label)
    integration = integration_create(tenant=tenant, accounting=asperion, shop=feeddex)
    flow = integration.flows.get(kind="products")
    run, record, failed = finished_run(flow, label.upper())
    endpoint = WebhookEndpoint.objects.create(
        tenant=tenant, connection=feeddex, token=secrets.token_urlsafe(24)
    )
    invoice = Invoice.objects.create(
        tenant=tenant,
        number=f"APC-TEST-{label}",
        payment_id=f"tr_{label}",
        plan_name="Starter",
        description=f"APIcenter Starter: {label}",
        amount_excl_vat=Decimal("29.00"),
        vat_percent=21,
        vat=Decimal("6.09"),
        amount_incl_vat=Decimal("35.09"),
        company_name=tenant.name,
    )
    return TenantRows(asperion, feeddex, integration, flow, run, record, failed, endpoint, invoice)


def estate_build(
    *, tenant: Tenant, other_tenant: Tenant, owner: User, viewer: User, outsider: User
) -> Estate:
    """Connections, an integration with its five flows, a run with records, a webhook
    endpoint and API tokens in both tenants."""
    estate = Estate(
        tenant=tenant,
        other_tenant=other_tenant,
        owner=owner,
        viewer=viewer,
        outsider=outsider,
        mine=tenant_rows(tenant, "Alice"),
        theirs=tenant_rows(other_tenant, "Charlie"),
        viewer_membership=Membership.objects.get(tenant=tenant, user=viewer),
        owner_token=api_token_create(user=owner, tenant=tenant, name="owner")[0],
    )
    for name, user, member_of in (
        ("owner", owner, tenant),
        ("viewer", viewer, tenant),
        ("outsider", outsider, other_tenant),
    ):
        estate.keys[name] = api_token_create(user=user, tenant=member_of, name=name)[1]
    return estate
