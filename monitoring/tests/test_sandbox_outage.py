"""The demo: the Feeddex sandbox answers 500/503 to everything, then heals.

Real runs against both sandboxes over HTTP (the live server): the failures go through the
run lifecycle and the hook into the monitoring, and the owner gets exactly one failure
email for the outage, however many flows and runs fail, and one recovery email.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from connectors.sandboxkit.knobs import Knobs
from flows.models import Action, Flow, RecordLog, RunStatus, Trigger
from flows.services import integration_go_live
from monitoring.models import Incident, IncidentStatus
from tests.flows.conftest import Synced, shop, synced  # noqa: F401 - the fixtures

pytestmark = pytest.mark.django_db(transaction=True)


def feeddex_fails(sandboxes: Synced, broken: bool) -> None:
    account = sandboxes.account
    knobs = {"rate_per_second": 0, "rate_per_minute": 0, "error_rate": 1.0 if broken else 0.0}
    account.knobs = Knobs(**knobs).model_dump(mode="json")
    account.save(update_fields=["knobs"])


def test_an_outage_sends_one_email_and_healing_one_more(
    shop: Synced,  # noqa: F811
    eager_celery: None,
    settings: Any,
) -> None:
    # `shop`: no orders yet, and the shipping-cost article that the orders flow needs.
    settings.CONNECTOR_RETRY_MAX_ATTEMPTS = 1  # fail at once: the retries are not the subject
    # Switched on by a plain update: flow_set_enabled also registers the orders webhook at
    # Feeddex, which is the API app's subject, not this test's.
    Flow.objects.filter(integration=shop.integration, kind__in=["orders", "products"]).update(
        enabled=True, next_run_at=timezone.now()
    )
    integration_go_live(integration=shop.integration)
    feeddex_fails(shop, broken=True)

    outage = [shop.run(kind) for kind in ("orders", "products", "orders")]

    # Orders cannot read; products reads Asperion but every write to Feeddex fails.
    assert [run.status for run in outage] == [
        RunStatus.FAILED,
        RunStatus.PARTIAL,  # it went through its articles, and every write failed
        RunStatus.FAILED,
    ]
    assert outage[1].failed > 0
    assert outage[1].created == 0
    [email] = mail.outbox
    assert email.to == ["shop@example.com"]
    # Sent when the first flow failed; the products flow joined the incident without one.
    assert email.subject == "[APIcenter] Fietsen Jansen: The Orders flow is failing."
    assert "(injected by the sandbox)" in email.body
    assert f"/runs/{outage[0].pk}/" in email.body
    assert {f["kind"] for f in Incident.objects.get().details["flows"]} == {"orders", "products"}

    feeddex_fails(shop, broken=False)
    healed = [shop.run(kind) for kind in ("orders", "products")]
    assert [run.status for run in healed] == [RunStatus.SUCCEEDED] * 2
    # Articles whose write failed may be behind the products flow's cursor: then they are
    # not in Feeddex until retried (as the email says), and the incident waits for that.
    if Incident.objects.get().is_open:
        assert len(mail.outbox) == 1
        failed_ids = RecordLog.objects.filter(run=outage[1], action=Action.FAILED)
        retry = shop.run(
            "products",
            trigger=Trigger.RETRY,
            record_log_ids=list(failed_ids.values_list("pk", flat=True)),
        )
        assert (retry.status, retry.failed) == (RunStatus.SUCCEEDED, 0)

    assert len(mail.outbox) == 2
    assert mail.outbox[1].subject.startswith("[APIcenter] Fietsen Jansen: Resolved:")
    assert Incident.objects.get().status == IncidentStatus.RESOLVED
    # More healthy runs: no more email.
    shop.run("orders")
    assert len(mail.outbox) == 2
