"""One worker process runs two tenants' slices in turn: nothing of one reaches the other.

Tasks take ids only and build their connections from the run's own integration, so a worker
keeps no tenant between tasks. The test makes that visible: tenant B's Feeddex password is
wrong while tenant A's is right, and a single worker process takes their runs alternately.
Any client, token or credential carried over from one task to the next would let B's run
write with A's sign-in (or fail A's with B's); instead A books everything and B stops at
Feeddex's refusal, with every log row under its own tenant.
"""

from __future__ import annotations

from typing import Any

import pytest

from connectors.services import connection_update_secrets
from flows import services
from flows.models import (
    FINISHED_STATUSES,
    Action,
    ApiCallLog,
    Flow,
    FlowRun,
    RecordLog,
    RunStatus,
    Trigger,
)
from tests.flows.conftest import Synced, connected_company
from tests.flows.conftest import synced as synced  # noqa: F401 - the flows tests' fixture
from tests.worker import celery_worker, wait_until

pytestmark = pytest.mark.worker

KINDS = ("customers", "products")


def tenant_with_wrong_feeddex_password() -> Synced:
    company = connected_company(email="b@example.com", name="Bakkerij B")
    feeddex = company.integration.shop
    connection_update_secrets(connection=feeddex, changes={"password": "wrong"})
    return company


def finished(runs: list[FlowRun]) -> bool:
    return all(
        status in FINISHED_STATUSES
        for status in FlowRun.objects.filter(pk__in=[r.pk for r in runs]).values_list(
            "status", flat=True
        )
    )


def test_one_worker_process_keeps_no_tenant_between_tasks(synced: Synced, tmp_path: Any):
    a, b = synced, tenant_with_wrong_feeddex_password()
    with celery_worker(tmp_path, concurrency=1) as worker:
        runs = [
            services.flow_run_start(flow=tenant.flow(kind), trigger=Trigger.MANUAL)
            for kind in KINDS
            for tenant in (a, b)  # A, B, A, B: each task follows the other tenant's
        ]
        assert wait_until(lambda: finished(runs), 180), worker.output()
    for run in runs:
        run.refresh_from_db()
        logs = RecordLog.objects.filter(run=run)
        assert set(logs.values_list("tenant_id", flat=True)) <= {run.tenant_id}
        calls = ApiCallLog.objects.filter(run=run, system="feeddex")
        if run.tenant_id == a.tenant.pk:
            assert run.status == RunStatus.SUCCEEDED, run.error
            assert logs.filter(action=Action.CREATED).exists()
            assert not calls.filter(status=401).exists()
        else:
            assert run.status == RunStatus.FAILED
            assert "Feeddex refused" in run.error
            assert not logs.filter(action__in=[Action.CREATED, Action.UPDATED]).exists()
            # Refused itself, or refused without a call: its connection was marked by the run
            # before it, and no run calls a connection that must be connected again.
            assert calls.filter(status=401).exists() or "connected again" in run.error
    assert not Flow.objects.filter(integration=a.integration, needs_attention=True).exists()
    attention = Flow.objects.filter(integration=b.integration, kind__in=KINDS)
    assert all(flow.needs_attention for flow in attention)
