"""Runs tell who said what, and what the connections last did."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from connectors.models import Connection, ConnectionStatus
from flows.engine import OWN_CHECK, TRANSIENT_REASON
from flows.models import Action, RecordLog, RunStatus
from tests.flows.conftest import Synced, assert_succeeded
from tests.flows.test_auto_retry import fail_feeddex_writes


def test_a_completed_run_verifies_its_connections(synced: Synced):
    Connection.objects.filter(tenant=synced.tenant).update(status=ConnectionStatus.NEW)
    assert_succeeded(synced.run("customers"))
    statuses = set(Connection.objects.filter(tenant=synced.tenant).values_list("status", flat=True))
    assert statuses == {ConnectionStatus.OK}


def test_a_503_is_reported_as_the_answer_it_was(shop: Synced, settings):
    settings.FLOW_AUTO_RETRY_SECONDS = 3600
    fail_feeddex_writes(shop, settings)
    run = shop.run("customers")
    failures = list(RecordLog.objects.filter(run=run, action=Action.FAILED))
    assert failures, run.error or run.status
    for log in failures:
        assert log.reason.startswith(TRANSIENT_REASON)
        assert "did not answer in time" not in log.reason
        assert "answered 5" in log.reason  # the status the API answered, and who answered


def test_our_own_settings_check_is_not_quoted_as_the_api(synced: Synced):
    run = synced.run("review_invitations")
    assert run.status == RunStatus.FAILED
    assert run.error.startswith(OWN_CHECK)


def test_the_test_button_updates_the_header_badge_too(synced: Synced):
    asperion = synced.integration.accounting
    Connection.objects.filter(pk=asperion.pk).update(status=ConnectionStatus.NEW)
    client = Client()
    client.force_login(synced.owner)
    page = reverse("dashboard:connection_detail", args=[asperion.pk])
    answer = client.post(
        reverse("dashboard:connection_test", args=[asperion.pk]),
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=f"http://testserver{page}",
    ).content.decode()
    assert "✓" in answer
    badge = answer.split(f'id="badge-{asperion.pk}"')[1].split("</span>")[0]
    assert 'hx-swap-oob="true"' in badge
    assert "Working" in badge
    facts = answer.split(f'id="facts-{asperion.pk}"')[1].split("</dl>")[0]
    assert "Not verified yet" not in facts
    assert "Working" in facts


def test_a_new_companys_demo_orders_buy_only_what_asperion_sells(synced: Synced):
    from connectors.asperion.sandbox import models as asperion_db
    from connectors.feeddex.sandbox import models as feeddex_db

    orders = feeddex_db.Order.objects.filter(account=synced.account)
    skus = {line["sku"] for order in orders for line in order.lines if line.get("sku")}
    assert skus
    articles = asperion_db.Article.objects.filter(
        administration=synced.administration, code__in=skus
    )
    assert {a.code for a in articles if a.active and not a.is_variant} == skus
