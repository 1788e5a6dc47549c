"""SSRF guard (issue 11, finding 2): non-web schemes, every spelling of a private address, names from the
hosts file and redirects to any of them are refused before a connection is made, and counted.

The crawl under test may reach only 127.0.0.2 (MONITOR_ALLOW_PRIVATE_NETWORKS = 127.0.0.2/32), where the
entry server runs; a target server on 127.0.0.1 counts every request it receives and must receive none."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import pytest_twisted
import scrapy
from scrapy.crawler import CrawlerRunner

from crawler.resolver import GuardedResolver, RefusedAddressError, checked_lookup
from crawler.scrapy_settings import scrapy_settings
from crawler.spiders._base import BaseMonitorSpider
from crawler.urls import blocked_host, parse_networks

LOOPBACK_SPELLINGS = [
    "127.0.0.1",
    "2130706433",
    "0x7f000001",
    "0177.0.0.1",
    "127.1",
    "0",
    "localhost",
    "vm",
    "[::ffff:127.0.0.1]",
]  # fmt: skip  ("vm" is a name from this machine's /etc/hosts)
UNREACHABLE_PRIVATE = ["100.64.0.1", "169.254.169.254", "[fc00::1]", "[::1]", "10.1.2.3"]
SCHEMES = ["file:///etc/passwd", "ftp://127.0.0.2/x", "data:text/html,<p>hi</p>"]


@pytest.mark.parametrize(
    "host", [*LOOPBACK_SPELLINGS[:-3], "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "0.0.0.0", "0x7f.1",
             "100.64.0.1", "100.127.255.254", "169.254.169.254", "[fc00::1]", "[fd12::1]", "[fe80::1]", "[::1]",
             "[::]", "224.0.0.1", "localhost", "a.localhost"],
)  # fmt: skip
def test_every_spelling_of_a_non_global_address_is_refused(host):
    assert blocked_host(host, []) is not None


@pytest.mark.parametrize(
    "host", ["8.8.8.8", "www.audit.gov.cn", "cafe", "1.2.3.4.example.cn", "[2001:4860::8888]"]
)
def test_global_addresses_and_names_pass_the_url_check(host):
    assert blocked_host(host, []) is None


def test_allowed_network_admits_only_itself_in_any_spelling():
    allowed = parse_networks(["127.0.0.2/32"])
    assert blocked_host("127.0.0.2", allowed) is None and blocked_host("2130706434", allowed) is None
    assert blocked_host("2130706433", allowed) is not None and blocked_host("100.64.0.1", allowed) is not None


def test_resolver_refuses_names_from_the_hosts_file_and_checks_the_address_it_returns():
    with pytest.raises(RefusedAddressError, match="127.0.0.1"):
        checked_lookup("localhost", [])
    with pytest.raises(RefusedAddressError):
        checked_lookup("vm", parse_networks(["127.0.0.2/32"]))
    assert checked_lookup("vm", parse_networks(["127.0.0.0/8"])) == "127.0.0.1"
    with pytest.raises(RefusedAddressError):
        checked_lookup("2130706433", [])  # the C resolver reads odd spellings as addresses


def _server(host: str, handler) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer((host, 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def servers():
    hits: list[str] = []

    class Target(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<html>secret</html>")

        def log_message(self, *args):
            pass

    class Entry(Target):
        def do_GET(self):  # noqa: N802
            parts = urlsplit(self.path)
            if parts.path == "/redir":
                self.send_response(302)
                self.send_header("Location", parse_qs(parts.query)["to"][0])
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<html>ok</html>")

    target, entry = _server("127.0.0.1", Target), _server("127.0.0.2", Entry)
    yield {
        "hits": hits,
        "target_port": target.server_address[1],
        "entry": f"http://127.0.0.2:{entry.server_address[1]}",
    }
    for s in (target, entry):
        s.shutdown()
        s.server_close()


class ProbeSpider(BaseMonitorSpider):
    """Requests the given URLs; records which responses arrived (errors go through the real errback)."""

    name = "probe"

    def __init__(self, urls, **kw):
        super().__init__(
            source={"name": "probe", "kind": "list", "url": "http://x.cn/", "level": "county"}, **kw
        )
        self.urls, self.fetched = urls, []

    async def start(self):
        for u in self.urls:
            yield scrapy.Request(u, callback=self.parse, errback=self.errback, dont_filter=True)

    def parse(self, response):
        self.fetched.append(response.url)


async def _probe(urls, allowed, tmp_path):
    from scrapy.resolver import dnscache
    from twisted.internet import reactor

    from config.loader import load_settings

    s = load_settings()
    s = s.model_copy(update={"db_url": f"sqlite:///{tmp_path}/t.db", "crawl": s.crawl.model_copy(
        update={"download_delay": 0.0, "autothrottle": False, "allow_private_networks": allowed})})  # fmt: skip
    cfg = scrapy_settings(s)
    cfg.update({"LOG_LEVEL": "ERROR", "ROBOTSTXT_OBEY": False, "RETRY_TIMES": 2, "ITEM_PIPELINES": {},
                "EXTENSIONS": {}, "DOWNLOAD_TIMEOUT": 5})  # fmt: skip
    runner = CrawlerRunner(cfg)
    crawler = runner.create_crawler(ProbeSpider)
    # what CrawlerProcess does with TWISTED_DNS_RESOLVER; CrawlerRunner leaves the reactor's resolver alone
    saved = reactor.resolver, reactor._nameResolver
    dnscache.clear()
    GuardedResolver(reactor, 0, 5.0, allowed).install_on_reactor()
    try:
        await runner.crawl(crawler, urls=urls)
    finally:
        reactor.resolver, reactor._nameResolver = saved
        dnscache.clear()
    return crawler


@pytest_twisted.ensureDeferred
async def test_refused_targets_and_redirects_to_them_never_reach_the_server(servers, tmp_path):
    port, entry = servers["target_port"], servers["entry"]
    loopback = [f"http://{h}:{port}/direct" for h in LOOPBACK_SPELLINGS]
    private = [f"http://{h}:{port}/" for h in UNREACHABLE_PRIVATE]
    bad = loopback + private + SCHEMES
    redirects = [f"{entry}/redir?to={quote(u, safe='')}" for u in bad]
    crawler = await _probe([f"{entry}/ok", *bad, *redirects], ["127.0.0.2/32"], tmp_path)

    stats = crawler.stats.get_stats()
    assert servers["hits"] == []  # not one request reached 127.0.0.1, in any spelling, directly or redirected
    assert crawler.spider.fetched == [f"{entry}/ok"]
    blocked = stats.get("monitor/blocked/private_address", 0) + stats.get("monitor/blocked/scheme", 0)
    refused_redirects = stats.get("monitor/blocked/redirect_scheme", 0)
    assert blocked + refused_redirects == len(bad) * 2  # each direct request and each redirect, counted once
    assert stats.get("monitor/blocked/scheme", 0) >= len(SCHEMES)
    assert not any(k.startswith("monitor/errors/") for k in stats)  # refusals are not errors ...
    assert stats.get("retry/count", 0) == 0  # ... and never retried


@pytest_twisted.ensureDeferred
async def test_control_the_same_spellings_reach_the_server_when_loopback_is_allowed(servers, tmp_path):
    """The guard, not the test setup, is what keeps the requests above away from the server."""
    port, entry = servers["target_port"], servers["entry"]
    urls = [f"http://2130706433:{port}/a", f"{entry}/redir?to={quote(f'http://vm:{port}/b', safe='')}"]
    crawler = await _probe(urls, ["127.0.0.0/8"], tmp_path)
    assert sorted(servers["hits"]) == ["/a", "/b"] and len(crawler.spider.fetched) == 2
