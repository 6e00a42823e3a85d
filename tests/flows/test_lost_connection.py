"""A connection that cannot recover says so at once: marked, one email with a one-click
reconnect, a banner on every page, and no run asks the API until it is connected again."""

from __future__ import annotations

from typing import Any

from django.core import mail
from django.test import Client
from django.urls import reverse

from connectors.models import Connection, ConnectionStatus
from connectors.services import connection_update_secrets
from flows.models import ApiCallLog, Integration, RunStatus
from monitoring.incidents import incident_email_send, incidents_reconcile_for_run
from monitoring.models import Incident, IncidentKind
from tests.flows.conftest import Synced, assert_succeeded


def lose_the_refresh_token(synced: Synced) -> Connection:
    """The answer to a refresh was cut off: its new one-time refresh token is lost with it,
    and the one we hold was used already."""
    # Live, with flows on: what monitoring watches.
    Integration.objects.filter(pk=synced.integration.pk).update(live=True)
    synced.integration.flows.filter(kind__in=["products", "customers"]).update(enabled=True)
    accounting = synced.integration.accounting
    connection_update_secrets(
        connection=accounting,
        changes={
            "refresh_token": "used-already",
            "access_token": "",
            "access_token_expires_at": "",
        },
    )
    return accounting


def test_a_refresh_refused_for_good_marks_the_connection_mails_once_and_stops_the_runs(
    synced: Synced, settings: Any
):
    accounting = lose_the_refresh_token(synced)
    first = synced.run("products")
    assert first.status == RunStatus.FAILED
    accounting.refresh_from_db()
    assert accounting.status == ConnectionStatus.NEEDS_ATTENTION
    assert "connect Asperion again" in accounting.last_error

    (incident,) = incidents_reconcile_for_run(first.pk)
    assert incident.kind == IncidentKind.CONNECTION
    incident_email_send(incident.pk, recovery=False)
    (email,) = mail.outbox
    reconnect = reverse("dashboard:connection_reconnect", args=[accounting.pk])
    assert f"{settings.SITE_URL}{reconnect}" in email.body

    # The next runs ask Asperion nothing, and no second email goes out.
    second = synced.run("customers")
    assert second.status == RunStatus.FAILED
    assert "must be connected again" in second.error
    assert not ApiCallLog.objects.filter(run=second).exists()
    assert incidents_reconcile_for_run(second.pk) == []
    assert Incident.objects.filter(kind=IncidentKind.CONNECTION).count() == 1


def test_the_banner_shows_on_every_page_until_the_connection_is_fixed(synced: Synced):
    accounting = lose_the_refresh_token(synced)
    synced.run("products")
    client = Client()
    client.force_login(synced.owner)
    reconnect = reverse("dashboard:connection_reconnect", args=[accounting.pk])
    for page in ("dashboard:home", "dashboard:flows", "dashboard:activity", "dashboard:settings"):
        body = client.get(reverse(page)).content.decode()
        assert "no longer accepts the connection" in body, page
        assert reconnect in body, page
    # One click: straight to Asperion's consent page, with the stored client.
    answer = client.get(reconnect)
    assert answer.status_code == 302
    assert "/connect/authorize?" in answer["Location"]
    # Connected again (the consent's callback tests the connection): the banner goes.
    accounting.mark_ok()
    assert "no longer accepts" not in client.get(reverse("dashboard:home")).content.decode()


def test_a_viewer_and_another_company_cannot_reconnect(synced: Synced):
    from tests.flows.conftest import connected_company

    other = connected_company(email="ander@example.com", name="Ander Bedrijf")
    client = Client()
    client.force_login(other.owner)
    url = reverse("dashboard:connection_reconnect", args=[synced.integration.accounting.pk])
    assert client.get(url).status_code == 404
    own = reverse("dashboard:connection_reconnect", args=[other.integration.accounting.pk])
    assert client.get(own).status_code == 302
    assert_succeeded(other.run("customers"))
