"""Record logs and API calls written by COPY read back as they were made."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from connectors.sandboxkit.provision import sandbox_connect
from flows.copy_rows import insert_rows
from flows.models import Action, ApiCallLog, FlowRun, RecordLog
from flows.services import integration_ensure


def a_run(tenant, kind: str) -> FlowRun:
    sandbox_connect(tenant=tenant)
    flow = integration_ensure(tenant=tenant).flows.get(kind=kind)
    return FlowRun.objects.create(tenant=tenant, flow=flow, trigger="manual")


AWKWARD = "tab\there, new\nline, back\\slash, \\N, quote \" and ' — ëuro € 🚲, NUL-free"


def test_rows_copied_read_back_as_made(world):
    tenant = world.tenant
    run = a_run(tenant, "products")
    flow = run.flow
    made = [
        RecordLog(
            tenant=tenant,
            run=run,
            flow=flow,
            entity="product",
            key=f"SKU-{n}",
            action=Action.CREATED if n else Action.FAILED,
            reason=AWKWARD if not n else "",
            reason_params={"field": AWKWARD} if not n else {},
            source={"name": AWKWARD, "price": str(Decimal("12.10")), "tags": [1, None, True]},
            payload=None if n else {"nested": {"list": [AWKWARD]}},
            response={"id": n},
            diff=None,
            target_id=str(1000 + n),
            mapping_version=n or None,
        )
        for n in range(3)
    ]
    insert_rows(RecordLog, made)
    stored = list(RecordLog.objects.filter(run=run).order_by("key"))
    assert len(stored) == 3
    for row, original in zip(stored, made, strict=True):
        for name in ("tenant_id", "run_id", "flow_id", "entity", "key", "action", "reason"):
            assert getattr(row, name) == getattr(original, name)
        for name in ("reason_params", "source", "payload", "response", "diff", "target_id"):
            assert getattr(row, name) == getattr(original, name)
        assert row.mapping_version == original.mapping_version
        assert row.created_at == original.created_at
        assert row.payload_purged is False
    # The activity log's newest-first paging still finds them by id.
    assert RecordLog.objects.filter(tenant=tenant).order_by("-id").first().key == "SKU-2"


def test_api_calls_copied_with_their_times(world):
    run = a_run(world.tenant, "orders")
    when = timezone.now()
    calls = [
        ApiCallLog(run=run, system="asperion", method="GET", path="/v1/articles?page=2",
                   status=200, duration_ms=12, attempt=1, error="", created_at=when),
        ApiCallLog(run=run, system="feeddex", method="POST", path="/v1/products",
                   status=503, duration_ms=2001, attempt=2, error=AWKWARD),
    ]  # fmt: skip
    insert_rows(ApiCallLog, calls)
    stored = list(ApiCallLog.objects.filter(run=run).order_by("id"))
    assert [(c.system, c.status, c.attempt, c.error) for c in stored] == [
        ("asperion", 200, 1, ""),
        ("feeddex", 503, 2, AWKWARD),
    ]
    assert stored[0].created_at == when
    insert_rows(ApiCallLog, [])  # nothing to write is no statement
    assert ApiCallLog.objects.filter(run=run).count() == 2
