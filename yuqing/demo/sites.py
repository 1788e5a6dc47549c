"""Serve the demo corpus on 127.0.0.1: one quiet ThreadingHTTPServer per site, and the sources that crawl them.

Each site has a stable host name under `demo.yuqing.test` (a reserved TLD that resolves nowhere), e.g.
`http://cnaudit-news.demo.yuqing.test/rss.xml`: that is the URL its pages link to, the sources crawl and the
store keeps, whatever port the server got, so a second demo run on other ports stores no document twice.
Only the demo's crawl knows where a name is served: `host_map()` (name → 127.0.0.1:port) is handed to the
crawl as MONITOR_HOST_MAP (crawler.hostmap routes the request to the local server at connection time);
nothing outside the demo process resolves these names, and real crawls have no host map.

`DemoSites(corpus).start()` binds each site to `base_port + i` when it can, else to a free port with a
warning; `base_port=None` always takes free ports (tests). `host_names=False` gives the old
`http://127.0.0.1:port` URLs (benchmarks that crawl the sites from another process). Requests are counted
per site and logged (path and status) so the demo can show them and check that robots.txt and
private-address links were respected.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

import yaml

from yuqing.demo.corpus import (
    PAGE_SIZE,
    SEARCH_QUERIES,
    SITES,
    WEIBO_QUERIES,
    Corpus,
    search_hits,
    weibo_hits,
)
from yuqing.demo.pages import APPS, Response, SiteApp, page_count

logger = logging.getLogger(__name__)

MAX_LOG = 200_000
DEMO_DOMAIN = "demo.yuqing.test"


def site_host(key: str) -> str:
    """The stable host name of a demo site (`cnaudit_news` → `cnaudit-news.demo.yuqing.test`)."""
    return f"{key.replace('_', '-')}.{DEMO_DOMAIN}"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    app: SiteApp
    owner: DemoSites

    def handle_error(self, request: Any, client_address: Any) -> None:  # clients hanging up are normal
        logger.debug("demo site %s: error serving %s", self.app.key, client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "DemoSite/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: no request lines on stderr
        return

    def _serve(self, head_only: bool) -> None:
        parts = urlsplit(self.path)
        path = unquote(parts.path) or "/"
        query = parse_qs(parts.query, keep_blank_values=True)
        try:
            resp = self.server.app.respond(path, query)
        except Exception:  # a rendering bug must show up as a 500 and in the log, not kill the server
            logger.exception("demo site %s failed on %s", self.server.app.key, self.path)
            resp = Response(500, b"internal error", "text/plain")
        # a crawl sends the absolute URI (crawler.hostmap proxies to this server): log the path as sent directly
        sent = parts.path + (f"?{parts.query}" if parts.query else "") if parts.scheme else self.path
        self.server.owner._record(self.server.app.key, self.command, sent, resp.status)
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type)
        self.send_header("Content-Length", str(len(resp.body)))
        for k, v in resp.headers.items():
            self.send_header(k, v)
        self.end_headers()
        if not head_only:
            self.wfile.write(resp.body)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._serve(False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(True)


class DemoSites:
    """The demo's local websites; use as a context manager or call start() / stop()."""

    def __init__(
        self,
        corpus: Corpus,
        host: str = "127.0.0.1",
        base_port: int | None = 18700,
        *,
        host_names: bool = True,
        spread_hosts: bool = False,
    ) -> None:
        """`host_names=False`: URLs are the servers' own addresses (http://127.0.0.1:port). `spread_hosts=True`
        then puts site i on 127.0.0.(i+1) instead of `host`, so that Scrapy, which keys its per-domain download
        slots on the host name, crawls the sites in parallel rather than as one domain (with host names each
        site has its own name anyway)."""
        self.corpus = corpus
        self.host = host
        self.base_port = base_port
        self.host_names = host_names
        self.spread_hosts = spread_hosts
        self._urls: dict[str, str] = {}
        self._addresses: dict[str, str] = {}
        self._servers: list[_Server] = []
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._log: list[tuple[str, str, str, int]] = []
        self.apps: dict[str, SiteApp] = {}

    # --- lifecycle ---------------------------------------------------------------------------------
    def _host(self, i: int) -> str:
        return f"127.0.0.{i + 1}" if self.spread_hosts else self.host

    def _bind(self, i: int) -> _Server:
        host = self._host(i)
        if self.base_port is not None:
            port = self.base_port + i
            try:
                return _Server((host, port), _Handler)
            except OSError as exc:
                logger.warning(
                    "demo site port %s:%d is taken (%s); using a free port, so its URLs change",
                    host,
                    port,
                    exc,
                )
        return _Server((host, 0), _Handler)

    def start(self) -> DemoSites:
        if self._servers:
            return self
        try:
            for i, key in enumerate(SITES):
                server = self._bind(i)
                server.owner = self
                self._servers.append(server)
                self._addresses[key] = f"http://{self._host(i)}:{server.server_address[1]}"
                self._urls[key] = f"http://{site_host(key)}" if self.host_names else self._addresses[key]
            for key, server in zip(SITES, self._servers, strict=True):
                app = APPS[key](self.corpus, self._urls)
                server.app = app
                self.apps[key] = app
                t = threading.Thread(
                    target=server.serve_forever,
                    kwargs={"poll_interval": 0.05},
                    name=f"demo-{key}",
                    daemon=True,
                )
                t.start()
                self._threads.append(t)
        except BaseException:
            self.stop()
            raise
        logger.info("demo sites up: %s", ", ".join(f"{k}={u}" for k, u in self._urls.items()))
        return self

    def stop(self) -> None:
        # shut all servers down at once: each shutdown() waits up to one poll interval
        stoppers = [
            threading.Thread(target=s.shutdown, daemon=True)
            for s, _ in zip(self._servers, self._threads, strict=False)
        ]
        for t in stoppers:
            t.start()
        for t in stoppers + self._threads:
            t.join(timeout=5)
        for server in self._servers:
            server.server_close()
        self._servers, self._threads = [], []
        self._addresses = {}

    def __enter__(self) -> DemoSites:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- bookkeeping -------------------------------------------------------------------------------
    def _record(self, site: str, method: str, path: str, status: int) -> None:
        with self._lock:
            self._counts[site] += 1
            if len(self._log) < MAX_LOG:
                self._log.append((site, method, path, status))

    def requests(self) -> dict[str, int]:
        """Requests served so far, per site."""
        with self._lock:
            return {k: self._counts.get(k, 0) for k in SITES}

    def request_log(self) -> list[tuple[str, str, str, int]]:
        """(site, method, path with query, status) for every request served so far."""
        with self._lock:
            return list(self._log)

    def fetched_traps(self) -> list[str]:
        """Paths that a polite, safe crawler must never have requested (robots.txt-forbidden /admin/)."""
        return [f"{s}{p}" for s, _, p, _ in self.request_log() if p.startswith("/admin/")]

    # --- what to crawl -----------------------------------------------------------------------------
    def urls(self) -> dict[str, str]:
        """Site key -> base URL as pages link to it and the store keeps it (empty before start())."""
        return dict(self._urls)

    def addresses(self) -> dict[str, str]:
        """Site key -> where its server listens now (http://127.0.0.1:port; empty before start())."""
        return dict(self._addresses)

    def host_map(self) -> dict[str, str]:
        """Host name -> "127.0.0.1:port", for the crawl's MONITOR_HOST_MAP (empty without host names)."""
        if not self.host_names:
            return {}
        return {site_host(k): a.removeprefix("http://") for k, a in self._addresses.items()}

    def local_url(self, url: str) -> str:
        """`url` on a demo host rewritten to the server's own address (for fetching it directly)."""
        parts = urlsplit(url)
        target = self.host_map().get((parts.hostname or "").lower())
        return urlunsplit(("http", target, parts.path, parts.query, "")) if target else url

    def sources(self) -> list[dict[str, Any]]:
        """Source dicts (valid `config.loader.Source(**d)`) pointing the project's spiders at the demo sites."""
        if not self._urls:
            raise RuntimeError("DemoSites.sources() needs start() first: the ports are not known yet")
        return demo_sources(self.corpus, self._urls)


def demo_sources(corpus: Corpus, urls: dict[str, str]) -> list[dict[str, Any]]:
    by_site = corpus.by_site()
    prov_pages = page_count(
        sum(1 for d in by_site["province_portal"] if d.published_at), PAGE_SIZE["province_portal"]
    )
    city_pages = page_count(len(by_site["city_gbk_portal"]), PAGE_SIZE["city_gbk_portal"])
    sjgg = page_count(sum(1 for d in by_site["audit_office"] if d.column == "sjgg"), PAGE_SIZE["audit_sjgg"])
    xwfb = page_count(sum(1 for d in by_site["audit_office"] if d.column == "xwfb"), PAGE_SIZE["audit_xwfb"])
    search_pages = max(
        page_count(len(search_hits(corpus.docs, q)), PAGE_SIZE["search"]) for q in SEARCH_QUERIES
    )
    weibo_pages = max(page_count(len(weibo_hits(corpus.docs, q)), PAGE_SIZE["weibo"]) for q in WEIBO_QUERIES)
    return [
        {
            "name": "审计时报网 RSS（演示）",
            "kind": "rss",
            "url": f"{urls['cnaudit_news']}/rss.xml",
            "level": "central",
            "platform": "news",
            "region": "全国",
            "cadence": "30m",
        },
        {
            "name": "齐鲁要闻网 要闻（演示）",
            "kind": "list",
            "url": f"{urls['province_portal']}/news/index.html",
            "level": "provincial",
            "platform": "news",
            "region": "山东省",
            "cadence": "1h",
            "link_allow": [r"/news/\d{4}-\d{2}/\d{2}/content_\d+\.html$"],
            "list_allow": [r"/news/index(_\d+)?\.html$"],
            "next_page": "a.next",
            "max_pages": prov_pages + 2,
        },
        {
            "name": "临沂新闻网 新闻中心（演示）",
            "kind": "list",
            "url": f"{urls['city_gbk_portal']}/xwzx/index.html",
            "level": "municipal",
            "platform": "news",
            "region": "山东省临沂市",
            "cadence": "1h",
            "link_allow": [r"/xwzx/\d{6}/t\d{8}_\d+\.html$", r"/zwgk/content_\d+\.html$"],
            "list_allow": [r"/xwzx/index(_\d+)?\.html$"],
            "next_page": "a.next",
            "max_pages": city_pages + 2,
        },
        {
            "name": "审计署 审计结果公告（演示）",
            "kind": "official",
            "url": f"{urls['audit_office']}/gkml/sjgg/index.html",
            "level": "official",
            "platform": "official",
            "region": "全国",
            "cadence": "2h",
            "link_allow": [r"/gkml/sjgg/\d{6}/t\d{8}_\d+\.html$"],
            "list_allow": [r"/gkml/sjgg/index(_\d+)?\.html$"],
            "next_page": "a.next",
            "max_pages": sjgg + 2,
        },
        {
            "name": "审计署 工作动态（演示）",
            "kind": "list",
            "url": f"{urls['audit_office']}/xwfb/gzdt/index.html",
            "level": "official",
            "platform": "official",
            "region": "全国",
            "cadence": "2h",
            "link_allow": [r"/xwfb/gzdt/\d{6}/t\d{8}_\d+\.html$"],
            "list_allow": [r"/xwfb/gzdt/index(_\d+)?\.html$"],
            "next_page": "a.next",
            "max_pages": xwfb + 2,
        },
        {
            "name": "百搜新闻 莒南（演示）",
            "kind": "search",
            "url": f"{urls['search_engine']}/s?wd={{query}}",
            "level": "county",
            "platform": "news",
            "region": "山东省临沂市莒南县",
            "cadence": "1h",
            "queries": list(SEARCH_QUERIES),
            "link_allow": [r"/news/show-\d+\.html$"],
            "next_page": "a.n",
            "max_pages": search_pages + 1,
        },
        {
            "name": "微博搜索 审计（演示）",
            "kind": "weibo",
            "url": f"{urls['weibo_api']}/api/container/getIndex?containerid=100103type%3D1%26q%3D{{query}}&page_type=searchall",
            "level": "self-media",
            "platform": "weibo",
            "region": None,
            "cadence": "30m",
            "queries": list(WEIBO_QUERIES),
            "max_pages": weibo_pages + 1,
        },
        {
            "name": "微博热搜（演示）",
            "kind": "hotlist",
            "url": f"{urls['weibo_api']}/ajax/side/hotSearch",
            "level": "central",
            "platform": "hotlist",
            "region": None,
            "cadence": "10m",
        },
    ]


def write_sources_yaml(sources: list[dict[str, Any]], path: Path) -> None:
    """Write sources as a config/sources.yaml-style file (UTF-8, readable Chinese)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = (
        "# Demo sources written by `yuqing demo`: local sites on 127.0.0.1 serving a generated corpus, under host\n"
        "# names (*.demo.yuqing.test) that only the demo's own crawl can reach.\n"
    )
    text = yaml.safe_dump({"sources": sources}, allow_unicode=True, sort_keys=False, width=200)
    path.write_text(header + text, encoding="utf-8")
