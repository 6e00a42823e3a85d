"""Lists as Asperion gives them: `{_data, _meta}`, paged by page/pageSize, PascalCase filters.

Query parameter names are matched case-insensitively (ASP.NET model binding). A text
filter `X` takes its comparison from `X_comparison` (Contains by default); `_from`/`_to`
suffixes bound dates, a plain date meaning the whole Dutch day.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeVar
from urllib.parse import urlencode

from django.db import models
from django.db.models import Q
from django.http import HttpResponse

from connectors.asperion.sandbox import problems as msg
from connectors.asperion.sandbox.api import ApiRequest, json_response
from connectors.asperion.sandbox.dates import (
    parse_date,
    parse_date_time,
    start_of_day,
    start_of_next_day,
)
from connectors.asperion.sandbox.problems import ApiProblem, Message

M = TypeVar("M", bound=models.Model)
FilterKind = Literal["text", "integer", "boolean", "date_from", "date_to", "date_time_from"]

DEFAULT_PAGE_SIZE = 25
# The contract's maximum; the max_page_size knob can lower it further.
CONTRACT_MAX_PAGE_SIZE = 100
MAX_PAGE = 2**31 - 1
COMPARISONS = {
    "contains": "icontains",
    "equals": "iexact",
    "notequals": "iexact",
    "startswith": "istartswith",
    "endswith": "iendswith",
}
COMPARISON_NAMES = "Contains, Equals, NotEquals, StartsWith, EndsWith"
TRUE_FALSE = {"true": True, "false": False}


@dataclass(frozen=True)
class Filter:
    param: str
    lookup: str
    kind: FilterKind = "text"


DATE_LAST_CHANGE_FROM = Filter("DateLastChange_from", "date_last_change", "date_time_from")


def bad_parameter(name: str, message: Message) -> ApiProblem:
    return ApiProblem(400, errors={name: [message]})


def query_int(context: ApiRequest, name: str, default: int, *, low: int, high: int) -> int:
    raw = context.query.get(name.lower())
    if raw is None or raw == "":
        return default
    if not re.fullmatch(r"\s*-?[0-9]{1,12}\s*", raw):
        raise bad_parameter(name, Message(msg.NOT_A, kind="whole number"))
    value = int(raw)
    if not low <= value <= high:
        raise bad_parameter(name, Message(msg.OUT_OF_RANGE, low=low, high=high))
    return value


def query_bool(context: ApiRequest, name: str, default: bool) -> bool:
    raw = context.query.get(name.lower())
    if raw is None or raw == "":
        return default
    if raw.lower() not in TRUE_FALSE:
        raise bad_parameter(name, Message(msg.NOT_A, kind="boolean"))
    return TRUE_FALSE[raw.lower()]


def query_choice(context: ApiRequest, name: str, choices: Sequence[str], default: str) -> str:
    raw = context.query.get(name.lower())
    if raw is None or raw == "":
        return default
    by_lower = {choice.lower(): choice for choice in choices}
    if raw.lower() not in by_lower:
        raise bad_parameter(name, Message(msg.BAD_CHOICE, choices=", ".join(choices)))
    return by_lower[raw.lower()]


def apply_filters(
    context: ApiRequest, queryset: models.QuerySet[M], filters: Sequence[Filter]
) -> models.QuerySet[M]:
    for spec in filters:
        if spec.kind == "text":
            comparison_of(context, spec)
        raw = context.query.get(spec.param.lower())
        if raw is None or raw == "":
            continue
        queryset = FILTERS[spec.kind](context, queryset, spec, raw)
    return queryset


def comparison_of(context: ApiRequest, spec: Filter) -> str:
    """Return the lower-cased `<Param>_comparison`; a wrong one is a 400 even without a value."""
    name = f"{spec.param}_comparison"
    comparison = context.query.get(name.lower(), "") or "contains"
    if comparison.lower() not in COMPARISONS:
        raise bad_parameter(name, Message(msg.BAD_CHOICE, choices=COMPARISON_NAMES))
    return comparison.lower()


def _text(context: ApiRequest, qs: models.QuerySet[M], spec: Filter, raw: str) -> Any:
    if "\x00" in raw:
        raise bad_parameter(spec.param, Message(msg.BAD_CHARACTER))
    comparison = comparison_of(context, spec)
    condition = Q(**{f"{spec.lookup}__{COMPARISONS[comparison]}": raw})
    return qs.exclude(condition) if comparison == "notequals" else qs.filter(condition)


def _integer(context: ApiRequest, qs: models.QuerySet[M], spec: Filter, raw: str) -> Any:
    value = query_int(context, spec.param, 0, low=-MAX_PAGE, high=MAX_PAGE)
    return qs.filter(**{spec.lookup: value})


def _boolean(context: ApiRequest, qs: models.QuerySet[M], spec: Filter, raw: str) -> Any:
    return qs.filter(**{spec.lookup: query_bool(context, spec.param, False)})


def _date_from(context: ApiRequest, qs: models.QuerySet[M], spec: Filter, raw: str) -> Any:
    return qs.filter(**{f"{spec.lookup}__gte": start_of_day(_date(spec, raw))})


def _date_to(context: ApiRequest, qs: models.QuerySet[M], spec: Filter, raw: str) -> Any:
    return qs.filter(**{f"{spec.lookup}__lt": start_of_next_day(_date(spec, raw))})


def _date_time_from(context: ApiRequest, qs: models.QuerySet[M], spec: Filter, raw: str) -> Any:
    try:
        moment: datetime = parse_date_time(raw.strip())
    except ValueError:
        raise bad_parameter(spec.param, Message(msg.BAD_DATE_TIME)) from None
    return qs.filter(**{f"{spec.lookup}__gte": moment})


def _date(spec: Filter, raw: str) -> Any:
    try:
        return parse_date(raw.strip())
    except ValueError:
        raise bad_parameter(spec.param, Message(msg.BAD_DATE)) from None


FILTERS: dict[str, Callable[[ApiRequest, Any, Filter, str], Any]] = {
    "text": _text,
    "integer": _integer,
    "boolean": _boolean,
    "date_from": _date_from,
    "date_to": _date_to,
    "date_time_from": _date_time_from,
}


def apply_order(
    context: ApiRequest, queryset: models.QuerySet[M], fields: Mapping[str, str]
) -> models.QuerySet[M]:
    """Order by `orderBy` ("code", "code desc", "-code", comma-separated), then by id."""
    raw = context.query.get("orderby", "").strip()
    ordering: list[str] = []
    by_lower = {name.lower(): lookup for name, lookup in fields.items()}
    for part in filter(None, (piece.strip() for piece in raw.split(","))):
        name, _, direction = part.partition(" ")
        descending = name.startswith("-") or direction.strip().lower() == "desc"
        lookup = by_lower.get(name.lstrip("-").lower())
        if lookup is None or direction.strip().lower() not in ("", "asc", "desc"):
            raise bad_parameter("orderBy", Message(msg.BAD_ORDER_BY, value=part))
        ordering.append(f"-{lookup}" if descending else lookup)
    return queryset.order_by(*ordering, "pk")


@dataclass(frozen=True)
class Page:
    number: int
    size: int
    total: int

    @property
    def count(self) -> int:
        return math.ceil(self.total / self.size)

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


def page_of(context: ApiRequest, total: int) -> Page:
    number = query_int(context, "page", 1, low=1, high=MAX_PAGE)
    asked = query_int(context, "pageSize", DEFAULT_PAGE_SIZE, low=1, high=MAX_PAGE)
    size = min(asked, CONTRACT_MAX_PAGE_SIZE, context.knobs.max_page_size)
    return Page(number=number, size=size, total=total)


def page_url(context: ApiRequest, page: Page, number: int) -> str:
    request = context.request
    params = [
        (name, value)
        for name, value in request.GET.items()
        if name.lower() not in ("page", "pagesize")
    ]
    params += [("page", str(number)), ("pageSize", str(page.size))]
    return f"{request.build_absolute_uri(request.path)}?{urlencode(params)}"


def list_meta(context: ApiRequest, page: Page) -> dict[str, Any]:
    administration = context.administration
    has_next = page.number < page.count
    has_previous = page.number > 1
    return {
        "administrationId": administration.pk,
        "administrationName": administration.name,
        "profileName": administration.profile_name,
        "previousPage": page_url(context, page, page.number - 1) if has_previous else "",
        "nextPage": page_url(context, page, page.number + 1) if has_next else "",
        "totalCount": page.total,
        "pageCount": page.count,
        "self": context.request.build_absolute_uri(),
    }


def list_response(
    context: ApiRequest,
    queryset: models.QuerySet[M],
    represent: Callable[[ApiRequest, M], dict[str, Any]],
    *,
    meta_only: bool = False,
) -> HttpResponse:
    """Answer one page of `queryset` in the `{_data, _meta}` envelope."""
    page = page_of(context, queryset.count())
    body: dict[str, Any] = {}
    if not meta_only:
        rows = queryset[page.offset : page.offset + page.size]
        body["_data"] = [represent(context, row) for row in rows]
    body["_meta"] = list_meta(context, page)
    return json_response(body)
