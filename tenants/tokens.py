"""API keys: how they are made, hashed and looked up.

A key is "apc_" + 43 URL-safe characters (256 random bits). The database keeps its SHA-256
digest and a short prefix for display; the raw key exists only in the response that made it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

KEY_PREFIX = "apc_"
VISIBLE_CHARS = 12  # "apc_" + 8 random characters: enough to tell tokens apart


def new_raw_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def visible_prefix(raw_key: str) -> str:
    return raw_key[:VISIBLE_CHARS]


def key_matches(raw_key: str, key_hash: str) -> bool:
    """Compare in constant time, so the check itself leaks nothing about the stored digest."""
    return hmac.compare_digest(hash_key(raw_key), key_hash)


def looks_like_key(raw_key: str) -> bool:
    return raw_key.startswith(KEY_PREFIX) and 20 <= len(raw_key) <= 100
