"""The pages that felt slow cost a fixed number of queries, however many flows and runs a
company has (counted, not timed), and the mapping editor does not wait for the source."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from connectors.models import Connection, ConnectionStatus
from flows.models import Trigger
from tests.factories import add_run

pytestmark = pytest.mark.django_db


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.fixture
def busy(world, scene):
    """Every flow on, with real runs and a dry run each."""
    for flow in scene.integration.flows.all():
        flow.enabled = True
        flow.save()
        add_run(flow, created=2, failed=1)
        add_run(flow, created=1)
        add_run(flow, created=1, trigger=Trigger.DRY_RUN)
    return scene


@pytest.mark.parametrize(("name", "most"), [("dashboard:flows", 12), ("dashboard:home", 16)])
def test_the_flow_lists_cost_the_same_for_any_number_of_flows(world, busy, name, most):
    client = world.client_for(world.owner)
    client.get(reverse(name))  # sessions and caches warm
    assert queries(client, reverse(name)) <= most


def test_the_flow_lists_show_the_last_real_run_and_success(world, busy):
    body = world.client_for(world.owner).get(reverse("dashboard:flows")).content.decode()
    assert body.count('data-testid="flow-') == 5
    assert "1 created" in body  # the last real run, not the dry run after it
    assert "would be created" not in body


def test_the_mapping_editor_comes_before_its_samples(world, busy):
    products = busy.products
    Connection.objects.filter(pk=busy.integration.accounting.pk).update(status=ConnectionStatus.OK)
    page = world.client_for(world.owner).get(reverse("dashboard:mapping", args=[products.pk]))
    body = page.content.decode()
    # Reading the source would take seconds (it is not even reachable here): the preview
    # asks for itself once the page is there, and says what it is doing meanwhile.
    assert 'data-testid="preview-pending"' in body
    assert "Reading a few sample records from Asperion" in body
    assert 'hx-trigger="load"' in body
