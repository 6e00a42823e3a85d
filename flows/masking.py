"""Masking of personal data (emails, names, addresses, phone numbers) in stored payloads.

A tenant option: when it is on, the engine stores `mask_personal_data(x)` instead of x for
the source, payload and response of every record log. Masked values keep a hint of their
shape ("j***@example.nl", "***78") so that a log still helps to tell records apart.

Keys decide, not guesses about values: product names and order numbers stay readable,
and the generic key "name" is masked only in an object that is about a person or an
address (one that also has an email, phone, first name, street, …).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.core.cache import cache

MASK = "***"
MASK_CACHE_SECONDS = 60

_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")

# Keys compared lower-case without "_", "-" and spaces.
_NAME_KEYS = frozenset(
    {
        "firstname",
        "lastname",
        "surname",
        "middlename",
        "fullname",
        "initials",
        "infix",
        "nameprefix",
        "tussenvoegsel",
        "contactperson",
        "contactname",
        "customername",
        "companyname",
        "debtorname",
        "attention",
        "attn",
    }
)
_ADDRESS_KEYS = frozenset(
    {
        "street",
        "streetname",
        "housenumber",
        "housenumberaddition",
        "postcode",
        "postalcode",
        "zipcode",
        "zip",
        "address1",
        "address2",
        "addressline",
        "addressline1",
        "addressline2",
    }
)
# Keys whose whole value (usually an object or one line) is an address.
_ADDRESS_OBJECT_KEYS = frozenset(
    {
        "address",
        "billing",
        "shipping",
        "billingaddress",
        "shippingaddress",
        "deliveryaddress",
        "invoiceaddress",
        "postaladdress",
        "visitaddress",
        "visitingaddress",
    }
)
# Masked only inside an object that is about a person or an address.
_CONTEXT_KEYS = frozenset({"name", "line", "addition", "city"})


def _norm(key: Any) -> str:
    return str(key).lower().replace("_", "").replace("-", "").replace(" ", "")


def _is_email_key(key: str) -> bool:
    return "email" in key or key.endswith("mail")


def _is_phone_key(key: str) -> bool:
    return any(word in key for word in ("phone", "mobile", "telephone", "fax"))


def _is_personal_key(key: str) -> bool:
    return (
        key in _NAME_KEYS
        or key in _ADDRESS_KEYS
        or key in _ADDRESS_OBJECT_KEYS
        or _is_email_key(key)
        or _is_phone_key(key)
    )


def mask_text(text: str) -> str:
    """Return the text with every email address in it masked ("j***@example.nl")."""
    return _EMAIL.sub(lambda m: f"{m.group(1)}{MASK}@{m.group(2)}", text)


def _mask_email(value: str) -> str:
    masked = mask_text(value)
    return masked if masked != value else _mask_word(value)


def _mask_phone(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    return f"{MASK}{digits[-2:]}" if len(digits) > 4 else MASK


def _mask_word(value: str) -> str:
    value = value.strip()
    return f"{value[0]}{MASK}" if value else value


def _mask_all(data: Any) -> Any:
    """Mask every leaf of an object that is personal as a whole (an address)."""
    if isinstance(data, dict):
        return {key: _mask_all(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_mask_all(item) for item in data]
    if isinstance(data, str):
        return _mask_word(data)
    if isinstance(data, bool) or data is None:
        return data
    return MASK


def _mask_value(key: str, value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, dict | list):
        return _mask_all(value)
    text = str(value)
    if _is_email_key(key):
        return _mask_email(text)
    if _is_phone_key(key):
        return _mask_phone(text)
    return _mask_word(text)


def _mask_dict(data: dict[Any, Any]) -> dict[Any, Any]:
    keys = {_norm(key) for key in data}
    about_a_person = any(_is_personal_key(key) for key in keys)
    masked: dict[Any, Any] = {}
    for key, value in data.items():
        norm = _norm(key)
        if _is_personal_key(norm) or (about_a_person and norm in _CONTEXT_KEYS):
            masked[key] = _mask_value(norm, value)
        else:
            masked[key] = mask_personal_data(value)
    return masked


def mask_personal_data(data: Any) -> Any:
    """Return a copy of JSON-like data with personal data masked; other values unchanged."""
    if isinstance(data, dict):
        return _mask_dict(data)
    if isinstance(data, list):
        return [mask_personal_data(item) for item in data]
    if isinstance(data, str):
        return mask_text(data)
    return data


def _cache_key(tenant_id: int) -> str:
    return f"monitoring:mask-personal-data:{tenant_id}"


def _never(tenant_id: int) -> bool:
    return False


# Who answers "does this tenant mask?": the app that keeps the tenant's choice (monitoring's
# settings page) registers its reader when it starts (monitoring.apps), so the record log
# asks without importing the app above it.
_mask_choice: list[Callable[[int], bool]] = [_never]


def register_mask_choice(reader: Callable[[int], bool]) -> None:
    _mask_choice[0] = reader


def should_mask(tenant_id: int) -> bool:
    """Return whether the tenant wants personal data masked in its logs (cached a minute)."""
    cached = cache.get(_cache_key(tenant_id))
    if cached is not None:
        return bool(cached)
    value = _mask_choice[0](tenant_id)
    cache.set(_cache_key(tenant_id), value, MASK_CACHE_SECONDS)
    return value


def forget_mask_choice(tenant_id: int) -> None:
    """Make the next should_mask() read the choice again (after the setting changed)."""
    cache.delete(_cache_key(tenant_id))
