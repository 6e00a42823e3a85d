"""Bad data straight in the sandboxes' tables, then a real run over HTTP (live server).

The `bare` fixture empties the sandboxes of their seeded articles, debtors, invoices and
orders, so that a run reads only the odd records a test adds (and a good one beside them, to
show that the rest of the run goes on).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from connectors.asperion.sandbox import models as asperion_db
from flows.models import Action, FlowRun, RecordLog, RunStatus
from tests.flows.conftest import Synced
from tests.flows.conftest import shop as shop  # noqa: F401 - fixtures of the flows tests
from tests.flows.conftest import synced as synced  # noqa: F401

HUGE = 200_000
EMOJI = "🚲🛞✨ Ünïcødé fiets 自転車 دراجة \u200b\u202eRTL"


@pytest.fixture(autouse=True)
def _private_cache(settings: Any) -> Iterator[None]:
    """A cache of this process only: the sweeps clear it before every request (throttles,
    rate counters), which must not touch the file cache other test runs share."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "badinput-tests",
        }
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def bare(shop: Synced) -> Synced:
    """The sandbox integration with no seeded articles (but the shipping one) or debtors."""
    administration = shop.administration
    asperion_db.SalesInvoice.objects.filter(administration=administration).delete()
    asperion_db.Article.objects.filter(administration=administration).exclude(
        code="VERZEND"
    ).delete()
    asperion_db.Debtor.objects.filter(administration=administration).delete()
    return shop


def soon() -> Any:
    """A change time after the baseline run's cursor."""
    return timezone.now() + timedelta(seconds=2)


def article(synced: Synced, code: str, **fields: Any) -> asperion_db.Article:
    administration = synced.administration
    values: dict[str, Any] = {
        "description": f"Artikel {code}",
        "sales_price": "10.00",
        "current_stock": "5",
        "sales_type": asperion_db.SalesType.objects.filter(administration=administration)
        .order_by("id")
        .first(),
        "date_last_change": soon(),
        **fields,
    }
    return asperion_db.Article.objects.create(administration=administration, code=code, **values)


def debtor(synced: Synced, number: str, **fields: Any) -> asperion_db.Debtor:
    administration = synced.administration
    values: dict[str, Any] = {
        "name": f"Klant {number}",
        "address": "Keizersgracht 123A",
        "post_code": "1015 CJ",
        "city": "Amsterdam",
        "email_address": f"klant{number}@example.nl",
        "debtor_kind": asperion_db.DebtorKind.objects.filter(administration=administration)
        .order_by("id")
        .first(),
        "date_last_change": soon(),
        **fields,
    }
    return asperion_db.Debtor.objects.create(
        administration=administration, customer_number=number, **values
    )


def logs_by_key(run: FlowRun) -> dict[str, RecordLog]:
    return {log.key: log for log in RecordLog.objects.filter(run=run)}


def assert_each_ended_with_a_reason(run: FlowRun, keys: Iterable[str]) -> dict[str, RecordLog]:
    """The run went through (succeeded, with failures when a record failed), and every key
    has a log entry; a failed or skipped one says why."""
    assert run.status == (RunStatus.PARTIAL if run.failed else RunStatus.SUCCEEDED), run.error
    logs = logs_by_key(run)
    for key in keys:
        assert key in logs, f"{key!r} has no log entry; logged: {sorted(logs)}"
        log = logs[key]
        if log.action in (Action.FAILED, Action.SKIPPED):
            assert log.reason.strip(), f"{key!r} {log.action} without a reason"
    return logs
