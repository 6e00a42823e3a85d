"""Validate sandbox answers against the Asperion contract with openapi-core.

The contract declares, per operation, only some of the error answers every operation can
give (e.g. /v1/vatcodes declares only 200, yet a request without a token must get 401, and
the knobs put 429/5xx on every path). For those undeclared codes the answer is validated
against the contract's shared component for that code (Unauthorized, Forbidden, NotFound,
TooManyRequests, ServerError, ValidationProblem), and the pair is recorded in GAPS so the
report can list what the contract is missing. Declared answers are validated strictly, as
declared.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse

CONTRACT_PATH = Path(__file__).resolve().parents[2] / "asperion.openapi.yaml"
PREFIX = "/sandbox/asperion"
PROBLEM_JSON = "application/problem+json"
HOST = "https://api.asperion.nl"
STANDARD_RESPONSES = {
    "400": "ValidationProblem",
    "401": "Unauthorized",
    "403": "Forbidden",
    "404": "NotFound",
    "405": "Problem",
    "429": "TooManyRequests",
    "5XX": "ServerError",
}
# Served beyond the contract so that every `_meta.self` link resolves.
EXTRA_PATHS = {
    "/v1/administrations/{id}": "Administration",
    "/v1/salesinvoiceswithlines/{id}": "SalesInvoice",
}
GAPS: set[tuple[str, str, str]] = set()


@cache
def contract() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(CONTRACT_PATH.read_text())
    return loaded


def declared(path: str, method: str) -> dict[str, Any]:
    responses: dict[str, Any] = contract()["paths"][path][method]["responses"]
    return responses


def operations() -> list[tuple[str, str]]:
    return [
        (path, method)
        for path, item in contract()["paths"].items()
        for method in item
        if method in ("get", "post", "put", "delete", "patch")
    ]


def _extra_path(schema: str) -> dict[str, Any]:
    content = {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}
    return {
        "get": {
            "parameters": [{"$ref": "#/components/parameters/Id"}],
            "responses": {"200": {"description": "one record", "content": content}},
        }
    }


@cache
def lenient() -> OpenAPI:
    """Return the contract plus the standard error answers on every operation."""
    spec = copy.deepcopy(contract())
    for path, schema in EXTRA_PATHS.items():
        spec["paths"][path] = _extra_path(schema)
    for item in spec["paths"].values():
        for operation in item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for code, component in STANDARD_RESPONSES.items():
                ref = {"$ref": f"#/components/responses/{component}"}
                operation["responses"].setdefault(code, ref)
            # validateOnly answers 200 with the would-be record on every write.
            operation["responses"].setdefault("200", {"description": "validateOnly"})
    # ProblemDetails come as application/problem+json, which openapi-core does not parse.
    config = Config(extra_media_type_deserializers={PROBLEM_JSON: json.loads})
    return OpenAPI.from_dict(spec, config=config)


def template_of(path: str) -> str:
    """Return the contract path for a concrete sandbox path ("/V1/Articles/7" -> .../{id})."""
    path = path.removeprefix(PREFIX).rstrip("/").lower() or "/"
    path = path.replace("/v1/salesorderwithlines", "/v1/salesorderswithlines")
    path = path.replace("/v1/salesinvoicewithlines", "/v1/salesinvoiceswithlines")
    return re.sub(r"/[0-9]+(?=/|$)", "/{id}", path)


def concrete(path: str) -> str:
    path = path.removeprefix(PREFIX).rstrip("/").lower() or "/"
    path = path.replace("/v1/salesorderwithlines", "/v1/salesorderswithlines")
    return path.replace("/v1/salesinvoicewithlines", "/v1/salesinvoiceswithlines")


def status_key(template: str, method: str, status: int) -> str:
    if template not in contract()["paths"]:
        return str(status)
    responses = declared(template, method)
    if str(status) in responses:
        return str(status)
    wildcard = f"{str(status)[0]}XX"
    return wildcard if wildcard in responses else str(status)


def validate(*, method: str, path: str, status: int, headers: dict[str, str], body: bytes) -> None:
    """Raise when the answer does not fit the contract (see the module docstring)."""
    template = template_of(path)
    method = method.lower()
    key = status_key(template, method, status)
    if template in EXTRA_PATHS or key not in declared(template, method):
        GAPS.add((template, method, key))
    by_name = {name.lower(): value for name, value in headers.items()}
    content_type = by_name.get("content-type", "application/json").split(";")[0].strip()
    request = MockRequest(HOST, method, concrete(path))
    response = MockResponse(body, status_code=status, headers=headers, content_type=content_type)
    lenient().validate_response(request, response)
