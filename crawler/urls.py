"""URL canonicalisation and the private-address guard's address checks (pure functions)."""

from __future__ import annotations

import ipaddress
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
    """True for loopback, private, link-local, reserved, multicast or unspecified addresses."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        addr = addr.ipv4_mapped
    return (
        addr.is_private
        or addr.is_loopback
        or addr.is_link_local
        or addr.is_reserved
        or addr.is_multicast
        or addr.is_unspecified
    )


def blocked_host(host: str, allowed: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> str | None:
    """Why a request to `host` (an IP literal or name) must not be made, or None if it may.

    Names are checked by form only (`localhost`, `*.localhost`); the resolved address of a name is checked
    again on the response, where Scrapy knows it."""
    h = host.strip("[]").lower().rstrip(".")
    if h == "localhost" or h.endswith(".localhost"):
        return None if any(ipaddress.ip_address("127.0.0.1") in n for n in allowed) else "loopback name"
    try:
        addr = ipaddress.ip_address(h)
    except ValueError:
        return None
    if not is_private_address(str(addr)):
        return None
    if any(addr in n for n in allowed):
        return None
    return f"private address {addr}"
