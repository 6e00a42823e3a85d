"""A bounded schemathesis run over every contract operation: no 5xx unless injected.

Requests are generated from the contract and sent to the Django WSGI application in-process
(fast, same database transaction as the fixtures), with a valid token, and no faults on.
Every JSON answer is also checked against the contract.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings

from connectors.asperion.sandbox.tests import contract
from connectors.asperion.sandbox.tests.conftest import Api

schema = schemathesis.openapi.from_dict(contract.contract())
handler = WSGIHandler()


def application(environ: dict[str, Any], start_response: Any) -> Any:
    """The Django app, minus closing the connection after each request (the test's own
    transaction holds it), as django.test.Client does too."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        return handler(environ, start_response)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


BASE_URL = "http://localhost/sandbox/asperion"


@schema.parametrize()
@settings(
    max_examples=10,
    # Only generated examples: the explicit (coverage) phase adds ~150 cases per operation.
    phases=[Phase.generate],
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_generated_requests_never_get_a_server_error(case: Any, api: Api) -> None:
    response = case.call(
        app=application, base_url=BASE_URL, headers={"Authorization": f"Bearer {api.token}"}
    )
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:300])
    if response.headers.get("Content-Type", [""])[0].startswith(
        ("application/json", "application/problem")
    ):
        contract.validate(
            method=case.method,
            path=f"/sandbox/asperion{case.formatted_path}",
            status=response.status_code,
            headers={"Content-Type": response.headers["Content-Type"][0]},
            body=response.content,
        )
