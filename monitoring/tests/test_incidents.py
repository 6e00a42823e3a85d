"""Failure emails: one per incident, a recovery email, the right people, the right language."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from flows.models import Flow, RunStatus, Trigger
from flows.notifications import run_finished
from monitoring.incidents import incidents_reconcile
from monitoring.models import Incident, IncidentKind, IncidentStatus
from monitoring.services import monitoring_settings_update
from tests.factories import failed_record, make_flow, make_run

pytestmark = pytest.mark.django_db

BOOM = "Feeddex answered 503 Service Unavailable: maintenance until 14:00"


def finish(team: Any, deliver: Any, flow: Flow, status: str = RunStatus.FAILED, **kw: Any) -> Any:
    """A run finishes and the lifecycle calls the hook on commit, as flows.services does."""
    run = make_run(flow, status, **kw)
    with deliver():
        run_finished(run.pk)
    return run


def recipients_of(messages: list[Any]) -> list[str]:
    return sorted(address for m in messages for address in m.to)


def test_a_failed_run_sends_one_email_to_owners_and_admins(team: Any, deliver: Any) -> None:
    run = finish(team, deliver, team.products, error=BOOM)

    assert recipients_of(mail.outbox) == ["alice@example.com", "dana@example.com"]
    email: Any = next(m for m in mail.outbox if m.to == ["alice@example.com"])
    assert email.subject == "[APIcenter] Alice BV: The Products flow is failing."
    assert BOOM in email.body
    # The run's own status words, as on its page: it failed before reading anything.
    assert "The last run failed before reading any record." in email.body
    assert f"http://127.0.0.1:8000/runs/{run.pk}/" in email.body
    assert "What to do:" in email.body
    html, mimetype = email.alternatives[0]
    assert mimetype == "text/html"
    assert BOOM in html
    assert f"/runs/{run.pk}/" in html
    incident = Incident.objects.get()
    assert (incident.kind, incident.status) == (IncidentKind.FLOWS_FAILING, IncidentStatus.OPEN)
    assert incident.email_sent_at is not None


def test_a_run_that_failed_after_reading_says_it_stopped_before_it_was_done(
    team: Any, deliver: Any
) -> None:
    finish(team, deliver, team.products, error=BOOM, read=40)
    email = next(m for m in mail.outbox if m.to == ["alice@example.com"])
    assert "The last run failed: it stopped before it was done" in email.body
    assert "before reading any record" not in email.body


def test_more_failures_of_the_same_outage_send_no_more_email(team: Any, deliver: Any) -> None:
    finish(team, deliver, team.products, error=BOOM)
    mail.outbox.clear()

    finish(team, deliver, team.products, error=BOOM)
    finish(team, deliver, team.orders, error=BOOM)  # another flow of the same integration

    assert mail.outbox == []
    incident = Incident.objects.get()
    assert [f["kind"] for f in incident.details["flows"]] == ["products", "orders"]


def test_recovery_sends_one_email_once_every_flow_works(team: Any, deliver: Any) -> None:
    finish(team, deliver, team.products, error=BOOM)
    finish(team, deliver, team.orders, error=BOOM)
    mail.outbox.clear()

    finish(team, deliver, team.products, RunStatus.SUCCEEDED, read=3)
    assert mail.outbox == []  # orders still fails: the incident goes on
    finish(team, deliver, team.orders, RunStatus.SUCCEEDED)

    assert recipients_of(mail.outbox) == ["alice@example.com", "dana@example.com"]
    english = next(m for m in mail.outbox if m.to == ["alice@example.com"])
    assert english.subject.startswith("[APIcenter] Alice BV: Resolved: ")
    assert "This problem is resolved" in english.body
    incident = Incident.objects.get()
    assert incident.status == IncidentStatus.RESOLVED
    assert incident.recovery_sent_at is not None
    mail.outbox.clear()
    finish(team, deliver, team.orders, RunStatus.SUCCEEDED)
    assert mail.outbox == []


def test_each_recipient_reads_their_own_language(team: Any, deliver: Any) -> None:
    team.world.owner.language = "nl"
    team.world.owner.save()

    finish(team, deliver, team.products, error=BOOM)

    dutch = next(m for m in mail.outbox if m.to == ["alice@example.com"])
    danish = next(m for m in mail.outbox if m.to == ["dana@example.com"])
    assert dutch.subject == "[APIcenter] Alice BV: De flow Producten mislukt."
    assert "Wat te doen:" in dutch.body
    assert danish.subject == "[APIcenter] Alice BV: Flowet Produkter fejler."
    assert "Hvad du skal gøre:" in danish.body
    assert BOOM in dutch.body
    assert BOOM in danish.body


def test_our_own_reasons_are_quoted_in_the_readers_language(team: Any, deliver: Any) -> None:
    team.world.owner.language = "nl"
    team.world.owner.save()
    run = make_run(team.products, RunStatus.PARTIAL, read=10, failed=2)
    failed_record(run, "SKU-1", "SKUs not found in Asperion: SKU-9")
    failed_record(run, "SKU-2", "price: must be greater than 0 (Feeddex)")
    with deliver():
        run_finished(run.pk)
    dutch = next(m for m in mail.outbox if m.to == ["alice@example.com"])
    assert "SKU-1: SKU's niet gevonden in Asperion: SKU-9" in dutch.body
    # An API's own words are quoted as they are.
    assert "SKU-2: price: must be greater than 0 (Feeddex)" in dutch.body


def test_our_own_check_that_stopped_a_run_is_not_quoted_as_an_api(team: Any, deliver: Any) -> None:
    team.world.owner.language = "nl"
    team.world.owner.save()
    own = "our check of the settings: choose the Feeddex unit in this flow's settings"
    finish(team, deliver, team.orders, error=own)
    dutch = next(m for m in mail.outbox if m.to == ["alice@example.com"])
    assert "Onze controle van de instellingen: kies de Feeddex-unit" in dutch.body
    assert own not in dutch.body


def test_failing_records_above_the_threshold_quote_the_api(team: Any, deliver: Any) -> None:
    run = make_run(team.products, RunStatus.PARTIAL, read=10, failed=2)
    failed_record(run, "SKU-1", "price: must be greater than 0 (Feeddex)")
    with deliver():
        run_finished(run.pk)

    email = next(m for m in mail.outbox if m.to == ["alice@example.com"])
    assert "The last run succeeded with failures: 2 of 10 records failed." in email.body
    assert "SKU-1: price: must be greater than 0 (Feeddex)" in email.body
    assert "retry the failed records" in email.body


def test_few_failing_records_or_an_empty_run_change_nothing(team: Any, deliver: Any) -> None:
    finish(team, deliver, team.products, RunStatus.SUCCEEDED, read=100, failed=1)
    assert mail.outbox == []  # 1 % and 1 record: under both thresholds

    finish(team, deliver, team.products, RunStatus.SUCCEEDED, read=10, failed=5)
    assert len(mail.outbox) == 2
    finish(team, deliver, team.products, RunStatus.SUCCEEDED, read=0)
    assert len(mail.outbox) == 2  # a run that read nothing proves nothing: still open
    assert Incident.objects.get().is_open
    finish(team, deliver, team.products, RunStatus.SUCCEEDED, read=10, failed=0)
    assert len(mail.outbox) == 4
    assert not Incident.objects.get().is_open


def test_the_tenant_chooses_the_thresholds_and_the_recipients(team: Any, deliver: Any) -> None:
    monitoring_settings_update(
        tenant=team.tenant,
        data={"failure_threshold_count": 0, "failure_threshold_percent": 50},
        recipients=[team.world.viewer],
    )

    finish(team, deliver, team.products, RunStatus.SUCCEEDED, read=10, failed=4)
    assert mail.outbox == []
    finish(team, deliver, team.products, RunStatus.SUCCEEDED, read=10, failed=5)
    assert recipients_of(mail.outbox) == ["bob@example.com"]


def test_a_connection_that_lost_its_credentials_is_one_incident(team: Any, deliver: Any) -> None:
    feeddex = team.integration.shop
    feeddex.mark_failed("401 Unauthorized: invalid authCode", permanent=True)
    Flow.objects.filter(pk__in=[team.products.pk, team.orders.pk]).update(
        needs_attention=True, attention_reason="401 Unauthorized: invalid authCode"
    )

    finish(team, deliver, team.products)
    finish(team, deliver, team.orders)

    assert recipients_of(mail.outbox) == ["alice@example.com", "dana@example.com"]
    email = next(m for m in mail.outbox if m.to == ["alice@example.com"])
    assert "Feeddex no longer accepts the credentials" in email.subject
    assert "401 Unauthorized: invalid authCode" in email.body
    assert f"/connections/{feeddex.pk}/" in email.body
    assert Incident.objects.get().kind == IncidentKind.CONNECTION

    # The owner enters new credentials; the orders flow has not run since (it still has
    # its flag and its failed run), the products flow succeeds (which clears its flag).
    mail.outbox.clear()
    feeddex.mark_ok()
    Flow.objects.filter(pk=team.products.pk).update(needs_attention=False)
    finish(team, deliver, team.products, RunStatus.SUCCEEDED)
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert len(mail.outbox) == 2
    assert subjects["alice@example.com"].startswith("[APIcenter] Alice BV: Resolved: Feeddex")
    assert subjects["dana@example.com"].startswith("[APIcenter] Alice BV: Løst: Feeddex")
    assert Incident.objects.filter(status=IncidentStatus.OPEN).count() == 0


def test_a_permanent_flow_error_needs_attention(team: Any, deliver: Any) -> None:
    Flow.objects.filter(pk=team.orders.pk).update(
        needs_attention=True, attention_reason="The payment condition 30D does not exist."
    )
    finish(team, deliver, team.orders, error="The payment condition 30D does not exist.")

    incident = Incident.objects.get()
    assert incident.kind == IncidentKind.NEEDS_ATTENTION
    email = next(m for m in mail.outbox if m.to == ["alice@example.com"])
    assert "needs your attention" in email.subject
    assert "The payment condition 30D does not exist." in email.body


def test_a_dry_run_or_a_switched_off_flow_sends_nothing(team: Any, deliver: Any) -> None:
    finish(team, deliver, team.products, trigger=Trigger.DRY_RUN, error=BOOM)
    assert mail.outbox == []

    finish(team, deliver, team.products, error=BOOM)
    mail.outbox.clear()
    Flow.objects.filter(pk=team.products.pk).update(enabled=False)
    with deliver():
        incidents_reconcile(tenant=team.tenant)

    incident = Incident.objects.get()
    assert (incident.status, incident.resolved_silently) == (IncidentStatus.RESOLVED, True)
    assert mail.outbox == []  # switched off is not recovered


def test_other_tenants_are_not_told(team: Any, deliver: Any) -> None:
    from tests.factories import make_bare_integration

    other = make_flow(make_bare_integration(team.world.other_tenant))
    finish(team, deliver, other, error=BOOM)

    assert recipients_of(mail.outbox) == ["charlie@example.com"]
    assert Incident.objects.get().tenant == team.world.other_tenant


def test_an_integration_not_live_is_not_watched(team: Any, deliver: Any) -> None:
    team.integration.live = False
    team.integration.save()
    finish(team, deliver, team.products, error=BOOM)
    assert mail.outbox == []
    assert not Incident.objects.exists()


def test_a_failed_send_is_released_for_the_retry_and_goes_out_once(
    team: Any, settings: Any
) -> None:
    from monitoring.incidents import incident_email_send

    make_run(team.products, RunStatus.FAILED, error=BOOM)
    incidents_reconcile(tenant=team.tenant)  # (the email task is queued on commit)
    incident = Incident.objects.get()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2

    with pytest.raises(ConnectionRefusedError):
        incident_email_send(incident.pk, recovery=False)
    incident.refresh_from_db()
    assert incident.email_sent_at is None  # released: Celery's retry may send it

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert incident_email_send(incident.pk, recovery=False) == 2
    assert incident_email_send(incident.pk, recovery=False) == 0
    assert len(mail.outbox) == 2
