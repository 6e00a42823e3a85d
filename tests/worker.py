"""A real Celery worker process for tests about tasks.

The worker runs in its own process against the test database (committed data only, so
tests that use it need `transactional_db`) and the broker the settings name (Redis in CI,
the filesystem transport in the embedded mode).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


class Worker:
    def __init__(self, process: subprocess.Popen[bytes], log: Path) -> None:
        self.process = process
        self.log = log

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def child_pids(self) -> list[int]:
        """The pool's processes: the ones that actually run tasks."""
        out = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True, check=False
        )
        return [int(pid) for pid in out.stdout.split()]

    def kill_children(self) -> None:
        for pid in self.child_pids():
            os.kill(pid, signal.SIGKILL)


def purge_queues() -> None:
    from apicenter.celery import app

    with app.connection_for_write() as conn:
        for queue in ("celery", "bulk"):
            try:
                conn.default_channel.queue_purge(queue)  # type: ignore[attr-defined]
            except Exception:  # noqa: S112, BLE001 - a queue that does not exist yet is empty
                continue


@contextmanager
def celery_worker(
    tmp_path: Path, *, concurrency: int = 2, extra_env: dict[str, str] | None = None
) -> Iterator[Worker]:
    purge_queues()
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "APICENTER_TEST_DB_NAME": str(connection.settings_dict["NAME"]),
        "APICENTER_ALLOW_PRIVATE_URLS": "true",
        "PYTHONUNBUFFERED": "1",
        # The readable form, whose Celery layout ("ForkPoolWorker-1] Task ...") tests search.
        "LOG_FORMAT": "text",
        **(extra_env or {}),
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "apicenter",
        "worker",
        "-Q",
        "celery,bulk",
        "-c",
        str(concurrency),
        "--without-gossip",
        "--without-mingle",
        "-l",
        "INFO",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=out,  # noqa: S603
            stderr=subprocess.STDOUT,
        )
    worker = Worker(process, log)
    try:
        # A busy machine may take minutes to start a worker: wait, never race.
        wait_until(lambda: " ready." in worker.output() or process.poll() is not None, 300)
        if process.poll() is not None:
            raise RuntimeError("the worker did not start:\n" + worker.output())
        yield worker
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def wait_until(condition: object, seconds: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(step)
    return False
