"""Settings: strict environment helpers; production settings pass check --deploy."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from apicenter.env import env_bool, env_int, env_list, env_str, local_secret

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("FALSE", False), ("1", True)])
def test_env_bool_reads_clear_words(monkeypatch, raw, expected):
    monkeypatch.setenv("X_FLAG", raw)
    assert env_bool("X_FLAG", not expected) is expected


def test_env_bool_rejects_typos(monkeypatch):
    monkeypatch.setenv("X_FLAG", "ture")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        env_bool("X_FLAG", False)


def test_env_int_rejects_units(monkeypatch):
    monkeypatch.setenv("X_NUM", "10s")
    with pytest.raises(ImproperlyConfigured, match="not an integer"):
        env_int("X_NUM", 1)


def test_env_list_and_file_variant(monkeypatch, tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text("from-a-file\n")
    monkeypatch.setenv("X_SECRET_FILE", str(secret_file))
    monkeypatch.setenv("X_LIST", " a, b ,,c ")
    assert env_str("X_SECRET") == "from-a-file"
    assert env_list("X_LIST", []) == ["a", "b", "c"]


def test_local_secret_is_created_once_and_kept(tmp_path):
    first = local_secret(tmp_path / "k", make=Fernet)
    assert local_secret(tmp_path / "k", make=Fernet) == first
    Fernet(first.encode())  # a valid Fernet key
    assert oct((tmp_path / "k").stat().st_mode)[-3:] == "600"


def _manage(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "SECRET_KEY",
            "APICENTER_ENCRYPTION_KEYS",
            "DEBUG",
            "SANDBOX_ENABLED",
            # Set by browser tests in this process; check --deploy rightly refuses it.
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


PRODUCTION = {
    "DATABASE_URL": "postgres://apicenter:pw@127.0.0.1:5432/apicenter",
    "SECRET_KEY": "p" + "x7Qm2Lr9Tz4Kc8Vb1Nd6Hs3Jf5Gw0Ye" * 2,
    "APICENTER_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "ALLOWED_HOSTS": "apicenter.example.com",
}


def test_production_settings_pass_check_deploy_without_warnings():
    result = _manage(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = _manage(["check"], env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_encryption_keys():
    env = {k: v for k, v in PRODUCTION.items() if k != "APICENTER_ENCRYPTION_KEYS"}
    result = _manage(["check"], env)
    assert result.returncode != 0
    assert "APICENTER_ENCRYPTION_KEYS" in result.stderr


# Set by the test suite for the worker processes it starts, not by an operator.
SET_BY_THE_TESTS = {"APICENTER_TEST_DB_NAME"}


def test_every_variable_the_settings_read_is_in_env_example():
    read = set(
        re.findall(r'env_[a-z]+\(\s*"([A-Z0-9_]+)"', (ROOT / "apicenter/settings.py").read_text())
    )
    listed = set(re.findall(r"^([A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert read - SET_BY_THE_TESTS <= listed, sorted(read - SET_BY_THE_TESTS - listed)
    assert {"LOG_FORMAT", "METRICS_TOKEN", "SENTRY_DSN"} <= read
