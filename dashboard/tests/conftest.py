"""Fixtures of the dashboard tests: an integration with its five flows, runs and record logs.

They are built with the ORM (no HTTP) so that a view test needs no sandbox; the wizard and
end-to-end tests use the real sandboxes over HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.cache import cache

from flows.models import Flow, FlowRun, Integration, RecordLog
from tests.factories import (
    add_run,
    make_integration,
)


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@dataclass
class Scene:
    integration: Integration
    products: Flow
    run: FlowRun
    created: RecordLog
    failed: RecordLog
    other_integration: Integration
    other_record: RecordLog


@pytest.fixture
def scene(world) -> Scene:
    integration = make_integration(world.tenant)
    products = integration.flows.get(kind="products")
    run = add_run(products, created=3, failed=2)
    other = make_integration(world.other_tenant)
    other_run = add_run(other.flows.get(kind="products"), created=1)
    return Scene(
        integration=integration,
        products=products,
        run=run,
        created=run.records.filter(action="created").order_by("id")[0],
        failed=run.records.filter(action="failed").order_by("id")[0],
        other_integration=other,
        other_record=other_run.records.get(),
    )
