"""URL canonicalisation and the private-address guard's address checks (pure functions)."""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PARAMS = frozenset(
    {
        "spm",
        "from",
        "fromid",
        "share_token",
        "scene",
        "isappinstalled",
        "clicktime",
        "enterid",
        "wfr",
        "_t",
        "ref",
    }
)


def canonical_url(url: str) -> str:
    """Canonical form used as the document key: lower-case host, no default port, no fragment, no tracking
    parameters, query sorted. Raises ValueError for URLs that are not http(s)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    port = parts.port
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in TRACKING_PARAMS and not k.lower().startswith("utm_")
    ]
    query.sort()
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, urlencode(query, doseq=True), ""))


def parse_networks(cidrs: Iterable[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(c, strict=False) for c in cidrs]


def is_private_address(ip: str) -> bool:
    """True for every address that is not global: loopback, private, shared (100.64.0.0/10), link-local,
    unique-local (fc00::/7), reserved, multicast, unspecified; an IPv4-mapped IPv6 address counts as its IPv4."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return _not_global(addr)


def _unmapped(addr: ipaddress.IPv4Address | ipaddress.IPv6Address):
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        return addr.ipv4_mapped
    return addr


def _not_global(addr) -> bool:
    addr = _unmapped(addr)
    return not addr.is_global or addr.is_multicast or addr.is_unspecified or addr.is_loopback


_NUMERIC_HOST = re.compile(r"[0-9a-fx.]+", re.IGNORECASE)


def literal_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host names literally, in any spelling the C resolver accepts: dotted (127.0.0.1),
    decimal (2130706433), hex (0x7f000001), octal (0177.0.0.1), short (127.1), bare `0`, IPv6 in brackets."""
    h = host.strip().strip("[]").lower().rstrip(".")
    try:
        return ipaddress.ip_address(h.split("%", 1)[0])
    except ValueError:
        pass
    if h and _NUMERIC_HOST.fullmatch(h) and any(c.isdigit() for c in h):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(h))
        except OSError:
            return None
    return None


def address_refusal(addr, allowed: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> str | None:
    """Why a connection to `addr` must not be made (not global and not in an allowed network), or None."""
    plain = _unmapped(addr)
    if any(plain in n or addr in n for n in allowed):
        return None
    if _not_global(addr):
        return f"private address {plain}"
    return None


def blocked_host(host: str, allowed: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> str | None:
    """Why a request to `host` (an IP literal in any spelling, or a name) must not be made, or None if it may.

    Names are checked here by form only (`localhost`, `*.localhost`); what a name resolves to is checked by
    the guarded DNS resolver (crawler.resolver), which hands the connection the address it checked."""
    allowed = list(allowed)
    h = host.strip("[]").lower().rstrip(".")
    if h == "localhost" or h.endswith(".localhost"):
        return None if any(ipaddress.ip_address("127.0.0.1") in n for n in allowed) else "loopback name"
    addr = literal_address(h)
    if addr is None:
        return None
    return address_refusal(addr, allowed)
