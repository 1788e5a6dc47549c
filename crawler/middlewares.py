"""Downloader middlewares that refuse requests to private or loopback addresses and to non-web schemes (SSRF
guard). The address a name resolves to is checked by the guarded DNS resolver (crawler.resolver), the only
lookup the connection uses."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from twisted.internet.error import DNSLookupError

from crawler.resolver import REFUSED
from crawler.urls import blocked_host, parse_networks

logger = logging.getLogger(__name__)

ALLOWED_SCHEMES = ("http", "https")


class PrivateAddressGuardMiddleware:
    """Crawled text is untrusted: only http(s) links are followed (file://, ftp://, data: ... are refused
    before any download), and links to private, loopback, shared or link-local addresses, in any spelling,
    are not followed unless their network is listed in MONITOR_ALLOW_PRIVATE_NETWORKS (tests and the demo
    allow 127.0.0.0/8). Redirects come back through process_request, so their targets are checked too.
    Requests are checked by URL host; responses by the IP address the connection actually used."""

    def __init__(self, crawler, allowed: list[str]):
        self.crawler = crawler
        self.allowed = parse_networks(allowed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, crawler.settings.getlist("MONITOR_ALLOW_PRIVATE_NETWORKS"))

    def _block(self, reason: str, url: str, stat: str = "private_address") -> None:
        self.crawler.stats.inc_value(f"monitor/blocked/{stat}")
        logger.warning("blocked request to %s: %s", url[:300], reason)
        raise IgnoreRequest(f"PrivateAddressGuard: {reason}: {url[:300]}")

    def process_request(self, request):
        parts = urlsplit(request.url)
        if parts.scheme.lower() not in ALLOWED_SCHEMES:
            self._block(f"scheme {parts.scheme or '(none)'}:// is not crawled", request.url, "scheme")
        reason = blocked_host(parts.hostname or "", self.allowed)
        if reason:
            self._block(reason, request.url)
        return None

    def process_response(self, request, response):
        if 300 <= response.status < 400 and response.headers.get("Location"):
            # RedirectMiddleware hands back a redirect to a non-web scheme unfollowed: refuse it, counted
            location = response.headers["Location"].decode("latin-1").strip()
            scheme = urlsplit(location).scheme.lower()
            if scheme and scheme not in ALLOWED_SCHEMES:
                self._block(f"redirect to scheme {scheme}://", request.url, "redirect_scheme")
        ip = getattr(response, "ip_address", None)
        if ip is not None:
            reason = blocked_host(str(ip), self.allowed)
            if reason:
                self._block(f"resolved to {reason}", request.url)
        return response


class RefusedLookupMiddleware:
    """Turns a connection the guarded resolver refused into a counted drop (monitor/blocked/private_address),
    ahead of the retry middleware, so that a refused name is neither retried nor counted as a DNS error."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_exception(self, request, exception):
        if not isinstance(exception, DNSLookupError | CannotResolveHostError):
            return None
        host = urlsplit(request.url).hostname or ""
        reason = REFUSED.get(host)
        if reason is None:
            return None
        self.crawler.stats.inc_value("monitor/blocked/private_address")
        raise IgnoreRequest(f"PrivateAddressGuard: {host} resolves to a {reason}: {request.url[:300]}")
