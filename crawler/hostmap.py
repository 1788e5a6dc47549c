"""Downloader middleware that sends requests for configured host names to a local server, for tests and the
demo only: the request keeps its URL (so evidence shows the real host name) and is routed through the local
server as an HTTP proxy, which dispatches on the Host header. No DNS lookup happens for mapped hosts.

Enabled only when MONITOR_HOST_MAP is set (a dict host → "127.0.0.1:port"; a key "*.example.cn" matches
subdomains): by the demo's own process for its sites (yuqing.demo), by the site-watch demo and by tests, never
by a configuration file or the environment, so real deployments have none. Mapped requests still pass the private-address guard, whose
URL check runs first, and whose response check sees the local server's address (allow 127.0.0.0/8).
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from scrapy.exceptions import NotConfigured

logger = logging.getLogger(__name__)

_META_KEY = "_monitor_hostmap"


def lookup(host: str, mapping: dict[str, str]) -> str | None:
    """The 'ip:port' a host is mapped to: exact name, else the nearest '*.parent' entry."""
    h = host.lower().rstrip(".")
    if h in mapping:
        return mapping[h]
    parts = h.split(".")
    for i in range(1, len(parts)):
        target = mapping.get("*." + ".".join(parts[i:]))
        if target:
            return target
    return None


class HostMapMiddleware:
    def __init__(self, mapping: dict[str, str]):
        self.mapping = {k.lower(): v for k, v in mapping.items()}

    @classmethod
    def from_crawler(cls, crawler):
        mapping = crawler.settings.getdict("MONITOR_HOST_MAP")
        if not mapping:
            raise NotConfigured("MONITOR_HOST_MAP not set")
        logger.info("host map active (tests/demo only): %d host(s) served locally", len(mapping))
        return cls(mapping)

    def process_request(self, request):
        parts = urlsplit(request.url)
        target = lookup(parts.hostname or "", self.mapping) if parts.scheme == "http" else None
        if target:
            request.meta["proxy"] = f"http://{target}"
            request.meta[_META_KEY] = target
        elif request.meta.pop(_META_KEY, None):
            request.meta.pop("proxy", None)  # a redirect left the mapped hosts: no proxy any more
        return None
