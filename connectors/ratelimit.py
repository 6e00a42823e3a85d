"""A token bucket per external account, shared by every worker process.

The platform throttles itself so that it does not collect 429s: before each HTTP attempt a
worker reserves one token and sleeps until that token is due. Reservations may drive the
bucket below zero; the debt is what makes the next caller wait, so concurrent workers are
queued fairly instead of all retrying at once. After a 429, `pause()` pushes the bucket into
debt for the Retry-After seconds, so every worker waits, not just the one that was refused.
At a high rate (a limit lifted in a connection's config) a process reserves up to the tokens
of 50 ms in one visit to the store, as many as it has been spending, and spends them locally
at their moments (`lease_size`, `LeasingBucket`); at the contracts' rates that is one token
per visit.

Two stores, one algorithm (`reserve` below, and the same arithmetic in Lua):
- Redis (settings.REDIS_URL): one Lua script, atomic, with Redis's clock, so workers on many
  machines share the bucket.
- Otherwise (the embedded mode: one machine) a small JSON file per bucket under
  VAR_DIR/ratelimit, read and written under an exclusive `fcntl.flock`, with the machine's
  clock. The Django file cache would not do: it has no atomic read-modify-write.

Default limits sit a little under each contract's figure on purpose. Asperion allows 10/s
with a burst of 20; a server that counts fixed windows (as the sandbox does: 20 requests per
2 s window) refuses `burst + 2 s × rate` > 20, so 9.5/s with a burst of 1 never exceeds 20 in
any 2 s. Feeddex allows 120 per clock minute: 1.95/s with a burst of 3 stays at ≤ 120 in any
60 s. A connection may override both in its config (`rate_limit_per_second`,
`rate_limit_burst`).
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings

# seconds a bucket's state outlives its last use (Redis key expiry)
IDLE_EXPIRY_SECONDS = 3600
# A lease of several tokens covers at most this long; a leased token unused this long after
# its moment is dropped, so that it is never spent in a later burst.
LEASE_SECONDS = 0.05


@dataclass(frozen=True)
class RateLimit:
    per_second: float
    burst: int

    def __post_init__(self) -> None:
        if self.per_second <= 0 or self.burst < 1:
            raise ValueError("a rate limit needs a positive rate and a burst of at least 1")


DEFAULT_LIMITS: dict[str, RateLimit] = {
    "asperion": RateLimit(per_second=9.5, burst=1),
    "feeddex": RateLimit(per_second=1.95, burst=3),
}
FALLBACK_LIMIT = RateLimit(per_second=5.0, burst=1)


# Requests a run keeps in flight per connection (connections/config `max_in_flight`): a few,
# so that an API's latency does not decide the pace, all within the shared rate limit.
DEFAULT_IN_FLIGHT = 4


def in_flight_for(system: str, config: dict[str, Any]) -> int:
    """How many requests a run may have in flight against one connection at once."""
    return int(config.get("max_in_flight") or DEFAULT_IN_FLIGHT)


def limit_for(system: str, config: dict[str, Any]) -> RateLimit:
    """Return the system's default limit, overridden by the connection's config."""
    default = DEFAULT_LIMITS.get(system, FALLBACK_LIMIT)
    per_second = float(config.get("rate_limit_per_second") or default.per_second)
    burst = int(config.get("rate_limit_burst") or default.burst)
    return RateLimit(per_second=per_second, burst=burst)


@dataclass
class BucketState:
    tokens: float
    stamp: float


def reserve(
    state: BucketState | None, limit: RateLimit, now: float, count: int = 1
) -> tuple[BucketState, float]:
    """Take `count` tokens; return the new state and how long the caller must wait for the
    first (see `due_offsets` for the others)."""
    tokens = _refilled(state, limit, now) - count
    return BucketState(tokens=tokens, stamp=now), due_offsets(tokens, count, limit)[0]


def due_offsets(tokens_left: float, count: int, limit: RateLimit) -> list[float]:
    """Seconds from the reservation until each of the `count` tokens just taken is due,
    given the tokens left after taking them (negative: a debt that others caused)."""
    first = 1 - (tokens_left + count)  # tokens missing for the first one
    return [max(0.0, (first + i) / limit.per_second) for i in range(count)]


def lease_size(limit: RateLimit) -> int:
    """How many tokens a process takes per visit to the shared store: one at the contracts'
    rates (a few per second); at a high rate, the tokens of LEASE_SECONDS, so that a fast
    client does not pay a round trip to Redis for every request."""
    return max(1, min(limit.burst, int(limit.per_second * LEASE_SECONDS)))


def penalise(
    state: BucketState | None, *, limit: RateLimit, now: float, seconds: float
) -> BucketState:
    """Return the state in which the next token is due `seconds` from now (not additive:
    several workers reporting the same 429 do not stack their waits)."""
    tokens = min(_refilled(state, limit, now), -seconds * limit.per_second + 1)
    return BucketState(tokens=tokens, stamp=now)


def _refilled(state: BucketState | None, limit: RateLimit, now: float) -> float:
    if state is None:
        return float(limit.burst)
    elapsed = max(0.0, now - state.stamp)
    return min(float(limit.burst), state.tokens + elapsed * limit.per_second)


class Bucket(Protocol):
    def acquire(self, *, before: Callable[[float], None] | None = None) -> float:
        """Wait for one token; return the seconds waited. `before(seconds)` is told of a
        wait first, and may refuse it by raising (the token is then given up)."""

    def pause(self, seconds: float) -> None:
        """Make every user of the bucket wait `seconds` before its next token."""


class LeasingBucket:
    """Hands out the tokens of one reservation at their due moments; the store (a file or
    Redis) only sees one visit per lease.

    A lease grows (doubling, up to `lease_size`) while the process spends all of it, and
    shrinks to what it spent when tokens go stale: a process that makes a few calls in 50 ms
    leases a few tokens, not the thousands a lifted limit allows, which the store would count
    as spent and this process would have to drop one by one.
    """

    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit
        # Threads of one run share the bucket: they take their tokens one at a time.
        self._lock = threading.Lock()
        self._due: deque[float] = deque()  # time.monotonic() moments of leased tokens
        self._leased = 0  # tokens of the current lease
        self._dropped = 0  # of those, gone stale

    def acquire(self, *, before: Callable[[float], None] | None = None) -> float:
        with self._lock:
            due = self._next_due()
        wait = max(0.0, due - time.monotonic())
        if wait > 0:
            if before is not None:
                before(wait)
            time.sleep(wait)
        return wait

    def _next_due(self) -> float:
        """The moment of the next token: from the current lease, or from a new one."""
        now = time.monotonic()
        while self._due and self._due[0] < now - self._stale_after():
            self._due.popleft()  # stale: spending it now could add to someone's burst
            self._dropped += 1
        if not self._due:
            count = self._next_lease()
            tokens_left = self._take(count)
            now = time.monotonic()
            self._due.extend(now + o for o in due_offsets(tokens_left, count, self.limit))
        return self._due.popleft()

    def _stale_after(self) -> float:
        """How late a leased token may still be spent: LEASE_SECONDS at the contracts' rates
        (one token per visit, spent on time); at a lifted limit, where leases hold many
        tokens, the time the bucket takes to refill its burst, so that a caller calling
        every 100 ms does not pay a visit to the store for every call."""
        if lease_size(self.limit) == 1:
            return LEASE_SECONDS
        return max(LEASE_SECONDS, self.limit.burst / self.limit.per_second)

    def _next_lease(self) -> int:
        spent = self._leased - self._dropped
        wanted = max(1, spent) if self._dropped else max(1, 2 * self._leased)
        self._leased, self._dropped = min(wanted, lease_size(self.limit)), 0
        return self._leased

    def pause(self, seconds: float) -> None:
        with self._lock:
            self._due.clear()
        self._penalise(seconds)

    def _take(self, count: int) -> float:
        """Reserve `count` tokens in the store; return the tokens left afterwards."""
        raise NotImplementedError

    def _penalise(self, seconds: float) -> None:
        raise NotImplementedError


class FileBucket(LeasingBucket):
    """A bucket in a JSON file, updated under an exclusive lock (one machine, many processes)."""

    def __init__(self, path: Path, limit: RateLimit) -> None:
        super().__init__(limit)
        self.path = path

    def _take(self, count: int) -> float:
        def change(state: BucketState | None, now: float) -> tuple[BucketState, float]:
            new_state, _wait = reserve(state, self.limit, now, count)
            return new_state, new_state.tokens

        return self._update(change)

    def _penalise(self, seconds: float) -> None:
        self._update(
            lambda state, now: (penalise(state, limit=self.limit, now=now, seconds=seconds), 0.0)
        )

    def _update(self, change: Any) -> float:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            state = _decode(os.pread(fd, 4096, 0))
            new_state, result = change(state, time.time())
            encoded = json.dumps({"tokens": new_state.tokens, "stamp": new_state.stamp}).encode()
            os.ftruncate(fd, 0)
            os.pwrite(fd, encoded, 0)
            return float(result)
        finally:
            os.close(fd)  # closing releases the lock


def _decode(raw: bytes) -> BucketState | None:
    try:
        data = json.loads(raw)
        return BucketState(tokens=float(data["tokens"]), stamp=float(data["stamp"]))
    except (ValueError, KeyError, TypeError):
        return None  # a new or damaged file: start with a full bucket


# The same arithmetic as reserve()/penalise(), atomically in Redis with Redis's clock.
# ARGV: rate, burst, mode ("reserve" | "pause"), pause seconds, expiry seconds, count.
# Returns the tokens left (after a reservation of `count`).
_LUA = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'stamp')
local tokens = burst
if state[1] then
  local elapsed = math.max(0, now - tonumber(state[2]))
  tokens = math.min(burst, tonumber(state[1]) + elapsed * rate)
end
if ARGV[3] == 'pause' then
  tokens = math.min(tokens, -tonumber(ARGV[4]) * rate + 1)
else
  tokens = tokens - tonumber(ARGV[6])
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'stamp', tostring(now))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[5]))
return tostring(tokens)
"""


class RedisBucket(LeasingBucket):
    def __init__(self, url: str, key: str, limit: RateLimit) -> None:
        super().__init__(limit)
        self.key = key
        self.script = _redis_script(url)

    def _take(self, count: int) -> float:
        return self._call("reserve", 0.0, count)

    def _penalise(self, seconds: float) -> None:
        self._call("pause", seconds, 0)

    def _call(self, mode: str, seconds: float, count: int) -> float:
        limit = self.limit
        args = [limit.per_second, limit.burst, mode, seconds, IDLE_EXPIRY_SECONDS, count]
        return float(self.script(keys=[self.key], args=args))


@cache
def _redis_script(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url).register_script(_LUA)


def bucket_for(key: str, limit: RateLimit) -> Bucket:
    """Return the shared bucket named `key`: in Redis when configured, else in a file."""
    redis_url = getattr(settings, "REDIS_URL", None)
    if redis_url:
        return RedisBucket(redis_url, f"apicenter:ratelimit:{key}", limit)
    return FileBucket(Path(settings.VAR_DIR) / "ratelimit" / f"{key}.json", limit)
