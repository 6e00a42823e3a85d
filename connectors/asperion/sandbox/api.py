"""The request pipeline of the sandbox API: route, authenticate, pick the administration,
inject the knobs' faults, run the endpoint, answer ProblemDetails on any ApiProblem.

Routing is done here rather than in urls.py because Asperion (ASP.NET) matches paths
case-insensitively: `/v1/Articles` and `/V1/SalesOrderWithLines` must work.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from connectors.asperion.sandbox import problems as msg
from connectors.asperion.sandbox.knobs import knobs_for
from connectors.asperion.sandbox.models import Administration, SandboxUser
from connectors.asperion.sandbox.oauth import access_token_find
from connectors.asperion.sandbox.problems import ApiProblem, Message, language_of
from connectors.asperion.sandbox.selectors import administration_default, administration_for
from connectors.sandboxkit.faults import inject_faults, maybe_malform, with_unknown_fields
from connectors.sandboxkit.knobs import Knobs

# Strings of the contract that hold a kind of thing, and a kind a reader has never seen (the
# knob "unknown fields"): an article's unit, a journal's type.
ENUM_LIKE = {"unit": "krat", "type": "memoriaal"}
TENANT_HEADERS = ("X-Tenant-Id", "X-TenantId")
BEARER = "bearer "


@dataclass
class ApiRequest:
    """What every endpoint gets: the caller, the administration and helpers for the query."""

    request: HttpRequest
    user: SandboxUser
    administration: Administration
    knobs: Knobs
    language: str
    api_root: str
    query: dict[str, str] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"{self.api_root}{path}"


Handler = Callable[..., HttpResponse]


@dataclass(frozen=True)
class Route:
    pattern: str
    methods: Mapping[str, Handler]
    authenticated: bool = True

    def match(self, path: str) -> dict[str, str] | None:
        found = re.fullmatch(self.pattern + "/?", path, flags=re.IGNORECASE)
        return found.groupdict() if found else None


def dispatch(request: HttpRequest, rest: str, routes: list[Route]) -> HttpResponse:
    language = language_of(request)
    try:
        return _dispatch(request, rest, routes, language)
    except ApiProblem as problem:
        return msg.from_exception(problem, language)


def _dispatch(request: HttpRequest, rest: str, routes: list[Route], language: str) -> HttpResponse:
    route, kwargs = _find_route(rest, routes)
    handler = route.methods.get(request.method or "GET")
    if handler is None:
        raise ApiProblem(
            405,
            Message(msg.METHOD_NOT_ALLOWED, method=request.method, path=request.path),
            headers={"Allow": ", ".join(route.methods)},
        )
    if not route.authenticated:
        return handler(request)
    context = api_request(request, language)
    fault = inject_faults(
        scope=context.administration.fault_scope,
        knobs=context.knobs,
        error=_fault_response(language),
    )
    if fault is not None:
        return fault
    try:
        response = handler(context, **{name: int(value) for name, value in kwargs.items()})
    except ApiProblem as problem:
        response = msg.from_exception(problem, language)
    response = with_unknown_fields(response, knobs=context.knobs, enum_like=ENUM_LIKE)
    return maybe_malform(response, knobs=context.knobs)


def _find_route(rest: str, routes: list[Route]) -> tuple[Route, dict[str, str]]:
    for route in routes:
        kwargs = route.match(rest)
        if kwargs is not None:
            return route, kwargs
    raise ApiProblem(404, Message(msg.NO_ROUTE, path=f"/{rest}"))


def _fault_response(language: str) -> Callable[[int, str, int | None], HttpResponse]:
    def respond(status: int, detail: str, retry_after: int | None) -> HttpResponse:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        return msg.problem_response(status, detail=detail, language=language, headers=headers)

    return respond


def api_request(request: HttpRequest, language: str) -> ApiRequest:
    user = authenticated_user(request)
    administration = requested_administration(request, user)
    return ApiRequest(
        request=request,
        user=user,
        administration=administration,
        knobs=knobs_for(user, administration),
        language=language,
        api_root=request.build_absolute_uri(api_root_path()).rstrip("/"),
        query={name.lower(): str(value) for name, value in request.GET.items()},
    )


def api_root_path() -> str:
    return reverse("asperion_sandbox:api", kwargs={"rest": ""})


def unauthorized(detail: Message, error: str | None) -> ApiProblem:
    challenge = f'Bearer error="{error}"' if error else "Bearer"
    return ApiProblem(401, detail, headers={"WWW-Authenticate": challenge})


def authenticated_user(request: HttpRequest) -> SandboxUser:
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith(BEARER) or not header[len(BEARER) :].strip():
        raise unauthorized(Message(msg.TOKEN_MISSING), None)
    token = access_token_find(header[len(BEARER) :].strip())
    if token is None:
        raise unauthorized(Message(msg.TOKEN_INVALID), "invalid_token")
    if token.expires_at <= token_clock(token.user):
        raise unauthorized(Message(msg.TOKEN_EXPIRED), "invalid_token")
    return token.user


def token_clock(user: SandboxUser) -> datetime:
    """Now, by the sandbox clock of the knobs that issued the user's tokens (those of the
    user's default administration)."""
    return knobs_for(user, administration_default(user=user)).now()


def requested_administration(request: HttpRequest, user: SandboxUser) -> Administration:
    """Return the administration named by X-Tenant-Id (or X-TenantId), else the default."""
    raw = next((request.headers[name] for name in TENANT_HEADERS if name in request.headers), None)
    if raw is None:
        default = administration_default(user=user)
        if default is None:
            raise ApiProblem(403, Message(msg.NO_ADMINISTRATION))
        return default
    if not re.fullmatch(r"\s*[0-9]{1,19}\s*", raw):
        raise ApiProblem(400, Message(msg.TENANT_INVALID))
    administration = administration_for(user=user, administration_id=int(raw))
    if administration is None:
        raise ApiProblem(403, Message(msg.TENANT_FORBIDDEN, tenant=raw.strip()))
    return administration


def read_json_body(request: HttpRequest) -> dict[str, Any]:
    """Return the body as a JSON object; NaN/Infinity are not JSON and are refused."""
    try:
        body = json.loads(request.body or b"null", parse_constant=_refuse_constant)
    except (ValueError, RecursionError, RequestDataTooBig):
        raise ApiProblem(400, errors={"$": [Message(msg.BODY_NOT_JSON)]}) from None
    if not isinstance(body, dict):
        raise ApiProblem(400, errors={"$": [Message(msg.BODY_NOT_OBJECT)]})
    return body


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def json_response(data: Any, *, status: int = 200) -> HttpResponse:
    return HttpResponse(
        json.dumps(data, default=json_default, ensure_ascii=False),
        status=status,
        content_type="application/json; charset=utf-8",
    )
