"""Downloader middleware that refuses requests to private or loopback addresses (SSRF guard)."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest

from crawler.urls import blocked_host, parse_networks

logger = logging.getLogger(__name__)


class PrivateAddressGuardMiddleware:
    """Crawled text is untrusted: links to private, loopback or link-local addresses are not followed,
    unless their network is listed in MONITOR_ALLOW_PRIVATE_NETWORKS (tests and the demo allow 127.0.0.0/8).
    Requests are checked by URL host; responses by the IP address the connection actually used."""

    def __init__(self, crawler, allowed: list[str]):
        self.crawler = crawler
        self.allowed = parse_networks(allowed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, crawler.settings.getlist("MONITOR_ALLOW_PRIVATE_NETWORKS"))

    def _block(self, reason: str, url: str) -> None:
        self.crawler.stats.inc_value("monitor/blocked/private_address")
        logger.warning("blocked request to %s: %s", url, reason)
        raise IgnoreRequest(f"PrivateAddressGuard: {reason}: {url}")

    def process_request(self, request):
        host = urlsplit(request.url).hostname or ""
        reason = blocked_host(host, self.allowed)
        if reason:
            self._block(reason, request.url)
        return None

    def process_response(self, request, response):
        ip = getattr(response, "ip_address", None)
        if ip is not None:
            reason = blocked_host(str(ip), self.allowed)
            if reason:
                self._block(f"resolved to {reason}", request.url)
        return response
