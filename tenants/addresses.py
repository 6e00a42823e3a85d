"""The address of the client behind a request, with or without reverse proxies in front.

Each trusted proxy appends the address it received the request from to X-Forwarded-For, so
with N trusted hops the client's address is the N-th entry from the right; everything left
of it was written by whoever sent the request and proves nothing. With no trusted hops
(the default) the header is ignored: anyone can send it.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """Return the client's IP address ("" when there is none to be had)."""
    remote = str(request.META.get("REMOTE_ADDR") or "")
    hops = settings.TRUSTED_PROXY_HOPS
    if hops <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(forwarded) < hops:  # fewer proxies than configured: the request went around them
        return remote
    candidate = forwarded[-hops]
    return candidate if is_ip_address(candidate) else remote


def is_ip_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True
