"""Requests per token per window, counted in the shared cache.

A fixed-window counter (cache.add then cache.incr) rather than DRF's SimpleRateThrottle:
incr is atomic in Redis, so parallel web processes cannot lose counts the way a
read-modify-write of a request history can, and each token costs one small integer.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

SCOPE = "api_token"
DEFAULT_RATE = "600/min"
PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """Return (requests, seconds) of a rate like "600/min"."""
    count, period = rate.split("/")
    return int(count), PERIODS[period.strip()[0]]


def configured_rate() -> str:
    rates = api_settings.DEFAULT_THROTTLE_RATES or {}
    return str(rates.get(SCOPE) or DEFAULT_RATE)


class TokenRateThrottle(BaseThrottle):
    """Limit each API token (not each user or address) to the configured rate."""

    def __init__(self) -> None:
        self.limit, self.window = parse_rate(configured_rate())
        self.retry_after: float | None = None

    def allow_request(self, request: Request, view: APIView) -> bool:
        principal = getattr(request, "auth", None)
        token = getattr(principal, "token", None)
        if token is None:
            return True  # unauthenticated requests are refused before anything is done
        now = time.time()
        window_start = int(now // self.window) * self.window
        key = f"api-throttle:{token.pk}:{window_start}"
        cache.add(key, 0, timeout=self.window * 2)
        try:
            count = cache.incr(key)
        except ValueError:  # the key expired between add and incr
            cache.set(key, 1, timeout=self.window * 2)
            count = 1
        if count <= self.limit:
            return True
        self.retry_after = window_start + self.window - now
        return False

    def wait(self) -> float | None:
        return self.retry_after
