"""What every benchmark shares: its own database, a web server serving both sandboxes, a real
Celery worker, a tenant wired to the sandboxes, timing and the JSON result.

A script calls `environment()` before anything imports Django, then `django_ready()`, then
uses `web_server()` and `celery_worker()` as context managers.

Databases: with DATABASE_URL (PostgreSQL) the script drops and re-creates a database of its
own beside the named one (`<name>_<benchmark>`, with "bench" in it), so a real database is
never touched and two benchmarks never share one; without it, a SQLite file in a temporary
folder (the embedded mode). REDIS_URL and CELERY_BROKER_URL are used as given; without
them, the embedded file cache and filesystem broker in the same temporary folder.
"""

from __future__ import annotations

import json
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "var" / "bench"
PYTHON = sys.executable
BENCH_PASSWORD = "bench-password-long-enough-42"


# ---- environment and database --------------------------------------------------------------


@dataclass
class Environment:
    port: int
    site: str
    database: str  # a description for the summary
    folder: Path  # logs, and the embedded mode's var/
    drop: Callable[[], None] = lambda: None
    variables: dict[str, str] = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(name: str) -> Environment:
    """Set the process environment for a bench run (before Django is imported)."""
    folder = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    values = {
        "DJANGO_SETTINGS_MODULE": "apicenter.settings",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "APICENTER_ENCRYPTION_KEYS": os.environ.get("APICENTER_ENCRYPTION_KEYS") or fernet_key(),
        "DEBUG": "false",  # DEBUG keeps every SQL query in memory: no figure would be honest
        "SECURE_SSL_REDIRECT": "false",
        "SANDBOX_ENABLED": "true",
        "APICENTER_ALLOW_PRIVATE_URLS": "true",  # the sandboxes live on 127.0.0.1
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SITE_URL": site,
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
        "PYTHONUNBUFFERED": "1",
        # Caches, broker folders and keys of the embedded mode: never the project's var/.
        "APICENTER_VAR_DIR": str(folder / "var"),
    }
    url = os.environ.get("DATABASE_URL")
    if url:
        own_url, drop = own_postgres_database(url, name)
        values["DATABASE_URL"] = own_url
        description = f"PostgreSQL {urlsplit(own_url).path.lstrip('/')}"
    else:
        description, drop = "SQLite (embedded mode)", lambda: None
    os.environ.update(values)
    return Environment(port, site, description, folder, drop, values)


def fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def own_postgres_database(url: str, benchmark: str) -> tuple[str, Callable[[], None]]:
    """Re-create the benchmark's database; return its URL and how to drop it."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "apicenter"
    name = f"{name}_{benchmark}" if "bench" in name else f"{name}_bench_{benchmark}"
    admin_url = urlunsplit(parts._replace(path="/postgres"))

    def drop() -> None:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    drop()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}")), drop


def django_ready() -> None:
    """Set Django up on the bench database and migrate it."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    cache.clear()  # rate-limit buckets and tokens of an earlier run
    purge_queues()


def purge_queues() -> None:
    from apicenter.celery import app

    with app.connection_for_write() as conn:
        for queue in ("celery", "bulk"):
            try:
                conn.default_channel.queue_purge(queue)  # type: ignore[attr-defined]
            except Exception:  # noqa: S112, BLE001 - a queue that does not exist yet is empty
                continue


# ---- processes ----------------------------------------------------------------------------


@dataclass
class Process:
    popen: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def children(self) -> list[int]:
        out = subprocess.run(
            ["pgrep", "-P", str(self.popen.pid)], capture_output=True, text=True, check=False
        )
        return [int(pid) for pid in out.stdout.split()]

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(30)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(5)


def spawn(command: list[str], log: Path, **extra_env: str) -> Process:
    with log.open("wb") as out:
        popen = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command,
            cwd=ROOT,
            env={**os.environ, **extra_env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Process(popen, log)


@contextmanager
def web_server(env: Environment, *, workers: int = 3, threads: int = 2) -> Iterator[Process]:
    """Serve the whole site (sandboxes and API) with gunicorn: three workers as in
    docker-compose, threaded so that connections are kept alive."""
    command = [
        PYTHON, "-m", "gunicorn", "apicenter.wsgi", "--bind", f"127.0.0.1:{env.port}",
        "--workers", str(workers), "--threads", str(threads), "--timeout", "120",
        "--keep-alive", "10", "--log-level", "warning",
    ]  # fmt: skip
    server = spawn(command, env.folder / "web.log")
    try:
        wait_for_http(env.site + "/sandbox/feeddex/", server)
        yield server
    finally:
        server.stop()


def wait_for_http(url: str, process: Process, seconds: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise RuntimeError("the web server stopped:\n" + process.output()[-3000:])
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("the web server did not answer:\n" + process.output()[-3000:])


@contextmanager
def celery_worker(
    env: Environment, *, concurrency: int = 1, name: str = "worker", queues: str = "celery,bulk"
) -> Iterator[Process]:
    """A real worker on both queues (or those named); concurrency 1 makes the child that runs
    the flows one process whose memory can be read."""
    command = [
        PYTHON, "-m", "celery", "-A", "apicenter", "worker", "-Q", queues,
        "-c", str(concurrency), "--without-gossip", "--without-mingle", "--without-heartbeat",
        "-l", "INFO", "-n", f"{name}-{env.port}@%h",
    ]  # fmt: skip
    # At INFO whatever LOG_LEVEL says: "ready." and each task's "succeeded in" are INFO lines
    # that the benchmarks wait for and read.
    worker = spawn(command, env.folder / f"{name}.log", LOG_LEVEL="INFO")
    try:
        if not wait_until(
            lambda: " ready." in worker.output() or worker.popen.poll() is not None, 300
        ):
            raise RuntimeError("the worker did not start:\n" + worker.output()[-3000:])
        if worker.popen.poll() is not None:
            raise RuntimeError("the worker stopped:\n" + worker.output()[-3000:])
        yield worker
    finally:
        worker.stop()


def wait_until(condition: Callable[[], bool], seconds: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


def memory_kib(pid: int) -> dict[str, int]:
    """VmHWM (peak resident set) and VmRSS of a process, in KiB, from /proc."""
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmHWM", "VmRSS"):
            values[name] = int(rest.split()[0])
    return values


# ---- a tenant on both sandboxes -------------------------------------------------------------


@dataclass
class Shop:
    tenant: Any
    integration: Any

    def flow(self, kind: str) -> Any:
        return self.integration.flows.get(kind=kind)

    @property
    def administration(self) -> Any:
        from connectors.asperion.sandbox.models import Administration

        return Administration.objects.get(
            pk=self.integration.accounting.config["administration_id"]
        )

    @property
    def account(self) -> Any:
        from connectors.feeddex.sandbox.models import Account

        return Account.objects.get(organization=self.integration.shop.config["organization"])


# Effectively no client-side throttle: the benchmark asks what the platform itself costs.
NO_LIMIT = {"rate_limit_per_second": 100000, "rate_limit_burst": 100000}


def make_shop(*, articles: int, debtors: int = 20, email: str = "bench@example.com") -> Shop:
    """A tenant whose integration uses both sandboxes, with `articles` articles in Asperion
    and the sandboxes' own rate limits off."""
    from connectors.asperion.sandbox.seed import seed_administration
    from connectors.sandboxkit.provision import sandbox_connect
    from flows.services import integration_ensure
    from tenants.services import signup

    _, tenant = signup(email=email, password=BENCH_PASSWORD, company_name="Bench B.V.")
    sandbox_connect(tenant=tenant)
    shop = Shop(tenant, integration_ensure(tenant=tenant))
    for connection in (shop.integration.accounting, shop.integration.shop):
        connection.config = {**connection.config, **NO_LIMIT}
        connection.save(update_fields=["config"])
    seed_administration(shop.administration, articles=articles, debtors=debtors, seed=1)
    sandbox_limits_off(shop)
    return shop


def sandbox_limits_off(shop: Shop, **knobs: Any) -> None:
    from connectors.sandboxkit.knobs import Knobs

    values = {"rate_per_second": 0, "rate_per_minute": 0, **knobs}
    administration = shop.administration
    administration.knobs = values
    administration.save(update_fields=["knobs"])
    account = shop.account
    account.knobs = Knobs(**values).model_dump(mode="json")
    account.save(update_fields=["knobs"])


# ---- runs -----------------------------------------------------------------------------------


@dataclass
class RunFigures:
    run_id: int
    status: str
    seconds: float  # queued → finished, as the user waits for it
    read: int
    created: int
    updated: int
    skipped: int
    failed: int
    api_calls: int
    error: str
    http_seconds: float = 0.0  # time spent inside the run's API calls (ApiCallLog durations)

    @property
    def writes(self) -> int:
        return self.created + self.updated


def run_flow(
    flow: Any, *, params: dict[str, Any] | None = None, timeout: float = 3600
) -> RunFigures:
    """Queue a run for the Celery worker and wait for it to finish."""
    from flows.models import FINISHED_STATUSES, FlowRun, Trigger
    from flows.run_params import RunParams
    from flows.services import flow_run_start

    finished = FINISHED_STATUSES
    started = time.monotonic()
    run = flow_run_start(flow=flow, trigger=Trigger.MANUAL, params=RunParams.read(params))

    def done() -> bool:
        run.refresh_from_db()
        return run.status in finished

    if not wait_until(done, timeout, step=0.05):
        raise RuntimeError(f"run {run.pk} did not finish within {timeout} s")
    seconds = time.monotonic() - started
    return figures_of(FlowRun.objects.get(pk=run.pk), seconds)


def figures_of(run: Any, seconds: float) -> RunFigures:
    from django.db.models import Sum

    from flows.models import ApiCallLog

    http_ms = ApiCallLog.objects.filter(run=run).aggregate(total=Sum("duration_ms"))["total"]
    return RunFigures(
        run_id=run.pk,
        status=run.status,
        seconds=seconds,
        read=run.read,
        created=run.created,
        updated=run.updated,
        skipped=run.skipped,
        failed=run.failed,
        api_calls=run.api_calls,
        error=run.error,
        http_seconds=(http_ms or 0) / 1000,
    )


# ---- figures and results --------------------------------------------------------------------


def spread(values: list[float]) -> dict[str, float]:
    """Median, min and max of repeated measurements (the spread is what noise looks like)."""
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "n": len(values),
    }


def show_spread(label: str, values: list[float], unit: str = "", digits: int = 2) -> str:
    s = spread(values)
    fmt = f"{{:,.{digits}f}}"
    return (
        f"{label}: {fmt.format(s['median'])}{unit} (median of {len(values)}; "
        f"{fmt.format(s['min'])} to {fmt.format(s['max'])})"
    )


def print_spread(label: str, values: list[float], unit: str = "", digits: int = 2) -> None:
    print("  " + show_spread(label, values, unit, digits))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def machine() -> dict[str, Any]:
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "system": platform.platform(),
        "load_average": os.getloadavg(),
    }


def write_result(name: str, env: Environment, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    document = {
        "benchmark": name,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": env.database,
        "broker": "Redis" if os.environ.get("CELERY_BROKER_URL") else "filesystem",
        "machine": machine(),
        **data,
    }
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
    return path


def finish(env: Environment, *, keep: bool = False) -> None:
    """Close connections, drop the bench database and the temporary folder."""
    from django.db import connections

    connections.close_all()
    if keep:
        print(f"kept: {env.database}, logs in {env.folder}")
        return
    env.drop()
    shutil.rmtree(env.folder, ignore_errors=True)


def profile(name: str, work: Callable[[], object], *, top: int = 30) -> Path:
    """Run `work` under cProfile; print the top functions by own and cumulative time."""
    import cProfile
    import pstats

    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.prof"
    profiler = cProfile.Profile()
    started = time.monotonic()
    profiler.runcall(work)
    print(f"profiled: {time.monotonic() - started:.1f} s; stats in {path}")
    profiler.dump_stats(str(path))
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return path
