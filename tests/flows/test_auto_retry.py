"""Records that failed on an API that did not answer are retried by themselves, later."""

from __future__ import annotations

from connectors.asperion.sandbox import models as asperion_db
from flows.engine import TRANSIENT_REASON
from flows.models import Action, FlowRun, RecordLog, Trigger
from flows.retries import AUTO_RETRIES
from tests.flows.conftest import Synced, assert_succeeded, place


def execute(run: FlowRun) -> FlowRun:
    from flows import services

    while services.run_execute(run.pk) == "continued":
        pass
    run.refresh_from_db()
    return run


def fail_feeddex_writes(shop: Synced, settings) -> None:
    """Every Feeddex call answers 500 (reads of Asperion still work), for a few debtors."""
    asperion_db.SalesInvoice.objects.filter(administration=shop.administration).delete()
    keep = asperion_db.Debtor.objects.filter(administration=shop.administration).order_by("id")
    asperion_db.Debtor.objects.filter(administration=shop.administration).exclude(
        pk__in=list(keep.values_list("pk", flat=True)[:4])
    ).delete()
    settings.CONNECTOR_RETRY_MAX_ATTEMPTS = 2
    shop.set_knobs(error_rate=1.0)
    admin = shop.administration
    admin.knobs = {"rate_per_second": 0, "rate_per_minute": 0}
    admin.save(update_fields=["knobs"])


def test_records_that_failed_on_a_silent_api_get_a_later_retry_run_that_books_them(shop, settings):
    settings.FLOW_AUTO_RETRY_SECONDS = 3600  # queued for later: this test runs it by hand
    fail_feeddex_writes(shop, settings)
    first = shop.run("customers")
    failures = RecordLog.objects.filter(run=first, action=Action.FAILED)
    assert failures.exists(), first.error
    assert all(log.reason.startswith(TRANSIENT_REASON) for log in failures)
    retry = FlowRun.objects.get(flow=shop.flow("customers"), trigger=Trigger.RETRY)
    assert sorted(retry.params.record_log_ids) == sorted(failures.values_list("pk", flat=True))
    assert retry.params.auto_retry == 1
    shop.set_knobs(error_rate=0.0)
    retried = execute(retry)
    assert_succeeded(retried)
    assert retried.failed == 0
    assert retried.created + retried.updated + retried.skipped == failures.count()
    # Nothing failed on the retry: no further retry.
    assert not FlowRun.objects.filter(params__auto_retry=2).exists()


def test_the_retries_stop_after_the_last_attempt(shop, settings):
    settings.FLOW_AUTO_RETRY_SECONDS = 3600
    fail_feeddex_writes(shop, settings)
    run = shop.run("customers")
    for attempt in range(1, AUTO_RETRIES + 1):
        run = FlowRun.objects.get(flow=shop.flow("customers"), params__auto_retry=attempt)
        run = execute(run)
        assert run.failed > 0
    assert not FlowRun.objects.filter(params__auto_retry=AUTO_RETRIES + 1).exists()


def test_records_that_cannot_succeed_as_they_are_are_not_retried_by_themselves(shop, settings):
    settings.FLOW_AUTO_RETRY_SECONDS = 3600
    place(shop, email="fout@example.nl", skus=["BESTAAT-NIET"])
    run = shop.run("orders")
    assert run.failed == 1
    assert not FlowRun.objects.filter(trigger=Trigger.RETRY).exists()
