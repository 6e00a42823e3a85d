"""The knobs, over real HTTP: rate limits with Retry-After, 5xx, hanging requests,
malformed JSON, added latency and expiring tokens."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from connectors.asperion.sandbox import seed
from connectors.asperion.sandbox.models import Administration, SandboxUser
from connectors.asperion.sandbox.oauth import tokens_issue
from connectors.asperion.sandbox.selectors import administration_default
from connectors.asperion.sandbox.tests import contract

pytestmark = pytest.mark.django_db(transaction=True)


class Remote:
    def __init__(self, base: str, user: SandboxUser, administration: Administration) -> None:
        self.base = base
        self.user = user
        self.administration = administration
        _user, self.client = seed.ensure_demo_user()
        self.token = tokens_issue(client=self.client, user=user).access_token

    def knobs(self, **knobs: Any) -> None:
        self.administration.knobs = knobs
        self.administration.save()

    def get(self, path: str = "/v1/vatcodes", *, timeout: float = 10) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"}
        response = httpx.get(f"{self.base}{path}", headers=headers, timeout=timeout)
        if response.headers.get("Content-Type", "").startswith("application/problem+json"):
            contract.validate(
                method="GET",
                path=response.request.url.path,
                status=response.status_code,
                headers=dict(response.headers),
                body=response.content,
            )
        return response


@pytest.fixture
def remote(live_server: Any) -> Remote:
    user, _client = seed.ensure_demo_user()
    # The administration a request without X-Tenant-Id gets: its knobs are the ones that apply.
    administration = administration_default(user=user)
    assert administration is not None
    return Remote(f"{live_server.url}/sandbox/asperion", user, administration)


def test_the_default_rate_limit_answers_429_with_retry_after(remote: Remote) -> None:
    """10/s with a burst of 20: the kit counts a fixed 2 s window admitting 20. The sandbox's
    clock stands still at the start of a window, so the whole burst falls in that window
    however long the machine takes to send it."""
    window_start = (int(time.time()) // 2) * 2 + 0.25
    remote.knobs(clock_frozen_at=window_start)  # the default limits, the clock stopped
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda _: remote.get(), range(80)))
    statuses = [answer.status_code for answer in answers]
    assert statuses.count(200) == 20
    assert statuses.count(429) == 60
    limited = [answer for answer in answers if answer.status_code == 429]
    assert {int(answer.headers["Retry-After"]) for answer in limited} == {2}


def test_a_slow_bucket_refuses_after_its_burst(remote: Remote) -> None:
    remote.knobs(rate_per_second=0.1, burst=3)
    statuses: list[int] = [remote.get().status_code for _ in range(5)]
    first_refusal = statuses.index(429)
    assert 3 <= first_refusal <= 6
    assert 1 <= int(remote.get().headers["Retry-After"]) <= 30


def test_a_daily_quota_says_when_the_day_ends(remote: Remote) -> None:
    remote.knobs(rate_per_second=0, daily_quota=2)
    assert [remote.get().status_code for _ in range(3)] == [200, 200, 429]
    seconds_left_today = 86_400 - int(time.time()) % 86_400
    assert abs(int(remote.get().headers["Retry-After"]) - seconds_left_today) <= 2


def test_a_per_minute_limit(remote: Remote) -> None:
    remote.knobs(rate_per_second=0, rate_per_minute=3)
    assert [remote.get().status_code for _ in range(4)][-1] == 429


def test_the_error_rate_gives_500_and_503(remote: Remote) -> None:
    remote.knobs(rate_per_second=0, error_rate=1.0)
    answers = [remote.get() for _ in range(16)]
    assert {a.status_code for a in answers} == {500, 503}
    assert all(a.headers["Retry-After"] == "1" for a in answers if a.status_code == 503)


def test_a_hanging_request_times_the_client_out(remote: Remote) -> None:
    remote.knobs(rate_per_second=0, timeout_rate=1.0, timeout_seconds=1.5)
    with pytest.raises(httpx.ReadTimeout):
        remote.get(timeout=0.4)


def test_added_latency(remote: Remote) -> None:
    remote.knobs(rate_per_second=0, latency_ms=300)
    started = time.monotonic()
    assert remote.get().status_code == 200
    assert time.monotonic() - started >= 0.3


def test_malformed_json_does_not_parse(remote: Remote) -> None:
    remote.knobs(rate_per_second=0, malformed_rate=1.0)
    answer = remote.get("/v1/articles")
    assert answer.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(answer.content)


def test_tokens_expire_after_the_lifetime_knob(remote: Remote) -> None:
    remote.knobs(rate_per_second=0, token_lifetime_seconds=60)
    pair = tokens_issue(client=remote.client, user=remote.user)
    assert pair.expires_in == 60
    remote.token = pair.access_token
    assert remote.get().status_code == 200
    # A minute later by the sandbox's clock (no test waits for it).
    remote.knobs(rate_per_second=0, token_lifetime_seconds=60, clock_offset_seconds=61)
    expired = remote.get()
    assert expired.status_code == 401
    assert expired.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_user_knobs_apply_unless_the_administration_overrides(remote: Remote) -> None:
    remote.user.knobs = {"rate_per_second": 0, "error_rate": 1.0}
    remote.user.save()
    assert remote.get().status_code in (500, 503)
    remote.knobs(error_rate=0.0)
    assert remote.get().status_code == 200
