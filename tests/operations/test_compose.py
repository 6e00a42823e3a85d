"""docker-compose.yml: valid, every long-running service watched, and the data kept.

There is no Docker engine on the test machines: Compose's own validator (`docker-compose
config`, which needs none) checks the file, and the Redis the file describes is started
here, with the same arguments, to show that queued tasks survive its restart.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from celery import Celery
from kombu import Connection

from tests.reliability.conftest import free_port
from tests.worker import wait_until

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
APP_SERVICES = ("web", "worker", "worker-interactive", "beat")


def services() -> dict[str, Any]:
    return dict(yaml.safe_load(COMPOSE.read_text())["services"])


def test_compose_validates_with_its_own_validator(tmp_path):
    compose = shutil.which("docker-compose")
    if compose is None:
        pytest.skip("docker-compose is not installed (.ci/run installs it)")
    # A copy beside a .env made from the example: the file reads one, and none is committed.
    shutil.copy(COMPOSE, tmp_path / "docker-compose.yml")
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    done = subprocess.run(
        [compose, "-f", str(tmp_path / "docker-compose.yml"), "config"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    resolved = yaml.safe_load(done.stdout)["services"]
    assert set(resolved) == set(services())
    assert all(service.get("healthcheck", {}).get("test") for service in resolved.values())


def test_every_long_running_service_has_a_health_check():
    for name, service in services().items():
        check = service.get("healthcheck", {})
        assert check.get("test"), name
        assert not check.get("disable", False), name
        assert service.get("restart") == "unless-stopped", name


def test_the_app_checks_use_the_platforms_own_probes():
    checks = {name: " ".join(services()[name]["healthcheck"]["test"]) for name in APP_SERVICES}
    assert "/readyz" in checks["web"]
    assert "worker_health --node worker@%h" in checks["worker"]
    assert "-n worker@%h" in services()["worker"]["command"]  # the name the check pings
    assert "worker_health --node interactive@%h" in checks["worker-interactive"]
    assert "-n interactive@%h" in services()["worker-interactive"]["command"]
    assert "beat_health" in checks["beat"]


def test_the_app_waits_for_a_healthy_database_and_redis():
    for name in APP_SERVICES:
        depends = services()[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name


def test_the_data_lives_in_named_volumes():
    document = yaml.safe_load(COMPOSE.read_text())
    assert set(document["volumes"]) >= {"pgdata", "redisdata", "backups"}
    assert "pgdata:/var/lib/postgresql/data" in services()["postgres"]["volumes"]
    assert "redisdata:/data" in services()["redis"]["volumes"]
    assert "backups:/backups" in services()["backup"]["volumes"]


def redis_arguments() -> list[str]:
    command = services()["redis"]["command"]
    assert isinstance(command, list)
    assert command[0] == "redis-server"
    return [str(part) for part in command[1:]]


def test_redis_as_composed_keeps_a_queued_task_across_a_restart(tmp_path, monkeypatch):
    arguments = redis_arguments()
    assert arguments[arguments.index("--appendonly") + 1] == "yes"
    port = free_port()
    command = ["redis-server", *arguments, "--port", str(port), "--bind", "127.0.0.1"]
    command += ["--dir", str(tmp_path)]  # what the compose file mounts as /data
    url = f"redis://127.0.0.1:{port}/1"

    def start() -> subprocess.Popen[bytes]:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert wait_until(lambda: answers(url), 20, step=0.05)
        return process

    # Celery reads the variable before its own setting: both name this server. The app is
    # not made the current one: the platform's tasks must keep sending to the test broker.
    monkeypatch.setenv("CELERY_BROKER_URL", url)
    app = Celery(broker=url, set_as_current=False)
    redis = start()
    try:
        app.send_task("flows.tasks.run_flow_task", args=[1], queue="celery")
        app.close()
        assert waiting(url) == 1
        redis.send_signal(signal.SIGTERM)  # a restart: an upgrade, a reboot, a crash loop
        redis.wait(20)
        redis = start()
        assert waiting(url) == 1
    finally:
        redis.kill()
        redis.wait(10)


def answers(url: str) -> bool:
    try:
        with Connection(url, connect_timeout=1) as conn:
            conn.ensure_connection(max_retries=0)
    except Exception:  # noqa: BLE001 - not up yet
        return False
    return True


def waiting(url: str) -> int:
    channel: Any
    with Connection(url) as conn, conn.channel() as channel:
        return int(channel.queue_declare(queue="celery", passive=True).message_count)
