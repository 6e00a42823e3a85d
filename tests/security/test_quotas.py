"""Quotas: the attacks of issue 19, point 7 (signups without a limit, each seeding a data set).

Signups from one client address are throttled; a company's sandbox seeding is bounded: its
sandbox accounts are seeded once, and the admin page's seeding actions take from a daily
quota per company. (Quotas on flow runs belong to the runs.)
"""

from __future__ import annotations

import pytest
from django.test import Client

from connectors.asperion.sandbox.models import Administration, Article
from connectors.feeddex.sandbox.models import Account, Order
from connectors.sandboxkit.provision import sandbox_connect
from tenants.models import SignupRequest

pytestmark = pytest.mark.django_db


def signup(email: str, address: str):
    return Client().post(
        "/accounts/signup/",
        {"company_name": "Spam BV", "email": email, "password": "a long enough secret 99"},
        REMOTE_ADDR=address,
    )


def test_signups_from_one_address_are_throttled(settings):
    settings.SIGNUP_THROTTLE_ATTEMPTS = 3
    for n in range(3):
        assert signup(f"spam{n}@example.com", "203.0.113.5").status_code == 200
    refused = signup("spam9@example.com", "203.0.113.5")
    assert refused.status_code == 429
    assert not SignupRequest.objects.filter(email="spam9@example.com").exists()
    assert signup("someone@example.com", "198.51.100.8").status_code == 200


def test_a_companys_sandbox_accounts_are_seeded_once(world):
    asperion, _feeddex = sandbox_connect(tenant=world.tenant)
    administration = Administration.objects.get(pk=asperion.config["administration_id"])
    articles = Article.objects.filter(administration=administration).count()
    for _ in range(3):
        sandbox_connect(tenant=world.tenant)
    assert Article.objects.filter(administration=administration).count() == articles
    assert Administration.objects.filter(owner__tenant=world.tenant).count() == 1
    assert Account.objects.filter(tenant=world.tenant).count() == 1


def test_seeding_from_the_sandbox_admin_page_takes_from_a_daily_quota(world, settings):
    settings.FEEDDEX_SANDBOX_WEBHOOK_DELIVERY = "manual"
    settings.SANDBOX_SEEDS_PER_DAY = 2
    _asperion, feeddex = sandbox_connect(tenant=world.tenant)
    account = Account.objects.get(organization=feeddex.config["organization"])
    client = world.client_for(world.owner)
    counts = []
    for _ in range(4):
        client.post(f"/sandbox/feeddex/admin/{account.pk}/", {"action": "seed"})
        counts.append(Order.objects.filter(account=account).count())
    assert counts[0] < counts[1] == counts[2] == counts[3]
    refused = client.post(f"/sandbox/feeddex/admin/{account.pk}/", {"action": "place_order"})
    assert refused.status_code == 302
    assert Order.objects.filter(account=account).count() == counts[3]
