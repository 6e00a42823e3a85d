"""Knobs: the faults and limits of one sandbox account, stored as JSON on the account.

Off by default except a realistic rate limit, so that a new account behaves like a
healthy production API; tests and the sandbox admin page turn the faults on.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pydantic
from pydantic import ConfigDict, Field


class Knobs(pydantic.BaseModel):
    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    rate_per_second: float = Field(
        10.0, ge=0, description="Token bucket refill in requests per second; 0 = unlimited."
    )
    burst: int = Field(20, ge=1, description="Token bucket size: requests allowed at once.")
    rate_per_minute: int = Field(0, ge=0, description="Requests per minute; 0 = off.")
    daily_quota: int = Field(0, ge=0, description="Requests per UTC day; 0 = off.")
    error_rate: float = Field(
        0.0, ge=0, le=1, description="Share (0..1) answered 500 or 503 (503 with Retry-After)."
    )
    latency_ms: int = Field(0, ge=0, description="Milliseconds added to every response.")
    timeout_rate: float = Field(
        0.0, ge=0, le=1, description="Share (0..1) that hang for the timeout seconds first."
    )
    timeout_seconds: float = Field(
        30.0, ge=0, description="How long a hanging request hangs before it is answered."
    )
    malformed_rate: float = Field(
        0.0, ge=0, le=1, description="Share (0..1) of JSON bodies that are cut off (invalid)."
    )
    unknown_fields: bool = Field(
        False,
        description=(
            "Every JSON answer carries fields the contract does not list (top level, nested "
            "and in lists), and free-text fields that hold a kind of thing carry a value "
            "never seen before: a real API grows without notice."
        ),
    )
    token_lifetime_seconds: int = Field(
        3600, ge=1, description="Seconds an access token stays valid."
    )
    max_page_size: int = Field(250, ge=1, description="Largest page size a list honours.")
    # The sandbox's clock, for tests that must not depend on how fast the machine is: they
    # move time on instead of sleeping, and stop it so that a burst falls in one window.
    clock_offset_seconds: float = Field(
        0.0, description="Seconds the sandbox's clock runs ahead (tokens expire, windows end)."
    )
    clock_frozen_at: float = Field(
        0.0, ge=0, description="Unix time at which the sandbox's clock stands still; 0 = runs."
    )

    def time(self) -> float:
        """The sandbox's clock (Unix time) for rate-limit windows and token lifetimes."""
        return (self.clock_frozen_at or time.time()) + self.clock_offset_seconds

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), tz=UTC)

    @classmethod
    def load(cls, data: dict[str, Any] | None) -> Knobs:
        """Return the knobs in `data`; a missing or invalid value takes its default.

        Stored JSON may predate a knob or hold a value edited by hand: a bad value must
        not break every request of the account.
        """
        valid: dict[str, Any] = {}
        for name, value in (data or {}).items():
            if name not in cls.model_fields:
                continue
            try:
                cls.model_validate({name: value})
            except pydantic.ValidationError:
                continue
            valid[name] = value
        return cls.model_validate(valid)

    def dump(self) -> dict[str, Any]:
        """Return the JSON to store on the account."""
        return self.model_dump(mode="json")
