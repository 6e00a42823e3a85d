"""Remove secret values from any text before it is logged, stored or shown."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

REDACTED = "[redacted]"
SECRET_KEY_WORDS = (
    "password",
    "secret",
    "token",
    "authorization",
    "authcode",
    "auth_code",
    "api_key",
    "apikey",
    "refresh",
    "signature",
    "cookie",
)
# Bearer tokens and query-string secrets that may appear in URLs or error texts.
_BEARER = re.compile(r"(?i)(bearer|token)\s+[A-Za-z0-9._~+/=-]{8,}")
_QUERY = re.compile(
    r"(?i)([?&](?:access_token|refresh_token|client_secret|password|code|token)=)[^&\s]+"
)


@lru_cache(maxsize=4096)
def is_secret_key(key: str) -> bool:
    lowered = key.lower().replace("-", "_")
    return any(word in lowered for word in SECRET_KEY_WORDS)


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    return _redact_text(text, _longest_first(secrets))


def redact_data(data: Any, secrets: Iterable[str] = ()) -> Any:
    """Return a copy of JSON-like data with secret-named keys and secret values redacted."""
    return _redact_data(data, _longest_first(secrets))


def _longest_first(secrets: Iterable[str]) -> tuple[str, ...]:
    # Longest first, so that a secret containing another is replaced whole.
    return tuple(sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True))


def _redact_text(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    # The patterns only match around these words and signs: most texts skip the regexes.
    lowered = text.lower()
    if "bearer" in lowered or "token" in lowered:
        text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    if "=" in text:
        text = _QUERY.sub(lambda m: f"{m.group(1)}{REDACTED}", text)
    return text


def _redact_data(data: Any, secrets: tuple[str, ...]) -> Any:
    if isinstance(data, dict):
        return {
            key: REDACTED
            if is_secret_key(str(key)) and value not in (None, "")
            else _redact_data(value, secrets)
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [_redact_data(item, secrets) for item in data]
    if isinstance(data, str):
        return _redact_text(data, secrets)
    return data
