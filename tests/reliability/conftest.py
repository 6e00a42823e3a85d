"""Fixtures for the fault tests: a Redis server of the test's own, which it may kill.

The shared Redis (other test sessions use it) is never restarted: a test that takes Redis
away starts its own server on a free port and points the broker and the cache of both the
test process and its worker at it.
"""

from __future__ import annotations

import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors.asperion.sandbox import models as asperion_db
from flows.models import Flow, FlowRun
from tests.flows.conftest import Synced
from tests.flows.conftest import shop as shop  # noqa: F401 - fixtures of the flows tests
from tests.flows.conftest import synced as synced  # noqa: F401
from tests.worker import wait_until


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PrivateRedis:
    """A redis-server that keeps nothing on disk, as Redis without persistence does."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    @property
    def broker_url(self) -> str:
        return self.url(0)

    @property
    def cache_url(self) -> str:
        return self.url(1)

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
        self.process = subprocess.Popen(  # noqa: S603
            command, cwd=self.workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        if not wait_until(self.answers, 10, step=0.05):
            raise RuntimeError("the private redis-server did not start")

    def kill(self) -> None:
        """Stop it the hard way: whatever it held in memory is gone."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self.process = None

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def worker_env(self) -> dict[str, str]:
        return {"CELERY_BROKER_URL": self.broker_url, "REDIS_URL": self.cache_url}


@pytest.fixture
def private_redis(
    tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[PrivateRedis]:
    """A private Redis that this test's process and worker use as broker and cache."""
    from apicenter.celery import app as celery_app

    server = PrivateRedis(tmp_path)
    server.start()
    # Celery reads the variable before its own setting: both must name the private server.
    monkeypatch.setenv("CELERY_BROKER_URL", server.broker_url)
    app: Any = celery_app  # writable settings and private pools, as in Celery's own tests
    saved = (app.conf.broker_url, app.conf.broker_transport_options)
    app.conf.broker_url = server.broker_url
    app.conf.broker_transport_options = {"visibility_timeout": 3600}
    forget_pools(app)
    settings.REDIS_URL = server.cache_url
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": server.cache_url,
        }
    }
    try:
        yield server
    finally:
        app.conf.broker_url, app.conf.broker_transport_options = saved
        forget_pools(app)
        if server.process is not None:
            server.kill()


def forget_pools(app: Any) -> None:
    # Forget (not close) the pools: the next send builds them from the current URL.
    app._pool = None
    app.amqp._producer_pool = None


# A run that saved no page for this long is presumed dead. A products page (100 articles)
# takes 5 to 7 seconds on a busy 2-core machine; the production default is 5 minutes.
STALE_SECONDS = 20


def runs_of(flow: Flow) -> list[FlowRun]:
    return list(FlowRun.objects.filter(flow=flow).order_by("id"))


def latest_run(flow: Flow) -> FlowRun:
    return runs_of(flow)[-1]


def product_codes(synced: Synced) -> set[str]:
    """The articles the products flow turns into Feeddex products."""
    articles = asperion_db.Article.objects.filter(
        administration=synced.administration, is_variant=False, active=True
    ).exclude(code="VERZEND")
    return set(articles.values_list("code", flat=True))
