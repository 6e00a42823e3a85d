"""Login throttling: after N failed attempts for one email (from any address) or from one
address (for any email), further attempts are refused until the window has passed.

The counters live in the shared cache (Redis in production, a file cache in the embedded
mode), so every web process sees the same count.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache


def _keys(email: str, ip: str) -> list[str]:
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return [f"login-fail:email:{digest}", f"login-fail:ip:{ip}"]


def is_locked(email: str, ip: str) -> bool:
    limit = settings.LOGIN_THROTTLE_ATTEMPTS
    return any((cache.get(key) or 0) >= limit for key in _keys(email, ip))


def record_failure(email: str, ip: str) -> None:
    for key in _keys(email, ip):
        cache.add(key, 0, settings.LOGIN_THROTTLE_SECONDS)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, settings.LOGIN_THROTTLE_SECONDS)


def reset(email: str, ip: str) -> None:
    cache.delete(_keys(email, ip)[0])
