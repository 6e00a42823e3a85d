"""One throttle for every login: the attacks of issue 19, point 4.

Wrong passwords at the Django admin's login, then the right one; admin failures followed by
the app's login; and many wrong passwords for one email sent at the same moment over real
HTTP. A hasher that counts its checks tells how many attempts reached the password.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from django.conf import settings as django_settings
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core.cache import cache
from django.test import Client

from tenants.models import User

PASSWORD = "the right password 1234"
LIMIT = 5


class CountingHasher(MD5PasswordHasher):
    """Django's MD5 hasher that counts password checks and makes each take a while, so that
    parallel attempts overlap the way slow real hashing makes them."""

    algorithm = "counting_md5"
    checks = 0
    lock = threading.Lock()

    def verify(self, password: str, encoded: str) -> bool:
        with CountingHasher.lock:
            CountingHasher.checks += 1
        threading.Event().wait(0.05)
        return super().verify(password, encoded)


@pytest.fixture(autouse=True)
def _private_cache(settings: Any) -> Iterator[None]:
    """The shared Redis cache where there is one (as in production): its INCR is what keeps
    parallel attempts in line; the process's own memory cache otherwise."""
    redis_url = getattr(django_settings, "REDIS_URL", None)
    if redis_url:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": redis_url,
                "KEY_PREFIX": "login-throttle-test",
            }
        }
    else:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": "login-throttle-test",
            }
        }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff(db: None, settings: Any) -> User:
    settings.LOGIN_THROTTLE_ATTEMPTS = LIMIT
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    CountingHasher.checks = 0
    return User.objects.create_user(
        email="admin@example.com", password=PASSWORD, is_staff=True, is_superuser=True
    )


def admin_login(client: Client, password: str) -> Any:
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": "admin@example.com", "password": password, "next": "/admin/"},
        REMOTE_ADDR="203.0.113.9",
    )


def test_the_admin_login_is_throttled(staff):
    client = Client()
    for _ in range(12):
        admin_login(client, "wrong password 1")
    answer = admin_login(client, PASSWORD)
    assert answer.status_code == 200  # the form again, refused
    assert "_auth_user_id" not in client.session
    assert CountingHasher.checks <= LIMIT


def test_admin_failures_count_toward_the_app_login(staff):
    for _ in range(LIMIT):
        admin_login(Client(), "wrong password 1")
    client = Client()
    answer = client.post(
        "/accounts/login/",
        {"username": "admin@example.com", "password": PASSWORD},
        REMOTE_ADDR="198.51.100.77",  # another address: the email's counter still holds
    )
    assert answer.status_code == 200
    assert "Too many failed sign-in attempts" in answer.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_passwords_never_pass_the_limit(staff, live_server):
    def attempt(number: int) -> int:
        with httpx.Client(base_url=live_server.url) as http:
            page = http.get("/accounts/login/")
            token = page.cookies["csrftoken"]
            answer = http.post(
                "/accounts/login/",
                data={
                    "username": "admin@example.com",
                    "password": f"wrong password {number}",
                    "csrfmiddlewaretoken": token,
                },
                headers={"Referer": f"{live_server.url}/accounts/login/"},
            )
            return answer.status_code

    with ThreadPoolExecutor(max_workers=24) as pool:
        statuses = list(pool.map(attempt, range(24)))
    assert set(statuses) == {200}
    assert 1 <= CountingHasher.checks <= LIMIT, CountingHasher.checks


def test_a_successful_sign_in_does_not_use_up_the_addresss_attempts(staff):
    for _ in range(LIMIT + 2):
        client = Client()
        answer = client.post(
            "/accounts/login/",
            {"username": "admin@example.com", "password": PASSWORD},
            REMOTE_ADDR="203.0.113.50",
        )
        assert answer.status_code == 302
