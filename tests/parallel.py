"""Each pytest-xdist worker gets Redis databases and a var folder of its own.

Loaded with `-p` (pyproject), so it runs before Django reads its settings. PostgreSQL needs
nothing here: pytest-django gives each worker its own test database. A worker test's Celery
worker inherits these variables, so it consumes only its own test process's tasks.
"""

from __future__ import annotations

import os
from pathlib import Path


def own_redis_database(url: str, worker: int) -> str:
    """The URL with its database number moved two up per worker (cache and broker pairs)."""
    base, _, database = url.rpartition("/")
    if not base.startswith(("redis://", "rediss://")) or not database.isdigit():
        return url
    return f"{base}/{int(database) + 2 * worker}"


def isolate_worker(environ: os._Environ[str]) -> None:
    name = environ.get("PYTEST_XDIST_WORKER")  # "gw0", "gw1", …: set before plugins load
    if not name:
        return
    worker = int(name.removeprefix("gw"))
    for variable in ("REDIS_URL", "CELERY_BROKER_URL"):
        if environ.get(variable):
            environ[variable] = own_redis_database(environ[variable], worker)
    # The embedded mode keeps its broker folders, cache and keys there.
    var = environ.get("APICENTER_VAR_DIR") or str(Path(__file__).resolve().parent.parent / "var")
    environ["APICENTER_VAR_DIR"] = os.path.join(var, name)


isolate_worker(os.environ)
