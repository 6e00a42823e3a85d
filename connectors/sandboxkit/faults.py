"""Fault injection: latency, hanging requests, rate limits and random 500/503.

Rate-limit counters live in Django's cache (Redis in production, a file cache in the
embedded mode) so that every web process serving the sandbox shares them.

The cache has no compare-and-set, so the limits use fixed windows counted with
`cache.add` + `cache.incr` (atomic on Redis; on the file cache two processes racing in the
same millisecond may both pass):

- the token bucket (`rate_per_second`, `burst`) becomes a window of `burst / rate` seconds
  that admits `burst` requests: the long-run rate is exact, and at a window edge up to
  twice `burst` can pass at once;
- `rate_per_minute` is a window per clock minute and `daily_quota` a window per UTC day.

A request refused by one limit is not counted by the limits after it. Retry-After is the
number of whole seconds until the refusing window ends.
"""

from __future__ import annotations

import json
import math
import random
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from connectors.sandboxkit.knobs import Knobs

ErrorFactory = Callable[[int, str, int | None], HttpResponse]

RATE_LIMITED = "Too many requests: slow down and retry after the Retry-After seconds."
SERVER_ERROR = "Internal server error (injected by the sandbox)."
UNAVAILABLE = "Service temporarily unavailable (injected by the sandbox)."
UNAVAILABLE_RETRY_AFTER = 1
DAY_SECONDS = 86_400
DEFAULT_CACHE_TIMEOUT = 300
FROZEN_WINDOW_SECONDS = 3600

# Chance, not security: which requests get a fault.
_random = random.Random()  # noqa: S311


@dataclass(frozen=True)
class Window:
    """One fixed counting window: `limit` requests per `seconds`."""

    kind: str
    seconds: float
    limit: int


def inject_faults(
    *, scope: str, knobs: Knobs, error: ErrorFactory, rng: random.Random | None = None
) -> HttpResponse | None:
    """Apply latency/timeouts (sleep), rate limits (429 + Retry-After), random 500/503.

    Return the response to send instead of the real one, or None to go on. `scope` names
    the rate-limit bucket (e.g. "feeddex:<account key>").
    """
    chance = rng or _random
    _sleep_for(knobs, chance)
    limited = _rate_limited(scope, knobs, now=knobs.time())
    if limited is not None:
        return error(429, RATE_LIMITED, limited)
    if knobs.error_rate and chance.random() < knobs.error_rate:
        if chance.random() < 0.5:
            return error(500, SERVER_ERROR, None)
        return error(503, UNAVAILABLE, UNAVAILABLE_RETRY_AFTER)
    return None


def maybe_malform(
    response: HttpResponse, *, knobs: Knobs, rng: random.Random | None = None
) -> HttpResponse:
    """Cut a share (`malformed_rate`) of JSON bodies in half, so that they do not parse."""
    chance = rng or _random
    if not knobs.malformed_rate or not _is_json(response) or response.streaming:
        return response
    if chance.random() >= knobs.malformed_rate:
        return response
    body = response.content
    # Half a JSON document never parses; an empty body ("" is invalid JSON too) for tiny ones.
    response.content = body[: len(body) // 2] + b'{"'
    if response.has_header("Content-Length"):
        response["Content-Length"] = str(len(response.content))
    return response


# Keys whose objects are maps of names the API chose (a ProblemDetails' field errors): a field
# added there would be a new error, not an unknown field.
MAP_KEYS = frozenset({"errors"})


def unknown_fields() -> dict[str, Any]:
    """Fields no contract lists: a scalar, an object and a list of objects."""
    return {
        "xSandboxRevision": "2026-12",
        "xSandboxExtension": {"origin": "sandbox", "flags": ["new"], "depth": {"level": 2}},
        "xSandboxTags": [{"tag": "unlisted", "weight": 1}, {"tag": "growing"}],
    }


def with_unknown_fields(
    response: HttpResponse, *, knobs: Knobs, enum_like: Mapping[str, str] | None = None
) -> HttpResponse:
    """With the knob `unknown_fields` on, add unknown fields to every object of a JSON answer,
    and give the fields named in `enum_like` (strings in the contract that hold a kind of
    thing) the value given there: what a reader must tolerate."""
    if not knobs.unknown_fields or not _is_json(response) or response.streaming:
        return response
    try:
        data = json.loads(response.content)
    except ValueError:
        return response
    response.content = json.dumps(_grown(data, enum_like or {})).encode()
    if response.has_header("Content-Length"):
        response["Content-Length"] = str(len(response.content))
    return response


def _grown(data: Any, enum_like: Mapping[str, str]) -> Any:
    if isinstance(data, list):
        return [_grown(item, enum_like) for item in data]
    if not isinstance(data, dict):
        return data
    grown = {
        key: value
        if key in MAP_KEYS
        else enum_like[key]
        if key in enum_like and isinstance(value, str) and value
        else _grown(value, enum_like)
        for key, value in data.items()
    }
    return {**grown, **unknown_fields()}


def reset_counters(scope: str) -> None:
    """Forget every rate-limit count of the scope (tests, the sandbox admin page)."""
    # A fresh generation makes every existing key of the scope unreachable; the old keys
    # expire on their own (the cache cannot list keys by prefix on every backend).
    cache.set(_generation_key(scope), uuid.uuid4().hex, timeout=None)


def windows_for(knobs: Knobs) -> list[Window]:
    """Return the counting windows the knobs ask for, most fine-grained first."""
    windows = []
    if knobs.rate_per_second > 0:
        burst = max(1, knobs.burst)
        windows.append(Window("bucket", burst / knobs.rate_per_second, burst))
    if knobs.rate_per_minute > 0:
        windows.append(Window("minute", 60, knobs.rate_per_minute))
    if knobs.daily_quota > 0:
        windows.append(Window("day", DAY_SECONDS, knobs.daily_quota))
    return windows


def _sleep_for(knobs: Knobs, chance: random.Random) -> None:
    if knobs.latency_ms:
        time.sleep(knobs.latency_ms / 1000)
    if knobs.timeout_rate and chance.random() < knobs.timeout_rate:
        time.sleep(knobs.timeout_seconds)


def _rate_limited(scope: str, knobs: Knobs, *, now: float) -> int | None:
    """Return the Retry-After seconds when a window of the scope is full, else None."""
    windows = windows_for(knobs)
    if not windows:
        return None
    generation = cache.get(_generation_key(scope), "0")
    for window in windows:
        index = math.floor(now / window.seconds)
        key = f"sandboxkit:{scope}:{generation}:{window.kind}:{window.seconds}:{index}"
        # The key outlives its window a little, so that a slow request still finds it; on a
        # stopped clock the window lasts as long as the clock stands still.
        lasts = FROZEN_WINDOW_SECONDS if knobs.clock_frozen_at else math.ceil(window.seconds) + 5
        count = _count(key, timeout=lasts)
        if count > window.limit:
            return max(1, math.ceil((index + 1) * window.seconds - now))
    return None


def _count(key: str, *, timeout: int) -> int:
    cache.add(key, 0, timeout=timeout)
    try:
        count = cache.incr(key)
    except ValueError:
        # The key expired between add and incr: this request starts the new count.
        cache.set(key, 1, timeout=timeout)
        return 1
    if timeout > DEFAULT_CACHE_TIMEOUT:
        # Backends without a native incr (the file cache) re-set the key with the default
        # timeout, which would end a day's window after five idle minutes.
        cache.touch(key, timeout)
    return int(count)


def _generation_key(scope: str) -> str:
    return f"sandboxkit:{scope}:generation"


def _is_json(response: HttpResponse) -> bool:
    return "json" in response.get("Content-Type", "")


@dataclass(frozen=True)
class FaultTarget:
    """The rate-limit scope and the knobs of the account a request belongs to."""

    scope: str
    knobs: Knobs


Resolver = Callable[[HttpRequest], FaultTarget | None]
View = Callable[..., HttpResponse]


def with_faults(*, resolve: Resolver, error: ErrorFactory) -> Callable[[View], View]:
    """Wrap a sandbox view: faults before it runs, a malformed body after.

    `resolve` finds the account of the request (from its token, or from the body of a
    login); when it returns None (no or an unknown account) the view runs untouched and
    answers its own 401.
    """

    def decorate(view: View) -> View:
        @wraps(view)
        def faulty(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            target = resolve(request)
            if target is None:
                return view(request, *args, **kwargs)
            injected = inject_faults(scope=target.scope, knobs=target.knobs, error=error)
            if injected is not None:
                return injected
            answer = with_unknown_fields(view(request, *args, **kwargs), knobs=target.knobs)
            return maybe_malform(answer, knobs=target.knobs)

        return faulty

    return decorate
