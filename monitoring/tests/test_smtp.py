"""The whole way to a real SMTP server: a failing run, the hook, the tasks, the message."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from flows.models import RunStatus
from flows.notifications import run_finished
from tests.factories import make_run

pytestmark = pytest.mark.django_db


class Catcher:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp(settings: Any) -> Iterator[Catcher]:
    catcher = Catcher()
    controller = Controller(catcher, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = False, "", ""
    yield catcher
    controller.stop()


def parts(message: Message) -> dict[str, str]:
    found = {}
    for part in message.walk():
        if part.get_content_maintype() == "text":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            found[part.get_content_type()] = payload.decode(part.get_content_charset() or "utf-8")
    return found


def test_failure_and_recovery_arrive_over_smtp(team: Any, deliver: Any, smtp: Catcher) -> None:
    failed = make_run(team.products, RunStatus.FAILED, error="Feeddex: 503 Service Unavailable")
    with deliver():
        run_finished(failed.pk)

    assert sorted(rcpt for rcpts, _ in smtp.messages for rcpt in rcpts) == [
        "alice@example.com",
        "dana@example.com",
    ]
    to_alice = next(m for rcpts, m in smtp.messages if rcpts == ["alice@example.com"])
    assert to_alice["Subject"] == "[APIcenter] Alice BV: The Products flow is failing."
    assert to_alice["X-APIcenter-Incident"]
    body = parts(to_alice)
    assert set(body) == {"text/plain", "text/html"}
    for text in body.values():
        assert "Feeddex: 503 Service Unavailable" in text
        assert f"/runs/{failed.pk}/" in text
    to_dana = next(m for rcpts, m in smtp.messages if rcpts == ["dana@example.com"])
    assert "Hvad du skal gøre:" in parts(to_dana)["text/plain"]

    smtp.messages.clear()
    with deliver():
        run_finished(make_run(team.products, RunStatus.SUCCEEDED, read=2).pk)
    subjects = sorted(str(m["Subject"]) for _, m in smtp.messages)
    assert len(subjects) == 2
    assert subjects[1].startswith("[APIcenter] Alice BV: Resolved:")
