"""The DNS resolver the crawl connects through: it refuses names whose addresses are not global (SSRF guard).

A check on the URL alone cannot see where a name points, and a check before a second lookup can be fooled by
DNS rebinding (public answer to the check, private answer to the connection). This resolver is the lookup
the connection uses: every IPv4 address the name resolves to is checked, and the address handed to the
connection is one of those checked. Odd literal spellings (2130706433, 0x7f000001, 127.1, `0`) and names
from /etc/hosts (localhost, the machine's own name) resolve here like any name, so they are refused too.

Installed by the CrawlerProcess from the TWISTED_DNS_RESOLVER setting; networks listed in
MONITOR_ALLOW_PRIVATE_NETWORKS (tests and the demo: 127.0.0.0/8) are allowed.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Sequence

from scrapy.resolver import CachingThreadedResolver, dnscache
from scrapy.utils.datatypes import LocalCache
from twisted.internet import defer, threads
from twisted.internet.error import DNSLookupError

from crawler.urls import address_refusal, parse_networks

logger = logging.getLogger(__name__)

# host -> why its lookup was refused; the guard middleware turns the connection failure into a counted drop
REFUSED: LocalCache[str, str] = LocalCache(10_000)


class RefusedAddressError(DNSLookupError):
    """A name resolved to an address the crawl must not connect to."""


def checked_lookup(name: str, allowed) -> str:
    """Resolve `name` (IPv4, as the downloader connects) and return its first address, after checking every
    address it has; raise RefusedAddressError if any is refused, DNSLookupError if there is none."""
    try:
        infos = socket.getaddrinfo(name, None, socket.AF_INET, socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise DNSLookupError(f"{name}: {exc}") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise DNSLookupError(f"{name}: no address")
    for a in addresses:
        reason = address_refusal(ipaddress.ip_address(a), allowed)
        if reason:
            REFUSED[name] = reason
            raise RefusedAddressError(f"{name} resolves to a {reason}")
    return addresses[0]


def _timed_out(result, timeout):
    raise DNSLookupError(f"lookup timed out after {timeout}s")


class GuardedResolver(CachingThreadedResolver):
    """CachingThreadedResolver whose lookups refuse non-global addresses (see the module docstring)."""

    def __init__(self, reactor, cache_size: int, timeout: float, allowed: Sequence[str] = ()):
        super().__init__(reactor, cache_size, timeout)
        self.allowed = parse_networks(allowed)

    @classmethod
    def from_crawler(cls, crawler, reactor):
        settings = crawler.settings
        cache_size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        return cls(reactor, cache_size, settings.getfloat("DNS_TIMEOUT"),
                   settings.getlist("MONITOR_ALLOW_PRIVATE_NETWORKS"))  # fmt: skip

    def getHostByName(self, name: str, timeout: Sequence[int] = ()):  # noqa: N802 - Twisted's interface
        if name in dnscache:
            return defer.succeed(dnscache[name])  # only checked addresses are ever cached
        d = threads.deferToThreadPool(self.reactor, self.reactor.getThreadPool(), checked_lookup, name,
                                      self.allowed)  # fmt: skip
        d.addTimeout(self.timeout, self.reactor, onTimeoutCancel=_timed_out)
        d.addErrback(self._log_refusal, name)
        if dnscache.limit:
            d.addCallback(self._cache_result, name)
        return d

    @staticmethod
    def _log_refusal(failure, name: str):
        if failure.check(RefusedAddressError):
            logger.warning("refused to connect: %s", failure.getErrorMessage())
        return failure
