"""Strict readers for settings that come from the environment.

A typo in a deployment ("ture", "10s") must stop the process at start, not
silently fall back to a default, so every helper raises ImproperlyConfigured.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"true", "1", "yes", "on"}
FALSE_WORDS = {"false", "0", "no", "off"}


def env_str(name: str, default: str | None = None) -> str | None:
    """Return the variable, or the content of the file named by NAME_FILE."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text().strip()
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def env_required(name: str) -> str:
    value = env_str(name)
    if value is None:
        raise ImproperlyConfigured(f"{name} must be set outside the embedded mode")
    return value


def env_bool(name: str, default: bool) -> bool:
    value = env_str(name)
    if value is None:
        return default
    if value.lower() in TRUE_WORDS:
        return True
    if value.lower() in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use true or false)")


def env_int(name: str, default: int) -> int:
    value = env_str(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer") from None


def env_count(name: str, default: int) -> int:
    """An integer that cannot be negative (a count of something)."""
    value = env_int(name, default)
    if value < 0:
        raise ImproperlyConfigured(f"{name}={value} must not be negative")
    return value


def env_choice(name: str, choices: tuple[str, ...], default: str) -> str:
    value = env_str(name)
    if value is None:
        return default
    if value.lower() not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} is not one of {', '.join(choices)}")
    return value.lower()


def env_list(name: str, default: list[str]) -> list[str]:
    value = env_str(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_networks(name: str) -> list[str]:
    """Comma-separated IP networks ("10.0.0.0/8, 127.0.0.1"), each checked at start."""
    networks = env_list(name, [])
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            raise ImproperlyConfigured(f"{name}: {network!r} is not an IP network") from None
    return networks


def local_secret(path: Path, make: type[Fernet] | None = None) -> str:
    """Return a secret kept in an ignored file, creating it on first use.

    Only the embedded mode uses this: a newcomer gets stable keys without
    configuring anything, and they survive restarts so stored secrets stay readable.
    """
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make.generate_key().decode() if make else secrets.token_urlsafe(50)
    path.write_text(value)
    path.chmod(0o600)
    return value
