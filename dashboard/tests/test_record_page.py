"""A record's page for people: a title that says what became of it, differences as a table
of fields in readable values, harmless differences folded away, panes that fold and copy."""

from __future__ import annotations

import pytest
from django.urls import reverse

from flows.models import RecordLog
from tests.factories import add_run

pytestmark = pytest.mark.django_db


def order_log(flow, run) -> RecordLog:
    return RecordLog.objects.create(
        tenant=flow.tenant,
        run=run,
        flow=flow,
        entity="order",
        key="18",
        action="created",
        source={"id": "18", "number": "FDX-100018", "paid": True},
        payload={
            "orderDate": "2026-12-07",
            "isPaid": True,
            "note": None,
            "lines": [{"code": "SKU-1", "price": 12.5, "quantity": 2}],
        },
        response={
            "id": 16,
            "orderNumber": "2026-00016",
            "orderDate": "2026-12-07T00:00:00Z",
            "isPaid": False,
            "lines": [{"code": "SKU-1", "price": 12.75, "quantity": 2, "id": 5}],
        },
        target_id="16",
    )


def test_the_record_page_reads_as_words(world, scene):
    orders = scene.integration.flows.get(kind="orders")
    log = order_log(orders, add_run(orders))
    page = world.client_for(world.owner).get(reverse("dashboard:record_detail", args=[log.pk]))
    body = page.content.decode()
    title = body.split('data-testid="record-title">')[1].split("</h1>")[0]
    assert title == "Order FDX-100018 → sales order 2026-00016"
    differences = body.split('data-testid="differences"')[1].split("</section>")[0]
    shown, harmless = differences.split('data-testid="harmless"')
    # The line's price changed, as money; the paid flag as yes/no; no Python in sight.
    assert "lines 1 · price" in shown
    assert "€ 12.50" in shown
    assert "€ 12.75" in shown
    assert ">yes<" in shown
    assert ">no<" in shown
    assert "{'" not in differences
    assert "None" not in differences
    # The date at another precision is harmless, folded behind "show all".
    assert "orderDate" not in shown
    assert "orderDate" in harmless
    assert 'data-testid="pane-payload"' in body
    assert 'data-copy="#json-payload"' in body


def test_the_record_page_speaks_dutch(world, scene):
    orders = scene.integration.flows.get(kind="orders")
    log = order_log(orders, add_run(orders))
    world.owner.language = "nl"
    world.owner.save()
    page = world.client_for(world.owner).get(reverse("dashboard:record_detail", args=[log.pk]))
    body = page.content.decode()
    assert "Order FDX-100018 → verkooporder 2026-00016" in body
    assert "€ 12,50" in body
    assert ">ja<" in body
