"""The shared token bucket: its arithmetic, and one bucket shared by processes (file) and by
machines (Redis, when a redis-server binary is installed to start one)."""

from __future__ import annotations

import multiprocessing
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.ratelimit import (
    LEASE_SECONDS,
    BucketState,
    FileBucket,
    RateLimit,
    RedisBucket,
    bucket_for,
    due_offsets,
    lease_size,
    limit_for,
    penalise,
    reserve,
)

LIMIT = RateLimit(per_second=20, burst=2)


def test_a_full_bucket_gives_its_burst_at_once_then_the_rate():
    state: BucketState | None = None
    waits = []
    for _ in range(5):
        state, wait = reserve(state, LIMIT, now=100.0)
        waits.append(round(wait, 3))
    assert waits == [0, 0, 0.05, 0.1, 0.15]


def test_the_bucket_refills_with_time_up_to_its_burst():
    state, _ = reserve(None, LIMIT, now=100.0)
    state, _ = reserve(state, LIMIT, now=100.0)
    state, wait = reserve(state, LIMIT, now=110.0)  # long idle: full again, not 200 tokens
    assert wait == 0
    assert state.tokens == 1


def test_a_pause_makes_the_next_caller_wait_and_does_not_stack():
    state = penalise(None, limit=LIMIT, now=100.0, seconds=3)
    state = penalise(
        state, limit=LIMIT, now=100.0, seconds=3
    )  # a second worker reports the same 429
    _, wait = reserve(state, LIMIT, now=100.0)
    assert wait == pytest.approx(3.0)


def test_tokens_taken_together_fall_due_one_rate_step_apart():
    # One token was left before taking three: the first is due now, then every 1/20 s.
    assert due_offsets(tokens_left=-2, count=3, limit=LIMIT) == [0.0, 0.05, 0.1]
    state, wait = reserve(None, LIMIT, now=100.0, count=2)
    assert (state.tokens, wait) == (0.0, 0.0)


def test_a_process_takes_one_token_per_visit_unless_the_rate_is_high():
    assert lease_size(limit_for("asperion", {})) == 1
    assert lease_size(limit_for("feeddex", {})) == 1
    assert lease_size(RateLimit(per_second=1000, burst=100)) == 50  # 50 ms worth
    assert lease_size(RateLimit(per_second=1000, burst=10)) == 10  # never beyond the burst


def leases_of(bucket: FileBucket) -> list[int]:
    """The sizes of the leases the bucket takes from its store, as it takes them."""
    visits: list[int] = []
    take = bucket._take

    def counted(count: int) -> float:
        visits.append(count)
        return float(take(count))

    bucket._take = counted  # type: ignore[method-assign]
    return visits


def test_at_a_high_rate_a_lease_saves_visits_and_keeps_the_rate(tmp_path):
    bucket = FileBucket(tmp_path / "bucket.json", RateLimit(per_second=1000, burst=100))
    visits = leases_of(bucket)
    started = time.monotonic()
    for _ in range(300):
        bucket.acquire()
    # The burst of 100 at once, then 200 more at 1000/s: at least 0.2 s, in leases that grow
    # to 50 tokens (a lease left unspent for 50 ms after its moment is dropped, never spent).
    assert time.monotonic() - started >= 0.19
    assert 6 <= len(visits) < 30
    assert visits[:4] == [1, 2, 4, 8]
    assert max(visits) == 50


def test_a_slow_caller_leases_what_it_spends_not_what_the_limit_allows(tmp_path):
    bucket = FileBucket(tmp_path / "bucket.json", RateLimit(per_second=100000, burst=100000))
    visits = leases_of(bucket)
    for _ in range(12):
        bucket.acquire()
        time.sleep(LEASE_SECONDS * 1.5)  # a call takes longer than a lease lasts
    # Leases of 5,000 tokens (50 ms at this limit) would be counted as spent in the store;
    # leases that double while spent take at most twice what the caller spends, and a
    # steady caller does not visit the store for every call.
    assert sum(visits) <= 2 * 12
    assert len(visits) < 12


def test_limits_come_from_the_system_and_the_connection_config():
    assert limit_for("asperion", {}) == RateLimit(per_second=9.5, burst=1)
    assert limit_for("feeddex", {}) == RateLimit(per_second=1.95, burst=3)
    assert limit_for("feeddex", {"rate_limit_per_second": 5, "rate_limit_burst": 2}) == RateLimit(
        per_second=5, burst=2
    )
    with pytest.raises(ValueError, match="positive"):
        limit_for("asperion", {"rate_limit_per_second": -1})


def _take(path: str, count: int, stamps: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    bucket = FileBucket(Path(path), RateLimit(per_second=20, burst=2))
    for _ in range(count):
        bucket.acquire()
        stamps.put(time.time())


def most_in_any_second(stamps: list[float]) -> int:
    stamps = sorted(stamps)
    return max(sum(1 for s in stamps if start <= s < start + 1.0) for start in stamps)


def test_worker_processes_share_one_file_bucket(tmp_path):
    context = multiprocessing.get_context("fork")
    stamps = context.Queue()
    path = str(tmp_path / "bucket.json")
    workers = [context.Process(target=_take, args=(path, 15, stamps)) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    taken = [stamps.get(timeout=5) for _ in range(45)]
    # 45 tokens at 20/s with a burst of 2: at least 2.15 s, never more than 22 in a second.
    assert max(taken) - min(taken) >= 2.0
    assert most_in_any_second(taken) <= 22 + 1  # +1: clock granularity at the window edge


def test_without_redis_the_bucket_is_a_file_under_var(settings, tmp_path):
    settings.REDIS_URL = None
    settings.VAR_DIR = tmp_path
    bucket = bucket_for("feeddex-abc", LIMIT)
    assert isinstance(bucket, FileBucket)
    bucket.acquire()
    assert (tmp_path / "ratelimit" / "feeddex-abc.json").exists()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def redis_url() -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 - a fixed local binary
        [binary, "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(50):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_workers_share_one_redis_bucket(redis_url, settings):
    settings.REDIS_URL = redis_url
    assert isinstance(bucket_for("asperion-xyz", LIMIT), RedisBucket)
    stamps: list[float] = []
    lock = threading.Lock()

    def take() -> None:
        bucket = bucket_for("asperion-xyz", LIMIT)  # each worker its own client
        for _ in range(15):
            bucket.acquire()
            with lock:
                stamps.append(time.time())

    threads = [threading.Thread(target=take) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(stamps) == 45
    assert max(stamps) - min(stamps) >= 2.0
    assert most_in_any_second(stamps) <= 23


def test_a_pause_in_redis_holds_every_worker(redis_url, settings):
    settings.REDIS_URL = redis_url
    bucket = bucket_for("asperion-pause", RateLimit(per_second=50, burst=5))
    bucket.pause(0.5)
    started = time.monotonic()
    bucket_for("asperion-pause", RateLimit(per_second=50, burst=5)).acquire()
    assert time.monotonic() - started >= 0.45
