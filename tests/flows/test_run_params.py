"""FlowRun.params is a typed model (flows/run_params.py): fields, not a bag of keys."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import serializers
from django.db import connection
from pydantic import ValidationError

from flows.models import FlowRun, Trigger
from flows.run_params import RunParams
from tests.factories import make_integration

pytestmark = pytest.mark.django_db


@pytest.fixture
def flow(world):
    return make_integration(world.tenant).flows.get(kind="stock")


def stored_json(run: FlowRun) -> Any:
    with connection.cursor() as cursor:
        cursor.execute("select params::text from flows_flowrun where id = %s", [run.pk])
        return cursor.fetchone()[0]


def test_a_run_gives_its_params_as_fields_whether_just_made_or_loaded(flow):
    run = FlowRun.objects.create(
        tenant=flow.tenant, flow=flow, trigger=Trigger.MANUAL, params={"skus": ["A", "B"]}
    )
    assert run.params.skus == ["A", "B"]
    assert run.params.record_log_ids is None
    loaded = FlowRun.objects.get(pk=run.pk)
    assert loaded.params == RunParams(skus=["A", "B"])
    assert loaded.params.busy_attempts == 0
    assert stored_json(run) == '{"skus": ["A", "B"]}'  # only what is set


def test_a_new_run_without_params_has_empty_ones(flow):
    run = FlowRun.objects.create(tenant=flow.tenant, flow=flow, trigger=Trigger.SCHEDULE)
    assert run.params == RunParams()
    assert FlowRun.objects.get(pk=run.pk).params.skus is None
    assert stored_json(run) == "{}"


def test_old_rows_stay_readable_and_bad_ones_say_what_is_wrong(flow):
    run = FlowRun.objects.create(tenant=flow.tenant, flow=flow, trigger=Trigger.RETRY)
    # A key an older version wrote, beside a count stored as text.
    FlowRun.objects.filter(pk=run.pk).update(params={"continued": True, "busy_attempts": "2"})
    assert FlowRun.objects.get(pk=run.pk).params == RunParams(busy_attempts=2)
    FlowRun.objects.filter(pk=run.pk).update(params={"record_log_ids": "all"})
    with pytest.raises(ValidationError, match="record_log_ids"):
        FlowRun.objects.get(pk=run.pk)


def test_queries_on_its_keys_still_work(flow):
    run = FlowRun.objects.create(
        tenant=flow.tenant, flow=flow, trigger=Trigger.RETRY, params=RunParams(auto_retry=2)
    )
    assert FlowRun.objects.filter(params__auto_retry=2).get() == run
    assert not FlowRun.objects.filter(params__has_key="skus").exists()
    assert list(FlowRun.objects.values_list("params__auto_retry", flat=True)) == [2]
    assert list(FlowRun.objects.values_list("params", flat=True)) == [{"auto_retry": 2}]


def test_serializers_and_exports_get_the_json_form(flow):
    run = FlowRun.objects.create(
        tenant=flow.tenant, flow=flow, trigger=Trigger.RETRY, params={"record_log_ids": [7]}
    )
    dumped = serializers.serialize("json", [run])
    assert '"params": {"record_log_ids": [7]}' in dumped
