"""The shared counters behind /metrics: in Redis, or in a locked file in the embedded mode."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from connectors import counters
from connectors.counters import key_of

ROOT = Path(__file__).resolve().parents[2]
BUCKETS = (0.5, 1.0, 5.0)


@pytest.fixture(params=["redis", "file"])
def store(request: Any, settings: Any, tmp_path) -> str:
    if request.param == "file":
        settings.REDIS_URL = None
        settings.VAR_DIR = tmp_path
    elif not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set")
    return str(request.param)


def test_figures_add_up_and_read_back(store):
    name = f"test_{uuid.uuid4().hex}"  # the Redis hash is shared with other tests
    counters.add(name, 2.5, system="asperion")
    counters.add(name, 1, system="asperion")
    counters.add(name, system="feeddex")
    counters.observe(f"{name}_h", 0.7, BUCKETS, kind="orders")
    counters.observe(f"{name}_h", 9.0, BUCKETS, kind="orders")
    figures = counters.read()
    assert figures[key_of(name, {"system": "asperion"})] == 3.5
    assert figures[key_of(name, {"system": "feeddex"})] == 1
    assert figures[key_of(f"{name}_h_bucket", {"kind": "orders", "le": "1.0"})] == 1
    assert figures[key_of(f"{name}_h_bucket", {"kind": "orders", "le": "+Inf"})] == 1
    assert figures[key_of(f"{name}_h_sum", {"kind": "orders"})] == 9.7


ADD_FIFTY = (
    "import sys, django; django.setup(); from connectors import counters\n"
    "for _ in range(50): counters.add(sys.argv[1])"
)


def test_processes_adding_at_once_lose_nothing(store, settings):
    name = f"test_{uuid.uuid4().hex}"
    # Separate processes, as workers are, each with the test's store.
    env = {
        **os.environ,
        "REDIS_URL": settings.REDIS_URL or "",
        "APICENTER_VAR_DIR": str(settings.VAR_DIR),
    }
    processes = [
        subprocess.Popen([sys.executable, "-c", ADD_FIFTY, name], cwd=ROOT, env=env)
        for _ in range(3)
    ]
    assert [process.wait(120) for process in processes] == [0, 0, 0]
    assert counters.read()[key_of(name, {})] == 150


def test_a_store_that_does_not_answer_loses_the_figure_not_the_work(settings, caplog):
    counters._redis.cache_clear()
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # nothing listens on the discard port
    counters.add("test_lost", 1)  # no exception
    assert "a metric was not recorded" in caplog.text
    with pytest.raises(Exception):  # noqa: B017, PT011 - reading says that it failed
        counters.read()
