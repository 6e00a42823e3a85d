"""The backup scripts against the real PostgreSQL: a dump of the test database restores into
another database with the same rows, and the freshness check sees the new backup."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection

from flows.models import FlowRun
from tenants.models import Tenant
from tenants.services import signup
from tests.factories import make_bare_integration, make_flow, make_run

ROOT = Path(__file__).resolve().parents[2]
BACKUP = ROOT / "deploy" / "pg_backup.sh"
RESTORE = ROOT / "deploy" / "pg_restore.sh"


def database_url(name: str) -> str:
    settings = connection.settings_dict
    credentials = quote(settings["USER"] or "")
    if settings["PASSWORD"]:
        credentials += ":" + quote(settings["PASSWORD"])
    host = f"{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
    return f"postgres://{credentials}@{host}/{name}"


@pytest.fixture
def empty_database() -> Iterator[str]:
    """A database of the test's own, dropped afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip("backups are of PostgreSQL (the embedded mode's SQLite is one file)")
    name = f"{connection.settings_dict['NAME']}_restored"
    maintenance = database_url("postgres")
    with psycopg.connect(maintenance, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(maintenance, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_script(script: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(script), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def rows(url: str, query: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as db:
        return list(db.execute(query).fetchall())


def test_a_backup_restores_into_another_database(transactional_db, empty_database, tmp_path):
    _owner, tenant = signup(
        email="backup@example.com", password="a long enough secret 99", company_name="Back Up BV"
    )
    run = make_run(make_flow(make_bare_integration(tenant), "orders"), read=12, failed=2)
    source = database_url(str(connection.settings_dict["NAME"]))
    backups = tmp_path / "backups"

    made = run_script(BACKUP, DATABASE_URL=source, BACKUP_DIR=str(backups))
    assert made.returncode == 0, made.stderr
    dump = Path(made.stdout.strip())
    assert dump.parent == backups
    assert dump.name.startswith("apicenter-")
    assert dump.suffix == ".dump"
    assert not list(backups.glob("*.partial"))

    target = database_url(empty_database)
    restored = run_script(RESTORE, str(dump), DATABASE_URL=target)
    assert restored.returncode == 0, restored.stderr
    query = "SELECT slug, name FROM tenants_tenant ORDER BY id"
    assert rows(target, query) == [(t.slug, t.name) for t in Tenant.objects.order_by("id")]
    restored_run = rows(
        target, f"SELECT read, failed, status FROM flows_flowrun WHERE id = {run.pk}"
    )
    assert restored_run == [(12, 2, "succeeded")]
    assert rows(target, "SELECT count(*) FROM django_migrations") == rows(
        source, "SELECT count(*) FROM django_migrations"
    )
    # Restoring again over the restored database replaces it rather than failing.
    FlowRun.objects.filter(pk=run.pk).update(read=99)  # the source changes; the dump does not
    again = run_script(RESTORE, str(dump), DATABASE_URL=target)
    assert again.returncode == 0, again.stderr
    assert rows(target, f"SELECT read FROM flows_flowrun WHERE id = {run.pk}") == [(12,)]


def test_the_freshness_check_wants_a_recent_backup(tmp_path):
    backups = tmp_path / "backups"
    empty = run_script(BACKUP, "--check", BACKUP_DIR=str(backups))
    assert empty.returncode == 1
    assert "no backup younger than 26 hours" in empty.stderr
    backups.mkdir()
    (backups / "apicenter-20260101T030000Z.dump").write_bytes(b"PGDMP")
    assert run_script(BACKUP, "--check", BACKUP_DIR=str(backups)).returncode == 0
    old = run_script(BACKUP, "--check", BACKUP_DIR=str(backups), BACKUP_MAX_AGE_HOURS="0")
    assert old.returncode == 1


def test_a_restore_without_a_file_or_database_says_what_is_missing(tmp_path):
    assert "usage" in run_script(RESTORE).stderr
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    done = subprocess.run(
        ["sh", str(RESTORE), str(tmp_path / "x.dump")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert "DATABASE_URL" in done.stderr
