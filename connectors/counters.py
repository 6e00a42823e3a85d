"""Counters and histograms that many processes add to and /metrics reads.

Some figures exist only in the process that saw them: how long a worker waited for an API's
rate limit (MeasuredBucket, below), how long a run's slice held its worker, how long the web
took to answer a webhook. Workers and web processes are many and come and go, so an
in-process counter would be lost with its process and never seen by the one that answers
/metrics: each process adds to one shared store instead.
- Redis (settings.REDIS_URL): one hash; HINCRBYFLOAT is atomic, so no addition is lost.
- Otherwise (the embedded mode, one machine): a JSON file under VAR_DIR, changed under an
  exclusive `fcntl.flock`, as the rate limiter's buckets are.

A figure is named by its metric name and labels. A histogram is kept as one counter per
bucket (not cumulative: the reader adds them up) and one for the sum of what it observed.
Adding never fails the work it measures: when the store does not answer, the figure is lost.
"""

from __future__ import annotations

import fcntl
import json
import logging
import math
import os
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

REDIS_KEY = "apicenter:metrics"
# Seconds spent waiting for a system's rate limit, by system and cause (MeasuredBucket).
RATE_LIMIT_WAIT = "rate_limit_wait_seconds"
FILE_NAME = "metrics.json"
INF = "+Inf"

Key = tuple[str, str]
"""A figure: its metric name and its labels as sorted JSON."""


def key_of(name: str, labels: Mapping[str, str]) -> Key:
    return name, json.dumps(dict(labels), sort_keys=True)


def labels_of(key: Key) -> dict[str, str]:
    return dict(json.loads(key[1]))


def bound_label(bound: float) -> str:
    """The `le` label of a bucket, written as Prometheus writes it ("0.5", "5.0", "+Inf")."""
    return INF if math.isinf(bound) else str(float(bound))


def histogram_increments(
    name: str, *, value: float, buckets: Iterable[float], labels: Mapping[str, str]
) -> list[tuple[Key, float]]:
    """What observing `value` adds: one to the first bucket that holds it, value to the sum."""
    bound = next((b for b in sorted(buckets) if value <= b), math.inf)
    return [
        (key_of(f"{name}_bucket", {**labels, "le": bound_label(bound)}), 1.0),
        (key_of(f"{name}_sum", labels), value),
    ]


class MeasuredBucket:
    """A connection's rate-limit bucket (connectors/ratelimit.py) that adds its waits to the
    figures: every wait for a token (cause "limiter"), and every pause that a 429's
    Retry-After puts on the whole account (cause "429"), by system."""

    def __init__(self, bucket: Any, *, system: str) -> None:
        self.bucket = bucket
        self.system = system

    def acquire(self, **options: Any) -> float:
        waited = float(self.bucket.acquire(**options))
        if waited > 0:
            add(RATE_LIMIT_WAIT, waited, system=self.system, cause="limiter")
        return waited

    def pause(self, seconds: float) -> None:
        self.bucket.pause(seconds)
        if seconds > 0:
            add(RATE_LIMIT_WAIT, seconds, system=self.system, cause="429")


def add(name: str, amount: float = 1.0, **labels: str) -> None:
    _store_add([(key_of(name, labels), amount)])


def observe(name: str, value: float, buckets: Iterable[float], **labels: str) -> None:
    _store_add(histogram_increments(name, value=value, buckets=buckets, labels=labels))


def read() -> dict[Key, float]:
    """Every figure in the store (raises when the store does not answer)."""
    redis_url = getattr(settings, "REDIS_URL", None)
    if redis_url:
        raw = _redis(redis_url).hgetall(REDIS_KEY)
        return {_decode_field(field): float(value) for field, value in raw.items()}
    return {(name, labels): value for name, labels, value in _read_file(_file_path())}


def _store_add(increments: list[tuple[Key, float]]) -> None:
    try:
        redis_url = getattr(settings, "REDIS_URL", None)
        if redis_url:
            pipe = _redis(redis_url).pipeline(transaction=False)
            for key, amount in increments:
                pipe.hincrbyfloat(REDIS_KEY, _encode_field(key), amount)
            pipe.execute()
        else:
            _file_add(_file_path(), increments)
    except Exception as error:  # noqa: BLE001 - a figure is never worth failing the work
        logger.warning("a metric was not recorded: %s", error)


def _encode_field(key: Key) -> str:
    return json.dumps(list(key))


def _decode_field(field: bytes | str) -> Key:
    name, labels = json.loads(field)
    return str(name), str(labels)


@cache
def _redis(url: str) -> Any:
    import redis

    # Short timeouts: a Redis that does not answer must not hold up a run or a webhook.
    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)


def _file_path() -> Path:
    return Path(settings.VAR_DIR) / FILE_NAME


def _read_file(path: Path) -> list[tuple[str, str, float]]:
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return []
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)  # never a file half written
        data = json.loads(os.read(fd, 16 * 1024 * 1024) or b"[]")
    finally:
        os.close(fd)
    return [(str(name), str(labels), float(value)) for name, labels, value in data]


def _file_add(path: Path, increments: list[tuple[Key, float]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        raw = os.read(fd, 16 * 1024 * 1024)
        figures: dict[Key, float] = {
            (name, labels): value for name, labels, value in json.loads(raw or b"[]")
        }
        for key, amount in increments:
            figures[key] = figures.get(key, 0.0) + amount
        encoded = json.dumps([[*key, value] for key, value in sorted(figures.items())]).encode()
        os.ftruncate(fd, 0)
        os.pwrite(fd, encoded, 0)
    finally:
        os.close(fd)  # closing releases the lock
