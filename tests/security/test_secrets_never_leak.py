"""Known secrets planted in the sandbox connections never reach a stored row, an email, a log
line or a page.

Both sandboxes answer over real HTTP (live server). The tenant's Feeddex password and auth
code, and the Asperion client secret, are replaced by planted values (the sandboxes are told
the same), every flow runs, a webhook is delivered (signed, and forged), and then the
credentials go wrong: a wrong Feeddex password, a wrong Asperion client secret. Afterwards
every text and JSON column of every model, the mail outbox, the captured log and the pages
and API answers the owner can open are searched for every secret value the connections ever
held (tokens rotate along the way, so those are collected as they come).
"""

from __future__ import annotations

import itertools
import json
import logging
import time
import uuid
from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import Any

from django.apps import apps
from django.core import mail
from django.db import models
from django.test import Client
from django.utils import timezone

from connectors.asperion.sandbox.models import OAuthClient
from connectors.asperion.sandbox.oauth import digest
from connectors.feeddex.sandbox import models as feeddex_db
from connectors.feeddex.webhooks import sign
from connectors.models import Connection
from connectors.services import connection_test, connection_update_secrets
from flows.models import FlowRun, RunStatus
from flows.services import integration_go_live
from flows.webhook_ingest import SECRET_KEY
from flows.webhook_registration import webhook_register
from monitoring.incidents import incident_email_send, incidents_reconcile
from monitoring.models import Incident
from tenants.services import api_token_create
from tests.flows.conftest import Synced, article_codes, assert_succeeded, place
from tests.flows.conftest import shop as shop  # noqa: F401 - fixtures
from tests.flows.conftest import synced as synced  # noqa: F401

PLANTED = {
    "feeddex_auth_code": "PLANTED-fdx-authcode-5b1e77c2",
    "feeddex_password": "PLANTED-fdx-password-9c04d1aa",
    "asperion_client_secret": "PLANTED-asp-clientsecret-3f6e2b90",
}
WRONG_FEEDDEX_PASSWORD = "PLANTED-wrong-fdx-password-71d3c5e0"
WRONG_CLIENT_SECRET = "PLANTED-wrong-asp-secret-0ae94f17"
NOT_SECRET = {"access_token_expires_at", "token_expires_at"}
TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


class SecretBook:
    """Every secret value a connection held at any point of the test."""

    def __init__(self) -> None:
        self.values: set[str] = set(PLANTED.values()) | {
            WRONG_FEEDDEX_PASSWORD,
            WRONG_CLIENT_SECRET,
        }

    def note(self, *connections: Connection) -> None:
        for connection in connections:
            connection.refresh_from_db()
            for key, value in connection.secrets.items():
                if key not in NOT_SECRET and isinstance(value, str) and len(value) >= 8:
                    self.values.add(value)

    def found_in(self, text: str) -> list[str]:
        return sorted(value for value in self.values if value in text)


def text_columns(model: type[models.Model]) -> list[str]:
    return [
        field.attname for field in model._meta.concrete_fields if isinstance(field, TEXT_FIELDS)
    ]


def stored_texts() -> Iterator[tuple[str, str]]:
    """Every text and JSON value of every table, as (table.column, text)."""
    for model in apps.get_models():
        columns = text_columns(model)
        for row in model._default_manager.values_list("pk", *columns).iterator():
            pk, values = row[0], row[1:]
            for column, value in zip(columns, values, strict=True):
                if value in (None, "", {}, []):
                    continue
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                yield f"{model._meta.db_table}.{column} #{pk}", text


def leaks(book: SecretBook, texts: Iterable[tuple[str, str]]) -> list[str]:
    return [f"{where}: {book.found_in(text)}" for where, text in texts if book.found_in(text)]


def plant(synced: Synced) -> None:
    """Give both sandboxes and both connections the planted credentials."""
    account = synced.account
    account.set_credentials(
        auth_code=PLANTED["feeddex_auth_code"], password=PLANTED["feeddex_password"]
    )
    account.save()
    connection_update_secrets(
        connection=synced.integration.shop,
        changes={
            "auth_code": PLANTED["feeddex_auth_code"],
            "password": PLANTED["feeddex_password"],
            "token": "",  # sign in again, with the planted password
        },
    )
    asperion = synced.integration.accounting
    OAuthClient.objects.filter(client_id=asperion.config["client_id"]).update(
        secret_hash=digest(PLANTED["asperion_client_secret"])
    )
    connection_update_secrets(
        connection=asperion,
        changes={
            "client_secret": PLANTED["asperion_client_secret"],
            # Expired: the first call refreshes the tokens with the planted client secret.
            "access_token_expires_at": (timezone.now() - timedelta(minutes=1)).isoformat(),
        },
    )


def deliver_webhooks(synced: Synced, client: Client) -> None:
    """One genuine (signed) delivery and one forged, to the tenant's webhook endpoint."""
    endpoint = webhook_register(flow=synced.flow("orders"))
    secret = synced.integration.shop.secrets[SECRET_KEY]
    body = json.dumps(
        {
            "id": f"evt_{uuid.uuid4().hex}",
            "type": "order.paid",
            "data": {"orderId": 1, "number": "100001", "paymentStatus": "paid"},
        }
    ).encode()
    url = f"/api/webhooks/feeddex/{endpoint.token}/"
    genuine = sign(secret=secret, body=body, timestamp=int(time.time()))
    forged = sign(secret=WRONG_CLIENT_SECRET, body=body, timestamp=int(time.time()))
    for header in (genuine, forged):
        client.post(
            url, body, content_type="application/json", headers={"X-Feeddex-Signature": header}
        )


def run_every_flow(synced: Synced) -> None:
    place(synced, email="geheim@example.nl", skus=article_codes(synced, 2))
    unit = feeddex_db.Unit.objects.filter(account=synced.account).first()
    assert unit is not None
    synced.configure("review_invitations", unit_id=unit.pk, delay_days=0)
    for kind in ("products", "stock", "customers", "orders", "review_invitations"):
        assert_succeeded(synced.run(kind))


def break_credentials(synced: Synced, book: SecretBook) -> list[FlowRun]:
    """A wrong Feeddex password and a wrong Asperion client secret: runs that fail."""
    feeddex, asperion = synced.integration.shop, synced.integration.accounting
    connection_update_secrets(
        connection=feeddex, changes={"password": WRONG_FEEDDEX_PASSWORD, "token": ""}
    )
    book.note(feeddex)
    failed_products = synced.run("products")
    # No run calls a connection marked lost; taken as reconnected, so that the next run
    # reaches Asperion (whose secret breaks next).
    feeddex.refresh_from_db()
    feeddex.mark_ok()
    connection_update_secrets(
        connection=asperion,
        changes={
            "client_secret": WRONG_CLIENT_SECRET,
            "access_token_expires_at": (timezone.now() - timedelta(minutes=1)).isoformat(),
        },
    )
    book.note(asperion)
    failed_customers = synced.run("customers")
    return [failed_products, failed_customers]


def send_incident_emails(synced: Synced) -> None:
    """What the monitoring task does after a failed run, done here in-process (monitoring
    watches the enabled flows of a live integration)."""
    integration_go_live(integration=synced.integration)
    synced.integration.flows.update(enabled=True)
    incidents_reconcile(tenant=synced.tenant)
    for incident in Incident.objects.filter(tenant=synced.tenant):
        incident_email_send(incident.pk, recovery=False)


def owner_pages(synced: Synced) -> Iterator[tuple[str, str]]:
    """What the owner can open: pages, the export, and the API's answers."""
    client = Client()
    client.force_login(synced.owner)
    integration = synced.integration
    runs = FlowRun.objects.filter(tenant=synced.tenant)
    urls = ["/", "/flows/", "/activity/", "/settings/", "/company/monitoring/", "/company/export/"]
    urls += [f"/connections/{c.pk}/" for c in (integration.accounting, integration.shop)]
    urls += [f"/runs/{run.pk}/" for run in runs]
    for url in urls:
        yield url, client.get(url).content.decode()
    _token, key = api_token_create(user=synced.owner, tenant=synced.tenant, name="scan")
    headers = {"Authorization": f"Token {key}"}
    api = ["/api/v1/connections/", "/api/v1/runs/", "/api/v1/records/?size=200"]
    api += [f"/api/v1/connections/{c.pk}/" for c in (integration.accounting, integration.shop)]
    api += [f"/api/v1/runs/{run.pk}/" for run in runs]
    for url in api:
        yield url, client.get(url, headers=headers).content.decode()


def story(synced: Synced) -> SecretBook:
    """Plant, run every flow, deliver webhooks, break the credentials, send the emails."""
    book = SecretBook()
    connections = (synced.integration.accounting, synced.integration.shop)
    book.note(*connections)
    plant(synced)
    run_every_flow(synced)
    book.note(*connections)
    deliver_webhooks(synced, Client())
    book.note(*connections)
    for run in break_credentials(synced, book):
        assert run.status == RunStatus.FAILED
        assert run.error
    for connection in connections:
        # The dashboard's "Test" button: stores the API's own complaint on the connection.
        assert connection_test(connection=connection) is not None
    send_incident_emails(synced)
    return book


def email_texts() -> Iterator[tuple[str, str]]:
    for message in mail.outbox:
        yield f"mail {message.subject!r}", f"{message.subject}\n{message.body}"
        for content, _mime in getattr(message, "alternatives", []):
            yield f"mail {message.subject!r} (html)", str(content)


def log_texts(caplog: Any) -> Iterator[tuple[str, str]]:
    for record in caplog.records:
        yield f"log {record.name}", record.getMessage()


def test_planted_secrets_appear_nowhere(shop, caplog):
    caplog.set_level(logging.DEBUG)
    book = story(shop)  # `shop`: a clean order book, so the orders flow reads one order
    assert len(book.values) >= 10, book.values
    assert mail.outbox, "the failed runs should have emailed the owner"
    assert caplog.records
    found = leaks(
        book,
        itertools.chain(stored_texts(), email_texts(), log_texts(caplog), owner_pages(shop)),
    )
    assert not found, "\n".join(found)
    failure_texts_say_what_went_wrong(shop)


def failure_texts_say_what_went_wrong(synced: Synced) -> None:
    feeddex, asperion = synced.integration.shop, synced.integration.accounting
    feeddex.refresh_from_db()
    asperion.refresh_from_db()
    assert "authCode or password" in feeddex.last_error
    assert "invalid_client" in asperion.last_error
    errors = set(FlowRun.objects.filter(status=RunStatus.FAILED).values_list("error", flat=True))
    assert any("Feeddex refused" in error for error in errors), errors
    assert any("invalid_client" in error for error in errors), errors


def test_a_run_refused_by_the_credentials_marks_the_connection(synced):
    feeddex = synced.integration.shop
    connection_update_secrets(
        connection=feeddex, changes={"password": WRONG_FEEDDEX_PASSWORD, "token": ""}
    )
    run = synced.run("products")
    assert run.status == RunStatus.FAILED
    feeddex.refresh_from_db()
    assert "authCode or password" in feeddex.last_error
    assert WRONG_FEEDDEX_PASSWORD not in feeddex.last_error
