"""The one guard against requests to inside addresses (SSRF), for every outgoing request a user
can aim: the connectors' HTTP layer and the Feeddex sandbox's webhook sender.

- `url_problem` says why a URL cannot be used (it does not parse, or is not http(s)); forms
  and the API show it as a field error, and a stored one fails the connection check.
- `GuardedTransport` resolves the host once, refuses the request when any address it
  resolves to is not public (`is_public_address`), and dials exactly the address it checked,
  so a DNS answer that changes between the check and the connect (rebinding) cannot slip
  through. The host name stays in the URL, so TLS SNI, certificate checks and the Host
  header are those of the name, not of the address.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
import ssl
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

# Global by the registry (Python's is_global) yet reaching inside, or no one's to reach:
# NAT64 and 6to4 carry an IPv4 address (127.0.0.1 among them) in an IPv6 one, Teredo
# tunnels, the 6to4 relay anycast, and IPv4-compatible IPv6.
REFUSED_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in (
        "64:ff9b::/96",
        "64:ff9b:1::/48",
        "2002::/16",
        "2001::/32",
        "192.88.99.0/24",
        "100.64.0.0/10",
        "::/96",
    )
)
NOT_A_URL = "Enter a complete http or https address"


class PrivateAddressBlocked(Exception):
    def __init__(self, host: str, address: str) -> None:
        super().__init__(
            f"{host} resolves to the private or local address {address}; such URLs are not "
            "allowed (set APICENTER_ALLOW_PRIVATE_URLS to allow them)"
        )


def url_problem(url: Any) -> str | None:
    """Return why `url` cannot be used as an http(s) address, or None when it can."""
    if not isinstance(url, str) or not url.strip():
        return NOT_A_URL
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number or too big
        parsed = httpx.URL(url)
    except (ValueError, httpx.InvalidURL) as error:
        return f"{NOT_A_URL}: {error}"
    if parsed.scheme not in ("http", "https") or not parsed.host:
        return NOT_A_URL
    if any(char.isspace() for char in url) or "%" in parsed.host:
        return f"{NOT_A_URL}: the host name has spaces or escapes"
    return None


def is_public_address(address: str) -> bool:
    """Return whether an IP address is one the platform may call: globally reachable, and
    neither multicast, reserved, link-local, unspecified, nor inside REFUSED_NETWORKS."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if not ip.is_global or ip.is_multicast or ip.is_reserved or ip.is_link_local:
        return False
    if ip.is_unspecified:
        return False
    return not any(ip.version == net.version and ip in net for net in REFUSED_NETWORKS)


class GuardedBackend(httpcore.SyncBackend):
    """Resolve the host once, refuse private addresses, and dial the address that was checked."""

    def __init__(self, allow_private: Callable[[], bool]) -> None:
        self.allow_private = allow_private

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        address = self._checked_address(host, port)
        return super().connect_tcp(address, port, timeout, local_address, socket_options)

    def _checked_address(self, host: str, port: int) -> str:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as error:
            raise httpcore.ConnectError(f"cannot resolve {host}: {error}") from error
        addresses = [str(info[4][0]) for info in infos]
        if not self.allow_private():
            for address in addresses:
                if not is_public_address(address):
                    raise PrivateAddressBlocked(host, address)
        return addresses[0]


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    """One verifying context per process: loading the CA bundle takes tens of milliseconds,
    and every run slice opens new clients."""
    return httpx.create_ssl_context(trust_env=False)


class GuardedTransport(httpx.HTTPTransport):
    def __init__(self, *, allow_private: Callable[[], bool], max_connections: int = 20) -> None:
        super().__init__(verify=shared_ssl_context(), trust_env=False)
        # httpx does not take a network backend, so the pool is built again with one.
        self._pool = httpcore.ConnectionPool(
            ssl_context=shared_ssl_context(),
            max_connections=max_connections,
            max_keepalive_connections=min(10, max_connections),
            keepalive_expiry=5.0,
            network_backend=GuardedBackend(allow_private),
        )
