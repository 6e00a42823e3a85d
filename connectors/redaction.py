"""Remove secret values from any text before it is logged, stored or shown."""

from __future__ import annotations

import re
from collections.abc import Iterable
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


def is_secret_key(key: str) -> bool:
    lowered = key.lower().replace("-", "_")
    return any(word in lowered for word in SECRET_KEY_WORDS)


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    return _QUERY.sub(lambda m: f"{m.group(1)}{REDACTED}", text)


def redact_data(data: Any, secrets: Iterable[str] = ()) -> Any:
    """Return a copy of JSON-like data with secret-named keys and secret values redacted."""
    secret_list = list(secrets)
    if isinstance(data, dict):
        return {
            key: REDACTED
            if is_secret_key(str(key)) and value not in (None, "")
            else redact_data(value, secret_list)
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [redact_data(item, secret_list) for item in data]
    if isinstance(data, str):
        return redact_text(data, secret_list)
    return data
