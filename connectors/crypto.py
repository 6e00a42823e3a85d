"""Encryption of secrets at rest: MultiFernet over APICENTER_ENCRYPTION_KEYS (newest first).

Encrypting always uses the newest key; decrypting tries every key, so a key can be rotated by
prepending a new one, running `manage.py rotate_secrets`, and then dropping the old one.

Every column that holds a token is an EncryptedTextField: that is how the rotation finds them
all, so a new one cannot be left out.
"""

from __future__ import annotations

import json
from functools import cache, lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.db import models


class SecretsUnreadable(Exception):
    """No configured key opens the stored secrets (a key was removed too early)."""


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """A text column holding a Fernet token of JSON (see encrypt_json); by the house rule
    its name ends in `_encrypted`."""

    def deconstruct(self) -> Any:
        # Stored exactly as a TextField: migrations need not know the difference.
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.TextField", args, kwargs


def encrypted_fields() -> list[tuple[type[models.Model], str]]:
    """(model, column) of every encrypted column of the installed apps."""
    return [
        (model, field.attname)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.ENCRYPTION_KEYS))


def encrypt_json(value: dict[str, Any]) -> str:
    return fernet().encrypt(json.dumps(value, sort_keys=True).encode()).decode()


def decrypt_json(token: str) -> dict[str, Any]:
    if not token:
        return {}
    try:
        data: dict[str, Any] = json.loads(_plaintext(tuple(settings.ENCRYPTION_KEYS), token))
    except InvalidToken:
        raise SecretsUnreadable(
            "stored secrets cannot be decrypted with the configured keys"
        ) from None
    return data


@lru_cache(maxsize=256)
def _plaintext(keys: tuple[str, ...], token: str) -> bytes:
    """Decrypt once per token and key set: a sync reads a connection's secrets for every
    call it makes (credentials, redaction), and each decryption costs an HMAC and an AES
    pass. A failed decryption raises and is not kept; a new key set misses the cache."""
    return _fernet(keys).decrypt(token.encode())


def uses_newest_key(token: str) -> bool:
    try:
        Fernet(settings.ENCRYPTION_KEYS[0].encode()).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def rotate_token(token: str) -> str:
    """Return the token re-encrypted with the newest key."""
    return fernet().rotate(token.encode()).decode()
