"""Feeddex webhook signatures: `X-Feeddex-Signature: t=<unix seconds>,v1=<hex>`.

hex = HMAC-SHA256(secret, "<t>.<raw body>"). A receiver verifies the signature over the raw
bytes it received (before any JSON parsing), refuses a `t` more than five minutes away from
its clock (a replayed delivery), and then dedupes on the event id (Feeddex may deliver an
event twice). Several v1 values are accepted, so that Feeddex can roll a secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from pydantic import ValidationError

from connectors.errors import WebhookInvalid
from connectors.feeddex.schemas import WebhookEvent, parse_json

SIGNATURE_HEADER = "X-Feeddex-Signature"
TOLERANCE_SECONDS = 300


class SignatureInvalid(WebhookInvalid):
    """The delivery is not from Feeddex (bad or stale signature) or not an event we know."""


def sign(*, secret: str, body: bytes, timestamp: int) -> str:
    """Return the header value Feeddex sends for `body` at `timestamp` (tests, tools)."""
    return f"t={timestamp},v1={_digest(secret, timestamp, body)}"


def verify_signature(
    *,
    secret: str,
    header: str | None,
    body: bytes,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> None:
    """Return quietly when the header signs `body` with `secret` recently; else raise."""
    if not secret:
        raise SignatureInvalid("no webhook secret is configured")
    timestamp, signatures = _parse_header(header or "")
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise SignatureInvalid("the signature's timestamp is outside the 5 minute tolerance")
    expected = _digest(secret, timestamp, body)
    # Compare against every v1 in constant time; no early exit that leaks which one matched.
    matches = [hmac.compare_digest(expected, candidate) for candidate in signatures]
    if not any(matches):
        raise SignatureInvalid("the signature does not match the body")


def parse_event(body: bytes) -> WebhookEvent:
    """Return the event of a verified delivery; raise SignatureInvalid when it does not parse."""
    try:
        data: Any = json.loads(body)
        return parse_json(WebhookEvent, data)
    except (ValueError, ValidationError) as error:
        raise SignatureInvalid(f"the body is not a Feeddex event: {error}") from None
    except RecursionError:
        raise SignatureInvalid("the body is not a Feeddex event: nested too deeply") from None


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _parse_header(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            timestamp = int(value)
        elif name == "v1" and value:
            signatures.append(value.lower())
    if timestamp is None or not signatures:
        raise SignatureInvalid(f"the {SIGNATURE_HEADER} header is missing or malformed")
    return timestamp, signatures
