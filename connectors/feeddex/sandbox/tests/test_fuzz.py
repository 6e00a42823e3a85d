"""A bounded schemathesis run against the live sandbox: whatever the request (valid or not),
no 5xx unless a knob injects it, and every answer with a declared status fits the contract."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from openapi_core.testing import MockRequest, MockResponse

from connectors.feeddex.sandbox import seed
from connectors.sandboxkit.faults import reset_counters

from .conftest import (
    CONTRACT,
    CONTRACT_HOST,
    PREFIX,
    Api,
    check_error_body,
    is_declared,
    live_db,
    make_account,
    response_openapi,
)

# 25 keeps the whole sandbox suite well under two minutes; raise it for a deeper run.
pytestmark = live_db

EXAMPLES_PER_OPERATION = int(os.environ.get("FEEDDEX_FUZZ_EXAMPLES", "25"))

schema = schemathesis.openapi.from_path(str(CONTRACT))


@dataclass
class Target:
    base_url: str
    token: str


@pytest.fixture
def target(live_server, transactional_db):
    account = make_account()
    seed.seed_account(account, customers=3, orders=5, seed=1)
    api = Api(live_server.url)
    token = api.login(account.organization)
    yield Target(base_url=live_server.url + PREFIX, token=token)
    reset_counters(account.scope)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors_and_answers_fit_the_contract(case, target):
    import time as _t

    _s = _t.monotonic()
    response = case.call(
        base_url=target.base_url, headers={"Authorization": f"Bearer {target.token}"}
    )
    assert response.status_code < 500, (case.method, case.formatted_path, response.text)
    template = case.operation.path
    if not is_declared(case.method, template, response.status_code):
        check_error_body(response.content)
        return
    request = MockRequest(CONTRACT_HOST, case.method.lower(), case.formatted_path)
    content_type = response.headers.get("Content-Type", ["application/json"])
    response_openapi().validate_response(
        request,
        MockResponse(
            response.content,
            status_code=response.status_code,
            content_type=content_type[0] if isinstance(content_type, list) else content_type,
        ),
    )
