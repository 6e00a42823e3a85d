"""Whether the platform's parts answer: the web's readiness, a worker's ping, beat's tick.

/healthz says only that the process answers (cheap: a load balancer may ask every second).
/readyz says whether it can do its work: the database, the cache and the broker answer and
every migration is applied. A check that fails is named in the answer, never its error text
(which names hosts); the text goes to the log.
"""

from __future__ import annotations

import logging
import secrets
import socket
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from kombu import Connection

logger = logging.getLogger(__name__)

# Seconds a check may wait for a server: a probe that hangs tells less than one that fails.
CHECK_TIMEOUT = 3
OK = "ok"
FAILED = "failed"
NOT_CHECKED = "not checked"


class NotReady(Exception):
    pass


def broker_connection() -> Connection:
    options = {
        **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        "socket_connect_timeout": CHECK_TIMEOUT,
        "socket_timeout": CHECK_TIMEOUT,
    }
    url = str(settings.CELERY_BROKER_URL)  # always set: "filesystem://" when not configured
    return Connection(url, transport_options=options, connect_timeout=CHECK_TIMEOUT)


def check_database() -> None:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")


def check_cache() -> None:
    key, value = "apicenter:readyz", secrets.token_hex(8)
    cache.set(key, value, 30)
    if cache.get(key) != value:
        raise NotReady("the cache did not keep a value")


def check_broker() -> None:
    with broker_connection() as conn:
        conn.ensure_connection(max_retries=0)  # one attempt: no retry loop in a probe


_migrations_applied = False


def check_migrations() -> None:
    """Raise unless every migration is applied (once true, a process believes it: loading
    the migration graph on every probe would cost more than the rest of the checks)."""
    global _migrations_applied  # noqa: PLW0603 - a per-process memo of a one-way fact
    if _migrations_applied:
        return
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        raise NotReady(f"{len(plan)} migrations are not applied")
    _migrations_applied = True


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "migrations": check_migrations,
}


def readiness() -> dict[str, str]:
    """Each check's outcome: ok, failed, or not checked (migrations without a database)."""
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        if name == "migrations" and results["database"] != OK:
            results[name] = NOT_CHECKED
            continue
        try:
            check()
        except Exception as error:  # noqa: BLE001 - any failure means not ready
            logger.warning("readiness check %s failed: %s: %s", name, type(error).__name__, error)
            results[name] = FAILED
        else:
            results[name] = OK
    return results


# ---- workers and the scheduler -------------------------------------------------------------


def worker_node_name(pattern: str) -> str:
    """Expand Celery's %h (host name) in a node name, as `celery worker -n` does."""
    return pattern.replace("%h", socket.gethostname())


def worker_answers(node: str, *, timeout: float) -> bool:
    """Whether the Celery worker `node` answers a ping through the broker within `timeout`."""
    # The project's app (apicenter/celery.py sets it as the current one when it starts).
    from celery import current_app as app

    # A connection of its own, closed afterwards: the consumer of the replies must not stay
    # in the app's pool, where a process forked later would close it mid-read and hang.
    with app.connection_for_write() as conn:
        replies = app.control.ping(destination=[node], timeout=timeout, connection=conn) or []
    return any(node in reply for reply in replies)


def beat_age(name: str = "beat") -> timedelta | None:
    """How long ago the scheduler last published its tick; None when it never did."""
    from monitoring.models import Heartbeat

    beat = Heartbeat.objects.filter(name=name).first()
    return None if beat is None else timezone.now() - beat.at
