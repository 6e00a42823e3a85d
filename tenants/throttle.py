"""Login throttling, for every form that signs a user in (the app's and the Django admin's):
after N attempts for one email (from any address) or from one address (for any email),
further attempts are refused until the window has passed.

An attempt takes its place in the counters *before* the password is checked, with one atomic
increment per counter (Redis INCR in production), so that many attempts sent at once are
never more than N checked: reading the count first and recording the failure after the slow
check let parallel attempts all pass. A successful sign-in gives its place back.

The counters live in the shared cache, so every web process sees the same count. The
embedded mode's file cache increments by reading and writing the file, so there a file lock
makes the increment atomic between processes.
"""

from __future__ import annotations

import fcntl
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.filebased import FileBasedCache


def _keys(email: str, ip: str) -> list[str]:
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    keys = [f"login-attempt:email:{digest}"]
    return [*keys, f"login-attempt:ip:{ip}"] if ip else keys


@contextmanager
def _atomic() -> Iterator[None]:
    """Serialise increments where the cache cannot (the embedded file cache)."""
    if not isinstance(cache, FileBasedCache):
        yield
        return
    lock = Path(settings.VAR_DIR) / "login-throttle.lock"
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def counted_increment(key: str, seconds: int, delta: int = 1) -> int:
    """Add `delta` to a counter that lives `seconds` from its first increment; return it."""
    with _atomic():
        cache.add(key, 0, seconds)
        try:
            return int(cache.incr(key, delta))
        except ValueError:  # expired between add and incr
            cache.set(key, max(delta, 0), seconds)
            return max(delta, 0)


def attempt_begin(email: str, ip: str) -> bool:
    """Count one attempt for the email and the address; return whether it may be checked."""
    window = settings.LOGIN_THROTTLE_SECONDS
    counts = [counted_increment(key, window) for key in _keys(email, ip)]
    return all(count <= settings.LOGIN_THROTTLE_ATTEMPTS for count in counts)


def attempt_succeeded(email: str, ip: str) -> None:
    """The right password: the email starts afresh, and the address gets its place back."""
    email_key, *ip_key = _keys(email, ip)
    cache.delete(email_key)
    for key in ip_key:
        counted_increment(key, settings.LOGIN_THROTTLE_SECONDS, -1)


def is_locked(email: str, ip: str, *, beyond: int = 0) -> bool:
    """Return whether the attempts used up the limit (`beyond` = 1: went past it, which is
    what an attempt the backend refused did)."""
    limit = settings.LOGIN_THROTTLE_ATTEMPTS + beyond
    return any((cache.get(key) or 0) >= limit for key in _keys(email, ip))


def signup_allowed(ip: str) -> bool:
    """Count a signup from this address; return whether it is within the quota
    (SIGNUP_THROTTLE_ATTEMPTS per SIGNUP_THROTTLE_SECONDS): each signup costs a mail, and
    each company that uses the sandboxes a seeded data set."""
    key = f"signup:ip:{ip}"
    count = counted_increment(key, settings.SIGNUP_THROTTLE_SECONDS)
    return count <= settings.SIGNUP_THROTTLE_ATTEMPTS
