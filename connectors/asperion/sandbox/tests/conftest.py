"""Fixtures: the demo user with a small seeded administration, a stranger with their own,
and an API caller that checks every answer against the contract."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client

from connectors.asperion.sandbox import seed
from connectors.asperion.sandbox.models import Administration, OAuthClient, SandboxUser
from connectors.asperion.sandbox.oauth import tokens_issue
from connectors.asperion.sandbox.seed import ensure_reference_lists
from connectors.asperion.sandbox.tests import contract

ROOT = "/sandbox/asperion"
# The default knobs rate-limit at 10/s; most tests send bursts and are not about that.
NO_LIMITS = {"rate_per_second": 0}


@pytest.fixture(autouse=True)
def _own_cache(settings: Any) -> None:
    """Give the rate-limit counters a cache of their own.

    The embedded file cache is shared with every other test run on the machine and culls a
    third of its entries past 300 (Django's default MAX_ENTRIES), which loses counts.
    """
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "asperion-sandbox-tests",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)


@dataclass
class Api:
    """Calls the sandbox in-process; every answer is validated against the contract."""

    client: Client
    token: str | None
    tenant: int | None = None
    language: str | None = None
    default_query: dict[str, str] = field(default_factory=dict)
    seen: list[tuple[str, str, int]] = field(default_factory=list)

    def call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        raw: bytes | None = None,
        form: dict[str, str] | None = None,
        query: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        token: str | None = "default",
        check: bool = True,
    ) -> Answer:
        sent = self.headers(token, headers)
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        content_type = "application/json"
        if form is not None:
            data, content_type = urlencode(form), "application/x-www-form-urlencoded"
        response = self.client.generic(
            method,
            f"{ROOT}{path}",
            data=data or b"",
            content_type=content_type,
            QUERY_STRING=urlencode(self.default_query | (query or {})),
            headers=sent,
        )
        answer = Answer(response.status_code, dict(response.headers), response.content)
        self.seen.append((method, path, answer.status))
        if check:
            contract.validate(
                method=method,
                path=path,
                status=answer.status,
                headers=answer.headers,
                body=answer.content,
            )
        return answer

    def headers(self, token: str | None, extra: dict[str, str] | None) -> dict[str, str]:
        sent: dict[str, str] = {}
        chosen = self.token if token == "default" else token
        if chosen:
            sent["Authorization"] = f"Bearer {chosen}"
        if self.tenant is not None:
            sent["X-Tenant-Id"] = str(self.tenant)
        if self.language:
            sent["Accept-Language"] = self.language
        return sent | (extra or {})

    def get(self, path: str, **kwargs: Any) -> Answer:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Answer:
        return self.call("POST", path, body=body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> Answer:
        return self.call("PUT", path, body=body, **kwargs)


@dataclass
class Sandbox:
    user: SandboxUser
    client: OAuthClient
    administration: Administration
    second: Administration


@pytest.fixture
def sandbox(db: None) -> Sandbox:
    user, client = seed.ensure_demo_user()
    user.knobs = NO_LIMITS
    user.save()
    first, second = user.administrations.order_by("pk")
    # Exact catalogues for the API tests: without the shipping-cost article.
    seed.seed_administration(first, articles=40, debtors=12, seed=7, shipping_article=False)
    seed.seed_administration(second, articles=5, debtors=3, seed=7, shipping_article=False)
    return Sandbox(user=user, client=client, administration=first, second=second)


@pytest.fixture
def stranger(db: None) -> Administration:
    """Another sandbox user's administration: the demo user must get 403 for it."""
    user = SandboxUser.objects.create(username="stranger", password=make_password("x" * 12))
    administration = Administration.objects.create(owner=user, name="Vreemd B.V.", is_default=True)
    ensure_reference_lists(administration)
    return administration


@pytest.fixture
def api(sandbox: Sandbox, client: Client) -> Api:
    pair = tokens_issue(client=sandbox.client, user=sandbox.user)
    return Api(client=client, token=pair.access_token)
