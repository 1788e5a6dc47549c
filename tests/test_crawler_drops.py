"""Every request that ends without an item is counted by reason (issue 11, finding 3): redirect loops, the
redirect limit, the decompression-bomb cancel, an oversized body, robots.txt, offsite; in the crawl summary
and in the crawl_runs row, never as silence."""

from __future__ import annotations

import gzip
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import pytest_twisted
import scrapy
from scrapy.crawler import CrawlerRunner
from sqlalchemy import select

from config.loader import Source, load_settings
from crawler.scrapy_settings import scrapy_settings
from crawler.spiders._base import BaseMonitorSpider
from jobs.crawl import prepare_store
from store.db import open_store
from store.schema import crawl_runs

BOMB = gzip.compress(b"\0" * (4 * 1024 * 1024))  # ~4 KB on the wire, 4 MiB inflated
MAX_SIZE = 1024 * 1024


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        p = self.path
        if p == "/robots.txt":
            return self._send(b"User-agent: *\nDisallow: /private/\n", "text/plain")
        if p == "/loop/a":
            return self._redirect("/loop/b")
        if p == "/loop/b":
            return self._redirect("/loop/a")
        if p.startswith("/chain/"):
            return self._redirect(f"/chain/{int(p.rsplit('/', 1)[1]) + 1}")
        if p == "/bomb":
            return self._send(BOMB, "text/html", {"Content-Encoding": "gzip"})
        if p == "/big":
            return self._send(b"<p>x</p>" * (MAX_SIZE // 4), "text/html")
        return self._send(b"<html><title>ok</title></html>", "text/html")

    def _redirect(self, to):
        self.send_response(302)
        self.send_header("Location", to)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(self, body, ctype, headers=None):
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class ProbeSpider(BaseMonitorSpider):
    name = "probe"
    allowed_domains = ["127.0.0.1"]

    def __init__(self, urls, **kw):
        super().__init__(**kw)
        self.urls, self.fetched = urls, []

    async def start(self):
        for u in self.urls:
            yield scrapy.Request(u, callback=self.parse, errback=self.errback)

    def parse(self, response):
        self.fetched.append(response.url)


@pytest_twisted.ensureDeferred
async def test_requests_ending_without_an_item_are_counted_by_reason(site, tmp_path):
    s = load_settings()
    s = s.model_copy(update={"db_url": f"sqlite:///{tmp_path}/t.db", "crawl": s.crawl.model_copy(
        update={"download_delay": 0.0, "autothrottle": False, "allow_private_networks": ["127.0.0.0/8"],
                "max_page_bytes": MAX_SIZE})})  # fmt: skip
    source = Source(name="探针", kind="list", url=f"{site}/", level="county")
    prepare_store(s, [source])
    cfg = scrapy_settings(s)
    cfg.update({"LOG_LEVEL": "ERROR", "ITEM_PIPELINES": {}, "REDIRECT_MAX_TIMES": 5, "ROBOTSTXT_OBEY": True})
    runner = CrawlerRunner(cfg)
    crawler = runner.create_crawler(ProbeSpider)
    urls = [f"{site}/ok", f"{site}/loop/a", f"{site}/chain/0", f"{site}/bomb", f"{site}/big",
            f"{site}/private/x", "http://127.0.0.5:9/offsite"]  # fmt: skip
    await runner.crawl(crawler, source=source, urls=urls)

    engine = open_store(s.resolved_db_url, upgrade=False)
    with engine.connect() as conn:
        run = conn.execute(select(crawl_runs)).mappings().one()
    engine.dispose()
    assert crawler.spider.fetched == [f"{site}/ok"]
    assert run["dropped"] == {
        "redirect_loop": 1, "redirect_limit": 1, "too_large": 2, "blocked_robots_txt": 1, "offsite": 1,
    }  # fmt: skip
    assert run["errors"] == 0
