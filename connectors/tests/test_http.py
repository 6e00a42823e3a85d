"""The HTTP layer over real HTTP: faults from the sandbox knobs, limits, guards, redaction."""

from __future__ import annotations

import time

import pytest

from connectors.base import ConnectorError, RecordRejected
from connectors.feeddex.sandbox import seed
from connectors.feeddex.tests.conftest import PASSWORD, FeeddexSandbox
from connectors.http import RetryPolicy, api_error_of, is_sandbox_url, retry_after_of
from connectors.netguard import is_public_address
from connectors.tests.support import Calls, connect


def read_all(feeddex: FeeddexSandbox, calls: Calls, page_size: int = 50) -> list[object]:
    connector = connect(feeddex.connection, calls)
    return [r for page in connector.read("products", page_size=page_size) for r in page.records]


# ---- retries ----------------------------------------------------------------------------------


def test_a_429_storm_is_waited_out_honouring_retry_after(feeddex):
    seed.seed_account(feeddex.account, customers=0, orders=0, seed=1)
    # Windows of 2 s that admit one request: a page read comes faster than that on any
    # machine, so the storm comes whatever the machine's speed.
    feeddex.set_knobs(rate_per_second=0.5, burst=1)
    calls = Calls()
    started = time.monotonic()
    products = read_all(feeddex, calls, page_size=5)
    assert len(products) == 30
    assert calls.count(429) >= 1
    # Retry-After is a whole second: each refusal cost at least that long.
    assert time.monotonic() - started >= calls.count(429) * 1.0 / 2


def test_our_own_limit_keeps_the_api_from_refusing(feeddex):
    seed.seed_account(feeddex.account, customers=0, orders=0, seed=1)
    feeddex.set_knobs(rate_per_second=4, burst=2)
    # At most 1 + 2/s × 0.5 s = 2 requests in any of the server's 0.5 s windows.
    feeddex.configure(rate_limit_per_second=2, rate_limit_burst=1)
    calls = Calls()
    assert len(read_all(feeddex, calls, page_size=10)) == 30
    assert calls.count(429) == 0


def test_server_errors_are_retried_within_the_budget(feeddex, settings):
    seed.seed_account(feeddex.account, customers=0, orders=0, seed=1)
    feeddex.set_knobs(error_rate=0.3)
    calls = Calls()
    # 15 pages: the chance that no call draws a fault is 0.7**16 (0.3 %); that one call
    # fails all 8 attempts is under 0.01 %.
    assert len(read_all(feeddex, calls, page_size=2)) == 30
    assert calls.count(500) + calls.count(503) >= 1
    assert max(c.attempt for c in calls.calls) <= RetryPolicy().max_attempts


def test_an_api_that_keeps_failing_gives_a_transient_error(feeddex, settings):
    settings.CONNECTOR_RETRY_MAX_ATTEMPTS = 3
    connect(feeddex.connection).reference_data("units")  # signed in before the faults
    feeddex.set_knobs(error_rate=1.0)
    calls = Calls()
    with pytest.raises(ConnectorError) as raised:
        connect(feeddex.connection, calls).reference_data("units")
    assert not raised.value.permanent
    assert "gave up after 3 attempts" in str(raised.value)
    assert [c.attempt for c in calls.calls] == [1, 2, 3]
    assert set(calls.statuses()) <= {500, 503}


def test_a_timeout_is_retried_and_then_reported(feeddex, settings):
    settings.CONNECTOR_RETRY_MAX_ATTEMPTS = 2
    feeddex.configure(read_timeout_seconds=0.3)
    connect(feeddex.connection).reference_data("units")  # signed in before the hangs
    feeddex.set_knobs(timeout_rate=1.0, timeout_seconds=1.0)
    calls = Calls()
    with pytest.raises(ConnectorError) as raised:
        connect(feeddex.connection, calls).reference_data("units")
    assert "timed out" in str(raised.value)
    assert not raised.value.permanent
    assert [(c.status, c.attempt) for c in calls.calls] == [(None, 1), (None, 2)]


def test_a_post_that_may_have_been_applied_is_not_repeated(feeddex):
    feeddex.configure(read_timeout_seconds=0.3)
    connect(feeddex.connection).reference_data("units")  # signed in before the hangs
    feeddex.set_knobs(timeout_rate=1.0, timeout_seconds=1.0)
    calls = Calls()
    connector = connect(feeddex.connection, calls)
    with pytest.raises(ConnectorError) as raised:
        connector.webhook_subscribe(
            url="https://shop.example.com/hook", events=["order.paid"], secret="x" * 20
        )
    assert "may have been applied" in str(raised.value)
    assert len(calls.calls) == 1


def test_malformed_json_is_retried_then_reported(feeddex, settings):
    seed.seed_account(feeddex.account, customers=0, orders=0, seed=1)
    feeddex.set_knobs(malformed_rate=0.3)
    calls = Calls()
    assert len(read_all(feeddex, calls, page_size=10)) == 30
    settings.CONNECTOR_RETRY_MAX_ATTEMPTS = 3
    feeddex.set_knobs(malformed_rate=1.0)
    with pytest.raises(ConnectorError) as raised:
        read_all(feeddex, Calls())
    assert "malformed JSON" in str(raised.value)
    assert not raised.value.permanent


def test_a_record_error_is_not_retried(feeddex):
    calls = Calls()
    connector = connect(feeddex.connection, calls)
    with pytest.raises(RecordRejected) as raised:
        connector.update("products", "987654", {"sku": "X-1", "name": "x", "price": 1})
    assert raised.value.status == 404
    assert not raised.value.permanent
    assert calls.count(404) == 1


# ---- private addresses ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2a00:1450:4001:80b::200e", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("192.168.1.10", False),
        ("169.254.169.254", False),
        ("::1", False),
        ("::ffff:127.0.0.1", False),
        ("fd00::1", False),
        ("0.0.0.0", False),
        ("64:ff9b::808:808", False),  # NAT64 of a public address still reaches the gateway
        ("2002:808:808::1", False),
        ("100.64.0.1", False),
        ("ff02::1", False),
        ("224.0.0.1", False),
        ("::ffff:8.8.8.8", True),
    ],
)
def test_which_addresses_are_public(address, public):
    assert is_public_address(address) is public


def test_a_url_on_a_private_address_is_blocked(feeddex, live_server):
    """127.0.0.1 is not the site's own host name (localhost): no sandbox exemption."""
    port = live_server.url.rsplit(":", 1)[1]
    feeddex.configure(api_base_url=f"http://127.0.0.1:{port}/sandbox/feeddex")
    calls = Calls()
    with pytest.raises(ConnectorError) as raised:
        connect(feeddex.connection, calls).check_connection()
    assert raised.value.permanent
    assert "private or local address" in str(raised.value)
    assert calls.statuses() == [None]


def test_private_urls_may_be_allowed(feeddex, live_server, settings):
    port = live_server.url.rsplit(":", 1)[1]
    settings.APICENTER_ALLOW_PRIVATE_URLS = True
    feeddex.configure(api_base_url=f"http://127.0.0.1:{port}/sandbox/feeddex")
    connect(feeddex.connection).check_connection()


def test_only_this_sites_own_sandbox_is_exempt(settings):
    settings.SITE_URL = "https://apicenter.example.com"
    assert is_sandbox_url("https://apicenter.example.com/sandbox/feeddex")
    assert not is_sandbox_url("https://apicenter.example.com/api/sandbox/feeddex")
    assert not is_sandbox_url("https://apicenter.example.com/sandbox/../admin")
    assert not is_sandbox_url("http://apicenter.example.com/sandbox/feeddex")
    assert not is_sandbox_url("https://apicenter.example.com:8443/sandbox/feeddex")
    assert not is_sandbox_url("https://apicenter.example.com.evil.test/sandbox/feeddex")


# ---- errors and redaction ----------------------------------------------------------------


def test_api_errors_of_every_shape_are_read():
    problem = {
        "title": "One or more validation errors occurred.",
        "status": 400,
        "errors": {"Code": ["An article with this code already exists."]},
    }
    assert api_error_of(problem) == (
        "One or more validation errors occurred.",
        {"Code": ["An article with this code already exists."]},
    )
    assert api_error_of({"message": "unknown sku", "errors": {"sku": "bad"}}) == (
        "unknown sku",
        {"sku": ["bad"]},
    )
    assert api_error_of({"error": "invalid_grant"}) == ("invalid_grant", {})
    assert api_error_of("<html>") == (None, {})


def test_retry_after_in_seconds_or_as_a_date():
    import httpx

    assert retry_after_of(httpx.Headers({"Retry-After": "3"})) == 3.0
    assert retry_after_of(httpx.Headers({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})) == 0.0
    assert retry_after_of(httpx.Headers({})) is None


def test_secrets_never_reach_a_call_record_or_an_error(feeddex, settings):
    settings.CONNECTOR_RETRY_MAX_ATTEMPTS = 2
    feeddex.configure(read_timeout_seconds=0.3)
    calls = Calls()
    connector = connect(feeddex.connection, calls)
    connector.reference_data("units")
    token = feeddex.connection.secrets["token"]
    feeddex.set_knobs(timeout_rate=1.0, timeout_seconds=1.0)
    with pytest.raises(ConnectorError) as raised:
        connector.lookup("customers", f"{PASSWORD}@example.nl")
    recorded = calls.text() + str(raised.value) + repr(raised.value.api_message)
    assert PASSWORD not in recorded
    assert token not in recorded
    assert "[redacted]" in calls.calls[-1].path
