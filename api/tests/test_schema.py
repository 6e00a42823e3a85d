"""The OpenAPI schema: generated without warnings, valid, and honoured by every endpoint
(a schemathesis run against it finds no 5xx and no response that breaks it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest
import schemathesis
import yaml
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.drainage import GENERATOR_STATS
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode, checks

from tenants.services import api_token_create

pytestmark = pytest.mark.django_db

SCHEMA_URL = "/api/schema/"


def test_the_schema_is_generated_without_warnings_or_errors(client):
    GENERATOR_STATS.reset()
    response = client.get(SCHEMA_URL)
    assert response.status_code == 200
    assert not GENERATOR_STATS, (
        dict(GENERATOR_STATS._warn_cache),
        dict(GENERATOR_STATS._error_cache),
    )
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["components"]["securitySchemes"]["token"]["name"] == "Authorization"
    paths = schema["paths"]
    assert "/api/v1/records/" in paths
    assert "/api/v1/flows/{id}/dry-run/" in paths
    assert not any("webhooks" in path for path in paths)


def test_secrets_are_write_only_in_the_schema(client):
    schema = yaml.safe_load(client.get(SCHEMA_URL).content)["components"]["schemas"]
    assert "secrets" in schema["ConnectionCreateRequest"]["properties"]
    assert "secrets" not in schema["Connection"]["properties"]


def test_every_operation_documents_its_errors(client):
    schema = yaml.safe_load(client.get(SCHEMA_URL).content)
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            codes = set(operation["responses"])
            assert {"401", "429"} <= codes, (method, path)
            if method != "get":
                assert "403" in codes, (method, path)
            if "{id}" in path:
                assert "404" in codes, (method, path)


def test_the_docs_page_is_served_without_a_cdn(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    # The page loads its start-up script from itself (no inline script: CSP); that script
    # names the schema.
    assert '<script src="/api/docs/?script=">' in html
    assert "/api/schema/" in client.get("/api/docs/?script=").content.decode()
    for cdn in ("cdn.jsdelivr", "unpkg.com", "cdnjs"):
        assert cdn not in html


# ---- schemathesis ---------------------------------------------------------------------------


@pytest.fixture
def fuzz_key(scene, world, settings: Any) -> str:
    # Generous limits: this test is about answers, not about the throttle.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_token": "100000/min"},
    }
    _token, key = api_token_create(user=world.owner, tenant=world.tenant, name="fuzz")
    return key


CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]


def fuzz(operation: Any, key: str, mode: GenerationMode, checks: list[Any], examples: int) -> None:
    """Send `examples` generated requests to one operation and check each answer."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        case.call_and_validate(headers={"Authorization": f"Token {key}"}, checks=checks)

    run()


@pytest.fixture
def keep_db_open() -> Any:
    """Django closes the connection after each WSGI request; the test's transaction must live.

    (Django's own test client does the same while it handles a request.)
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_the_api_keeps_to_its_schema(fuzz_key: str, keep_db_open: None) -> None:
    # schemathesis's pytest plugin does not run under pytest 9, so the loop is ours: every
    # operation of the schema, through the WSGI app, with a bounded example budget.
    schema = schemathesis.openapi.from_wsgi(SCHEMA_URL, get_wsgi_application())
    # An operation the loader could not read is an Err, and .ok() on it raises: a failure.
    operations = [cast(Any, result).ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    failures = []
    runs = [
        (GenerationMode.POSITIVE, CHECKS, 10),
        # Invalid input may miss a route (Django's own 404 page): only 5xx matter here.
        (GenerationMode.NEGATIVE, [checks.not_a_server_error], 5),
    ]
    for operation in operations:
        for mode, wanted, examples in runs:
            try:
                fuzz(operation, fuzz_key, mode, wanted, examples)
            except Exception as error:  # noqa: BLE001 - collect every operation's failure
                failures.append(
                    f"{mode.value} {operation.method.upper()} {operation.path}: {error}"
                )
    assert not failures, "\n\n".join(failures)


def test_the_docs_are_swagger_ui_from_local_files(client, settings):
    import drf_spectacular_sidecar as sidecar

    bundle = Path(sidecar.__file__).parent / "static/drf_spectacular_sidecar/swagger-ui-dist"
    assert (bundle / "swagger-ui-bundle.js").is_file()
    assert "drf_spectacular_sidecar" in settings.INSTALLED_APPS
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    # The page loads its start-up script from itself (no inline script: CSP); that script
    # names the schema.
    assert '<script src="/api/docs/?script=">' in html
    assert "/api/schema/" in client.get("/api/docs/?script=").content.decode()
    assert "//cdn" not in html
    assert "unpkg.com" not in html
