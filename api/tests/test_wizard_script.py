"""The README's example: the wizard's steps with the API only, against a running server,
its sandboxes and a real Celery worker."""

from __future__ import annotations

from typing import Any

import pytest

from api.examples.wizard_via_api import main
from flows.models import Flow, Integration
from tenants.services import api_token_create
from tests.worker import celery_worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_example_script_does_what_the_wizard_does(live_server, settings: Any, world, tmp_path):
    settings.ROOT_URLCONF = "apicenter.urls"
    settings.SITE_URL = live_server.url
    settings.SANDBOX_ENABLED = True
    _token, key = api_token_create(user=world.owner, tenant=world.tenant, name="script")
    lines: list[str] = []
    with celery_worker(tmp_path):
        result = main(live_server.url, key, out=lines.append)
    assert result["dry_run"]["status"] == "succeeded", lines
    run = result["run"]
    assert run["status"] == "succeeded", (run, lines)
    assert run["created"] + run["updated"] > 0
    assert {record["action"] for record in result["records"]} <= {"created", "updated", "skipped"}
    integration = Integration.objects.get(pk=result["integration"])
    assert integration.live
    enabled = set(
        Flow.objects.filter(integration=integration, enabled=True).values_list("kind", flat=True)
    )
    assert enabled == {"products", "stock", "customers", "orders"}
