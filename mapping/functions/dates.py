"""Dates and times: parsing, formatting and time zones."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mapping.functions.coercion import _shown, as_text, is_empty
from mapping.functions.registry import FunctionError, register


def _zone(name: Any) -> ZoneInfo:
    try:
        return ZoneInfo(as_text(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise FunctionError(f"unknown time zone {_shown(name)}") from None


def as_datetime(value: Any) -> datetime:
    """Return an aware datetime from one or an ISO 8601 text; a naive one is an error."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise FunctionError(f"expected a date and time, got {_shown(value)}") from None
    else:
        raise FunctionError(f"expected a date and time, got {_shown(value)}")
    if moment.tzinfo is None:
        raise FunctionError(f"{_shown(value)} has no time zone")
    return moment


def as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    if isinstance(value, str):
        return as_datetime(value).date()
    raise FunctionError(f"expected a date, got {_shown(value)}")


_SAFE_FORMAT = re.compile(r"^(?:[^%]|%[aAbBdHIjmMpSyYzZfGuV%])*$")


def _format(value: Any) -> str:
    text = as_text(value)
    if len(text) > 64 or not _SAFE_FORMAT.match(text):
        raise FunctionError(f"unsupported format {_shown(value)}")
    return text


@register(
    "format_datetime",
    signature="format_datetime(value, format='iso', time_zone=None)",
    category="date",
    returns="string",
    help="Write a date and time in a time zone (e.g. 'Europe/Amsterdam') and format: 'iso' "
    "(2024-05-02T10:00:00+02:00), 'iso_utc' (…Z) or a strftime pattern such as "
    "'%d-%m-%Y %H:%M'.",
    examples=[
        (("2024-05-02T08:00:00Z", "iso", "Europe/Amsterdam"), "2024-05-02T10:00:00+02:00"),
        (("2024-05-02T08:00:00+00:00", "%d-%m-%Y %H:%M", "Europe/Amsterdam"), "02-05-2024 10:00"),
        (("2024-05-02T10:00:00+02:00", "iso_utc"), "2024-05-02T08:00:00Z"),
    ],
)
def format_datetime(value: Any, format: Any = "iso", time_zone: Any = None) -> str | None:  # noqa: A002
    if is_empty(value):
        return None
    moment = as_datetime(value)
    if time_zone is not None:
        moment = moment.astimezone(_zone(time_zone))
    if format == "iso":
        return moment.isoformat()
    if format == "iso_utc":
        return moment.astimezone(ZoneInfo("UTC")).isoformat().replace("+00:00", "Z")
    return moment.strftime(_format(format))


@register(
    "format_date",
    signature="format_date(value, format='%Y-%m-%d', time_zone=None)",
    category="date",
    returns="string",
    help="Write the date of a date or date-and-time (taken in the time zone, when given).",
    examples=[
        (("2024-05-02",), "2024-05-02"),
        (("2024-05-02", "%d-%m-%Y"), "02-05-2024"),
        (("2024-05-01T23:30:00Z", "%Y-%m-%d", "Europe/Amsterdam"), "2024-05-02"),
    ],
)
def format_date(value: Any, format: Any = "%Y-%m-%d", time_zone: Any = None) -> str | None:  # noqa: A002
    if is_empty(value):
        return None
    if time_zone is not None and not (isinstance(value, str) and len(value.strip()) == 10):
        day = as_datetime(value).astimezone(_zone(time_zone)).date()
    else:
        day = as_date(value)
    return day.strftime(_format(format))


@register(
    "parse_datetime",
    signature="parse_datetime(text, format, time_zone)",
    category="date",
    returns="string",
    help="Read a date and time written in a strftime pattern, in a time zone; gives ISO 8601.",
    examples=[
        (("02-05-2024 10:00", "%d-%m-%Y %H:%M", "Europe/Amsterdam"), "2024-05-02T10:00:00+02:00")
    ],
)
def parse_datetime(text: Any, format: Any, time_zone: Any) -> str | None:  # noqa: A002
    if is_empty(text):
        return None
    zone = _zone(time_zone)
    try:
        moment = datetime.strptime(as_text(text).strip(), _format(format))  # noqa: DTZ007
    except ValueError:
        raise FunctionError(f"{_shown(text)} does not match the format {format}") from None
    return moment.replace(tzinfo=moment.tzinfo or zone).isoformat()


@register(
    "to_time_zone",
    signature="to_time_zone(value, time_zone)",
    category="date",
    returns="string",
    help="The same moment in another time zone, as ISO 8601.",
    examples=[(("2024-01-15T12:00:00Z", "Europe/Amsterdam"), "2024-01-15T13:00:00+01:00")],
)
def to_time_zone(value: Any, time_zone: Any) -> str | None:
    return format_datetime(value, "iso", time_zone)
