from __future__ import annotations

import json
import random
import time
import uuid

import pytest
from django.http import HttpRequest, HttpResponse, JsonResponse

from connectors.sandboxkit.faults import (
    FaultTarget,
    inject_faults,
    maybe_malform,
    reset_counters,
    with_faults,
)
from connectors.sandboxkit.knobs import Knobs

OFF = {"rate_per_second": 0.0}


def error(status: int, message: str, retry_after: int | None) -> HttpResponse:
    response = JsonResponse({"message": message}, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


@pytest.fixture
def scope():
    name = f"test:{uuid.uuid4().hex}"
    yield name
    reset_counters(name)


def run(scope: str, knobs: Knobs, times: int) -> list[HttpResponse | None]:
    return [inject_faults(scope=scope, knobs=knobs, error=error) for _ in range(times)]


def test_nothing_happens_with_faults_off(scope):
    assert run(scope, Knobs(**OFF), 50) == [None] * 50


def test_the_bucket_admits_the_burst_then_answers_429_with_retry_after(scope):
    knobs = Knobs(rate_per_second=0.1, burst=5)  # a 50-second window: no edge in the test
    answers = run(scope, knobs, 7)
    assert answers[:5] == [None] * 5
    refused = answers[5]
    assert refused is not None
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 50
    assert json.loads(refused.content)["message"]


def test_scopes_do_not_share_a_bucket(scope):
    knobs = Knobs(rate_per_second=0.1, burst=2)
    other = f"{scope}-other"
    assert run(scope, knobs, 3)[-1] is not None
    assert run(other, knobs, 2) == [None, None]
    reset_counters(other)


def test_reset_counters_empties_the_bucket(scope):
    knobs = Knobs(rate_per_second=0.1, burst=2)
    assert run(scope, knobs, 3)[-1] is not None
    reset_counters(scope)
    assert run(scope, knobs, 2) == [None, None]


def test_the_per_minute_limit_refuses_until_the_minute_ends(scope):
    answers = run(scope, Knobs(rate_per_minute=3, **OFF), 4)
    assert answers[:3] == [None] * 3
    assert answers[3] is not None
    assert answers[3].status_code == 429
    assert 1 <= int(answers[3]["Retry-After"]) <= 60


def test_the_daily_quota_refuses_until_utc_midnight(scope):
    answers = run(scope, Knobs(daily_quota=2, **OFF), 3)
    assert answers[2] is not None
    retry_after = int(answers[2]["Retry-After"])
    assert retry_after == pytest.approx(86_400 - time.time() % 86_400, abs=2)


def test_error_rate_one_answers_500_or_503_with_retry_after(scope):
    answers = run(scope, Knobs(error_rate=1.0, **OFF), 40)
    statuses = {a.status_code for a in answers if a is not None}
    assert statuses == {500, 503}
    for answer in answers:
        assert answer is not None
        if answer.status_code == 503:
            assert int(answer["Retry-After"]) >= 1
        else:
            assert not answer.has_header("Retry-After")


def test_an_error_rate_is_a_share_of_requests(scope):
    rng = random.Random(7)
    answers = [
        inject_faults(scope=scope, knobs=Knobs(error_rate=0.3, **OFF), error=error, rng=rng)
        for _ in range(1000)
    ]
    failed = sum(answer is not None for answer in answers)
    assert 230 < failed < 370


def test_latency_is_added(scope):
    started = time.monotonic()
    assert inject_faults(scope=scope, knobs=Knobs(latency_ms=150, **OFF), error=error) is None
    assert time.monotonic() - started >= 0.15


def test_a_timeout_hangs_for_the_timeout_seconds(scope):
    knobs = Knobs(timeout_rate=1.0, timeout_seconds=0.3, **OFF)
    started = time.monotonic()
    assert inject_faults(scope=scope, knobs=knobs, error=error) is None
    assert time.monotonic() - started >= 0.3


def test_malformed_rate_one_cuts_json_bodies():
    response = JsonResponse({"items": [1, 2, 3], "total": 3})
    response["Content-Length"] = str(len(response.content))
    malformed = maybe_malform(response, knobs=Knobs(malformed_rate=1.0))
    with pytest.raises(json.JSONDecodeError):
        json.loads(malformed.content)
    assert malformed["Content-Length"] == str(len(malformed.content))


def test_malformed_leaves_other_bodies_and_rate_zero_alone():
    text = HttpResponse("<p>hi</p>", content_type="text/html")
    assert maybe_malform(text, knobs=Knobs(malformed_rate=1.0)).content == b"<p>hi</p>"
    body = JsonResponse({"a": 1})
    assert json.loads(maybe_malform(body, knobs=Knobs()).content) == {"a": 1}


def test_with_faults_wraps_a_view(scope):
    knobs = Knobs(malformed_rate=1.0, **OFF)

    @with_faults(resolve=lambda request: FaultTarget(scope, knobs), error=error)
    def view(request: HttpRequest) -> HttpResponse:
        return JsonResponse({"ok": True})

    with pytest.raises(json.JSONDecodeError):
        json.loads(view(HttpRequest()).content)


def test_with_faults_runs_the_view_untouched_without_an_account():
    @with_faults(resolve=lambda request: None, error=error)
    def view(request: HttpRequest) -> HttpResponse:
        return JsonResponse({"message": "who are you"}, status=401)

    assert view(HttpRequest()).status_code == 401


def test_with_faults_answers_the_fault_instead_of_the_view(scope):
    calls = []

    @with_faults(resolve=lambda request: FaultTarget(scope, Knobs(error_rate=1.0)), error=error)
    def view(request: HttpRequest) -> HttpResponse:
        calls.append(request)
        return JsonResponse({})

    assert view(HttpRequest()).status_code in {500, 503}
    assert calls == []
