"""A run's page follows the run while it works: its counts and API calls grow before it ends.

A real worker runs a products sync of a few hundred articles against a Feeddex sandbox that
answers slowly; the browser reads the counts at two moments and sees them grow.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from connectors.sandboxkit.knobs import Knobs
from flows.models import FlowRun, RunStatus, Trigger
from flows.services import flow_run_request
from tests.flows.conftest import Synced, synced  # noqa: F401 - the fixture
from tests.flows.test_fairness import big_catalogue
from tests.worker import celery_worker, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.worker]

LIVE = {"FLOW_HEARTBEAT_SECONDS": "1", "FLOW_SLICE_SECONDS": "5"}


def count(page, name: str) -> int:
    text = page.locator(f'[data-testid="run-counts"] [data-count="{name}"]').inner_text()
    return int(text.split()[0])


def sign_in(journey, company: Synced) -> None:
    page = journey.page
    journey.go("/accounts/login/")
    page.get_by_label("Email").fill(company.owner.email)
    page.get_by_label("Password").fill("a long enough secret 99")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=company.tenant.name)).to_be_visible()


def test_the_run_page_shows_the_counts_growing_while_the_run_works(
    journey,
    synced: Synced,  # noqa: F811
    tmp_path,
):
    big_catalogue(synced, articles=240)
    account = synced.account
    account.knobs = Knobs(rate_per_second=0, rate_per_minute=0, latency_ms=60).dump()
    account.save(update_fields=["knobs"])
    sign_in(journey, synced)
    page = journey.page
    with celery_worker(tmp_path, concurrency=1, extra_env=LIVE) as worker:
        run = flow_run_request(flow=synced.flow("products"), trigger=Trigger.MANUAL).run
        journey.go(f"/runs/{run.pk}/")
        expect(page.get_by_role("heading", name=re.compile(f"Run #{run.pk}"))).to_be_visible()
        assert wait_until(lambda: count(page, "read") > 0, 90), worker.output()
        first_read, first_calls = (
            count(page, "read"),
            int(page.get_by_test_id("run-api-calls").inner_text()),
        )
        expect(page.get_by_test_id("run-activity")).not_to_be_empty()
        journey.shot("run-at-work")
        # The second moment too is seen while the run works: the page still says what it does.
        activity = page.get_by_test_id("run-activity")
        assert wait_until(lambda: count(page, "read") > first_read and activity.is_visible(), 90), (
            worker.output()
        )
        second_calls = int(page.get_by_test_id("run-api-calls").inner_text())
        assert second_calls > first_calls
        assert wait_until(lambda: FlowRun.objects.get(pk=run.pk).finished_at, 180)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED
    assert first_read < run.read
    expect(page.locator("#run-body .badge").first).to_have_text("succeeded", timeout=30_000)
    journey.shot("run-done")
    assert journey.errors == []
