"""/healthz and /readyz as a probe sees them: with every part up, and with one part down.

The broker's Redis is a server of the test's own (the shared ones are never stopped).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db.migrations.recorder import MigrationRecorder

from monitoring import health
from tests.operations.conftest import scrape
from tests.reliability.conftest import PrivateRedis, free_port

ALL_OK = {"database": "ok", "cache": "ok", "broker": "ok", "migrations": "ok"}


def test_healthz_answers_anyone_without_touching_the_database(client):
    # No database access is allowed in this test: the cheap probe must not need one.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"
    assert response["X-Request-ID"]
    assert client.head("/healthz").status_code == 200


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
def test_the_endpoints_take_only_get_and_head(client, path):
    assert client.post(path).status_code == 405


@pytest.mark.django_db
def test_probes_reach_a_container_by_address_over_plain_http(client, settings):
    settings.ALLOWED_HOSTS = ["apicenter.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    by_address = {"HTTP_HOST": "10.1.2.3:8000"}
    assert client.get("/accounts/login/", **by_address).status_code == 400  # host refused
    assert client.get("/healthz", **by_address).status_code == 200
    assert client.get("/readyz", **by_address).status_code == 200
    assert client.get("/accounts/login/", HTTP_HOST="apicenter.example.com").status_code == 301


@pytest.mark.django_db
def test_readyz_is_ready_when_every_part_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "failed": [], "checks": ALL_OK}


@pytest.mark.django_db
def test_readyz_names_the_cache_when_it_does_not_answer(client, settings):
    port = free_port()  # nothing listens there
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
        }
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["cache"]
    assert str(port) not in response.content.decode()  # what failed, never where


@pytest.mark.django_db
def test_readyz_names_migrations_that_are_not_applied(client, monkeypatch):
    monkeypatch.setattr(health, "_migrations_applied", False)
    latest = MigrationRecorder.Migration.objects.filter(app="monitoring").order_by("-id").first()
    assert latest is not None
    latest.delete()  # as after a deploy whose `migrate` has not run (undone with the test)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["migrations"]


@pytest.mark.django_db
def test_readyz_names_the_broker_while_its_redis_is_stopped_and_is_ready_after(
    client, settings: Any, tmp_path, metrics_token
):
    broker = PrivateRedis(tmp_path)
    broker.start()
    settings.CELERY_BROKER_URL = broker.broker_url
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
    try:
        assert client.get("/readyz").status_code == 200
        broker.kill()
        stopped = client.get("/readyz")
        assert stopped.status_code == 503
        assert stopped.json() == {
            "status": "not ready",
            "failed": ["broker"],
            "checks": {**ALL_OK, "broker": "failed"},
        }
        assert scrape().value("apicenter_broker_up") == 0
        broker.start()  # the same port again
        assert client.get("/readyz").json() == {"status": "ready", "failed": [], "checks": ALL_OK}
        assert scrape().value("apicenter_broker_up") == 1
    finally:
        if broker.process is not None:
            broker.kill()
