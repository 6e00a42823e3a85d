"""Date-times as the Asperion API writes them: Dutch local time without a zone.

The contract (FOUND in the public client) shows `2024-03-01T10:00:00`; on input a fraction
or a zone is accepted, and a value without a zone is read as Dutch local time.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DUTCH = ZoneInfo("Europe/Amsterdam")
DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?"
)
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
FIRST_YEAR = 1900
LAST_YEAR = 2999


def format_local(moment: datetime | None) -> str | None:
    """Return `moment` as Dutch wall-clock time, seconds precision, without a zone."""
    if moment is None:
        return None
    return moment.astimezone(DUTCH).replace(tzinfo=None).isoformat(timespec="seconds")


def parse_date_time(text: str) -> datetime:
    """Return the aware moment of a contract date-time; raise ValueError when it is not one."""
    if not DATE_TIME.fullmatch(text):
        raise ValueError("not a date-time like 2024-03-01T10:00:00")
    # Python before 3.11 had no "Z"; 3.11 has, but fractions longer than 6 digits still fail.
    head, dot, rest = text.partition(".")
    if dot:
        digits = re.match(r"[0-9]+", rest)
        assert digits is not None
        text = f"{head}.{digits.group()[:6].ljust(6, '0')}{rest[digits.end() :]}"
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=DUTCH)
    # Far years overflow when shifted between zones; no book year lies outside these.
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise ValueError(f"the year must lie between {FIRST_YEAR} and {LAST_YEAR}")
    # The same instant in UTC: PostgreSQL refuses offsets beyond ±15:59, which the text allows.
    return moment.astimezone(UTC)


def parse_date(text: str) -> date:
    if not DATE.fullmatch(text):
        raise ValueError("not a date like 2024-03-01")
    day = date.fromisoformat(text)
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(f"the year must lie between {FIRST_YEAR} and {LAST_YEAR}")
    return day


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=DUTCH)


def start_of_next_day(day: date) -> datetime:
    return start_of_day(day + timedelta(days=1))
