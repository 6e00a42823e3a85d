"""Log lines: JSON objects with the tenant, flow, run and request ids; secrets redacted."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from apicenter.env import env_choice
from conftest import TenantWorld
from monitoring.logs import ContextFilter, JsonFormatter, TextFormatter, log_context
from tenants.services import api_token_create

logger = logging.getLogger("tests.operations")


class Lines(logging.Handler):
    """The lines the console handler would write, as settings.LOGGING configures it."""

    def __init__(self, formatter: logging.Formatter) -> None:
        super().__init__()
        self.addFilter(ContextFilter())
        self.setFormatter(formatter)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def json(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines]

    def about(self, text: str) -> dict[str, Any]:
        (line,) = [line for line in self.json() if text in line["message"]]
        return line


def capture(formatter: logging.Formatter) -> Iterator[Lines]:
    handler = Lines(formatter)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


@pytest.fixture
def lines() -> Iterator[Lines]:
    yield from capture(JsonFormatter())


@pytest.fixture
def text_lines() -> Iterator[Lines]:
    yield from capture(TextFormatter())


def test_a_line_carries_the_bound_ids_as_json_fields(lines: Lines):
    with log_context(tenant_id=3, flow_id=7, request_id="task-1"):
        with log_context(run_id=42):
            logger.warning("inside a run")
        logger.warning("after the run")
    logger.warning("outside")
    inside, after, outside = lines.json()
    assert inside["message"] == "inside a run"
    assert inside["level"] == "WARNING"
    assert inside["logger"] == "tests.operations"
    assert (inside["tenant_id"], inside["flow_id"], inside["run_id"]) == (3, 7, 42)
    assert inside["request_id"] == "task-1"
    assert (after["tenant_id"], after["run_id"]) == (3, None)
    assert {
        k: outside[k] for k in ("tenant_id", "flow_id", "run_id", "request_id")
    } == dict.fromkeys(("tenant_id", "flow_id", "run_id", "request_id"))


def test_secrets_in_a_message_or_traceback_are_redacted(lines: Lines):
    logger.warning("GET /v1/x?access_token=tok-123456789 failed: Bearer eyJhbGciOiJIUzI1NiJ9")
    try:
        raise ValueError("refused token abcdefgh12345678")
    except ValueError:
        logger.exception("a call failed")
    message, failure = lines.json()
    assert "tok-123456789" not in message["message"]
    assert "eyJhbGciOiJIUzI1NiJ9" not in message["message"]
    assert "[redacted]" in message["message"]
    assert "abcdefgh12345678" not in failure["traceback"]
    assert "ValueError" in failure["traceback"]


def test_the_text_form_is_readable_and_names_the_ids(text_lines: Lines):
    with log_context(tenant_id=3, run_id=42, request_id="r-1"):
        logger.warning("inside a run")
    logger.warning("outside")
    inside, outside = text_lines.lines
    assert inside.endswith("] inside a run (tenant=3 run=42)")
    assert "WARNING/MainProcess" in inside
    assert outside.endswith("] outside")


def test_log_format_accepts_only_json_or_text(monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "Text")
    assert env_choice("LOG_FORMAT", ("json", "text"), "json") == "text"
    monkeypatch.setenv("LOG_FORMAT", "yaml")
    with pytest.raises(ImproperlyConfigured, match="LOG_FORMAT"):
        env_choice("LOG_FORMAT", ("json", "text"), "json")


# ---- requests ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_requests_lines_name_the_request_and_the_members_tenant(world: TenantWorld, lines: Lines):
    response = world.client_for(world.owner).get("/no-such-page/")
    assert response.status_code == 404
    line = lines.about("Not Found: /no-such-page/")  # Django's own line, after the middleware
    assert line["request_id"] == response["X-Request-ID"]
    assert line["tenant_id"] == world.tenant.pk
    logger.warning("after the request")
    assert lines.about("after the request")["request_id"] is None  # nothing left behind


@pytest.mark.django_db
def test_an_api_requests_lines_name_the_tokens_tenant(world: TenantWorld, lines: Lines, settings):
    settings.ROOT_URLCONF = "api.tests.urls"
    _token, key = api_token_create(tenant=world.other_tenant, user=world.outsider, name="ci")
    response = Client().get("/api/v1/runs/999999/", headers={"Authorization": f"Token {key}"})
    assert response.status_code == 404
    assert lines.about("Not Found: /api/v1/runs/999999/")["tenant_id"] == world.other_tenant.pk


@pytest.mark.django_db
def test_a_request_id_from_a_client_is_kept_only_behind_trusted_proxies(client, settings):
    given = {"X-Request-ID": "lb-0123456789abcdef"}
    assert client.get("/healthz", headers=given)["X-Request-ID"] != given["X-Request-ID"]
    settings.TRUSTED_PROXY_HOPS = 1
    assert client.get("/healthz", headers=given)["X-Request-ID"] == given["X-Request-ID"]
    forged = client.get("/healthz", headers={"X-Request-ID": "bad id\nlines"})
    assert forged["X-Request-ID"] != "bad id\nlines"
