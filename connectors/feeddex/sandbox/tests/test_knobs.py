"""The knobs of a sandbox account cause the faults a connector must survive, over real HTTP."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from connectors.feeddex.sandbox import services
from connectors.sandboxkit.knobs import Knobs

from .conftest import Api, live_db, make_account

pytestmark = live_db


@pytest.fixture
def faulty(live_server, transactional_db):
    """Return a function that logs in to a new account with the given knobs."""

    def make(**knobs: object) -> Api:
        account = make_account(Knobs(rate_per_second=0))
        api = Api(live_server.url)
        api.login(account.organization)
        services.account_set_knobs(account=account, knobs=Knobs(**{"rate_per_second": 0, **knobs}))
        api.account = account  # type: ignore[attr-defined]
        return api

    return make


def test_the_default_knobs_follow_the_contract_rate_limit(transactional_db):
    account = services.account_create(organization="defaults")
    knobs = account.get_knobs()
    assert knobs.rate_per_minute == 120
    assert (knobs.error_rate, knobs.timeout_rate, knobs.malformed_rate) == (0, 0, 0)


def test_the_rate_limit_answers_429_with_retry_after(faulty):
    api = faulty(rate_per_minute=3, clock_frozen_at=time.time())  # one clock minute
    statuses = [api.call("GET", "/v1/products").status for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = api.call("GET", "/v1/products")
    assert 1 <= int(limited.response.headers["Retry-After"]) <= 60
    assert "Too many requests" in limited.json()["message"]


def test_the_token_bucket_refills(faulty):
    # Windows of 0.4 s that admit 2; the sandbox's clock stands still at a window's start,
    # then moves to the next window (no test waits, however slow the machine).
    start = (int(time.time() / 0.4) + 1) * 0.4 + 0.01
    api = faulty(rate_per_second=5.0, burst=2, clock_frozen_at=start)
    statuses = [api.call("GET", "/v1/units").status for _ in range(3)]
    assert statuses == [200, 200, 429]
    later = Knobs(rate_per_second=5.0, burst=2, clock_frozen_at=start + 0.4)
    services.account_set_knobs(account=api.account, knobs=later)
    assert api.call("GET", "/v1/units").status == 200


def test_the_daily_quota_answers_429_until_midnight(faulty):
    api = faulty(daily_quota=1)
    assert api.call("GET", "/v1/customers").status == 200
    limited = api.call("GET", "/v1/customers")
    assert limited.status == 429
    assert int(limited.response.headers["Retry-After"]) > 1


def test_error_rate_one_answers_500_or_503_as_the_contract_allows(faulty):
    api = faulty(error_rate=1.0)
    answers = [api.call("GET", "/v1/orders") for _ in range(16)]
    assert {a.status for a in answers} <= {500, 503}
    assert len({a.status for a in answers}) == 2
    for answer in answers:
        if answer.status == 503:
            assert int(answer.response.headers["Retry-After"]) >= 1


def test_a_timeout_never_answers_within_the_clients_timeout(faulty):
    api = faulty(timeout_rate=1.0, timeout_seconds=1.0)
    with pytest.raises(httpx.ReadTimeout):
        api.http.get("/v1/units", headers={"Authorization": f"Bearer {api.token}"}, timeout=0.3)


def test_latency_is_added_to_every_response(faulty):
    api = faulty(latency_ms=300)
    started = time.monotonic()
    assert api.call("GET", "/v1/units").status == 200
    assert time.monotonic() - started >= 0.3


def test_malformed_rate_one_cuts_json_bodies(faulty):
    api = faulty(malformed_rate=1.0)
    response = api.http.get("/v1/products", headers={"Authorization": f"Bearer {api.token}"})
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_logins_count_against_the_organizations_limit(live_server, transactional_db):
    account = make_account(Knobs(rate_per_second=0, rate_per_minute=2))
    api = Api(live_server.url)
    api.login(account.organization)
    api.login(account.organization)
    body = {"authCode": "auth-code-for-tests", "organization": account.organization,
            "password": "password-for-tests-0001"}  # fmt: skip
    assert api.call("POST", "/authenticate", json_body=body, token=None).status == 429
