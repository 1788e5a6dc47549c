"""Site-watch part of the offline demo: impersonating sites, a legitimate association, look-alike domains, a
redirect to the official site, a redirect into a private network, and the office's own homepage (normal
for the baseline, then tampered) — all on 127.0.0.1, plus a stub DNS server that answers for the
look-alike names. Pages are the benchmark's fixture web (bench/fixtures/sites/), dates on the official
site shifted so that its columns are fresh today.

Integration (one Twisted reactor per process, so everything goes into ONE `run_crawl` call):

    with SiteWatchDemo() as demo:
        plan = demo.prepare(settings)          # discovery (hand-added + stub-DNS look-alikes) into the store
        run_crawl(settings, [news_batch, *plan.batches], spider_overrides={**plan.spider_overrides})
        summary = demo.summary(settings)

`plan.batches` = [[candidate check], [own-site baseline], [own-site check]]; the page is tampered when the
baseline spider closes (its `after_close` hook), so the third batch finds real problems. Settings must allow
127.0.0.0/8 (`crawl.allow_private_networks`), as the demo's settings do. `run_sitewatch_demo(settings)` does
all of this on its own (for a process that has not run the reactor yet).
"""

from __future__ import annotations

import logging
import re
import socket
import sys
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from config.impersonation import load_impersonation_config
from config.loader import ROOT
from config.sitewatch import (
    CheckSettings,
    Column,
    Discovery,
    ManualCandidate,
    Official,
    Resolver,
    SiteWatchConfig,
    WatchedPage,
)
from config.vocabulary import FINDING_LABELS, TIER_ACT, TIER_LABELS, TIER_NONE, TIER_REVIEW
from yuqing.demo.sites import DEMO_DOMAIN

logger = logging.getLogger(__name__)

FIXTURE_SITES = ROOT / "bench" / "fixtures" / "sites"
FIXTURE_NOW = date(2024, 6, 25)  # the day the fixture official site was "current"
# The office's own site in the demo: a demo host name (never the real www.audit.gov.cn, so no link the demo
# stores or shows leads off the demo), served from the fixture copy of the real site's pages.
OFFICIAL_HOST = f"www.audit.{DEMO_DOMAIN}"
OFFICIAL_FIXTURE = "www.audit.gov.cn"
PRIVATE_REDIRECT_HOST = "www.cnao-login.cn"
PRIVATE_TARGET = "http://10.20.30.40/login"
LOOKALIKE_IP = "198.51.100.7"  # TEST-NET-2: answers of the stub DNS (never connected to)

# fixture hosts served, by role
IMPERSONATING = ("www.audit-gov.cn", "cnao-audit.cn", "www.shenjishu-px.com", "www.zgsjxh.cn",
                 "www.cnaudit-cert.com", "www.xxsjj-gov.cn")  # fmt: skip
LEGITIMATE = ("www.ciia.com.cn", "www.jsnsxh.org.cn", "www.fazhi-news.cn", "shenjishu.com")
# look-alike names the stub DNS resolves (discovery generates them from audit.gov.cn / cnao.gov.cn) → page
LOOKALIKES = {"audit-gov.cn": "www.audit-gov.cn", "audit-gov.com.cn": "www.audit-gov.com.cn",
              "cnao.com.cn": None}  # fmt: skip
REDIRECTS = {"cnao.com.cn": f"http://{OFFICIAL_HOST}/", PRIVATE_REDIRECT_HOST: PRIVATE_TARGET}
_DATE_RE = re.compile(r"(20\d{2})-(\d{2})-(\d{2})")
_INJECTED = (
    '<div style="display:none"><a href="http://www.pj-casino88.com/">澳门葡京娱乐城</a> '
    '<a href="http://www.bjl-777.com/">百家乐在线 真人博彩</a></div>\n'
    '<script src="http://cdn.js-tongji.cc/count.js"></script>\n'
)


# ------------------------------------------------------------------------------------- web server
class _Web(ThreadingHTTPServer):
    daemon_threads = True
    demo: SiteWatchDemo


class _Handler(BaseHTTPRequestHandler):
    server: _Web
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def do_GET(self) -> None:  # noqa: N802
        # requests arrive proxy-style (absolute URI, see crawler.hostmap) or plain with a Host header
        parts = urlsplit(self.path)
        host = (parts.hostname or self.headers.get("Host", "")).split(":")[0].lower()
        status, ctype, body, headers = self.server.demo.respond(
            host,
            unquote(parts.path) or "/",
            self.headers.get("User-Agent", ""),
            self.headers.get("Referer", ""),
        )
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)


# ------------------------------------------------------------------------------------- stub DNS
class StubDNS:
    """A UDP DNS server on 127.0.0.1 answering A records for `answers` and NXDOMAIN for anything else."""

    def __init__(self, answers: dict[str, str]):
        self.answers = {k.lower().rstrip("."): v for k, v in answers.items()}
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.queries = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def start(self) -> StubDNS:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()

    def _serve(self) -> None:
        import dns.message
        import dns.rcode
        import dns.rdatatype
        import dns.rrset

        while not self._stop.is_set():
            try:
                data, addr = self.sock.recvfrom(4096)
            except (TimeoutError, OSError):
                continue
            try:
                q = dns.message.from_wire(data)
            except Exception:  # noqa: BLE001 - garbage datagrams are ignored
                continue
            self.queries += 1
            resp = dns.message.make_response(q)
            name = q.question[0].name.to_text().lower().rstrip(".")
            ip = self.answers.get(name)
            if ip and q.question[0].rdtype == dns.rdatatype.A:
                resp.answer.append(dns.rrset.from_text(name + ".", 60, "IN", "A", ip))
            elif not ip:
                resp.set_rcode(dns.rcode.NXDOMAIN)
            self.sock.sendto(resp.to_wire(), addr)


# ------------------------------------------------------------------------------------- the demo
@dataclass
class SiteWatchPlan:
    """What to append to the demo's single run_crawl call."""

    batches: list[list[Any]]
    spider_overrides: dict[str, type]
    candidates: int = 0
    found: dict[str, int] = field(default_factory=dict)


class SiteWatchDemo:
    """Local sites + stub DNS for the site-watch demo (context manager: start/stop)."""

    def __init__(self, today: date | None = None):
        self.today = today or datetime.now(UTC).date()
        self.shift = timedelta(days=(self.today - FIXTURE_NOW).days)
        self.tampered = False
        self.web: _Web | None = None
        self.dns: StubDNS | None = None
        self.requests: list[tuple[str, str, int]] = []
        self._lock = threading.Lock()

    # lifecycle
    def start(self) -> SiteWatchDemo:
        self.web = _Web(("127.0.0.1", 0), _Handler)
        self.web.demo = self
        threading.Thread(target=self.web.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.dns = StubDNS({n: LOOKALIKE_IP for n in LOOKALIKES}).start()
        return self

    def stop(self) -> None:
        if self.web is not None:
            self.web.shutdown()
            self.web.server_close()
        if self.dns is not None:
            self.dns.stop()

    def __enter__(self) -> SiteWatchDemo:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self.web is not None, "start() first"
        return self.web.server_address[1]

    def hosts(self) -> list[str]:
        return [OFFICIAL_HOST, *IMPERSONATING, *LEGITIMATE, *LOOKALIKES, PRIVATE_REDIRECT_HOST]

    @property
    def host_map(self) -> dict[str, str]:
        """Every demo host → this server (crawler.hostmap); nothing else is mapped."""
        return {h: f"127.0.0.1:{self.port}" for h in self.hosts()}

    def tamper(self, *_: Any) -> None:
        """From now on the official homepage carries 暗链, a foreign script, and different content for Baiduspider."""
        if not self.tampered:
            logger.info("demo: official homepage tampered")
        self.tampered = True

    # content
    def _fixture(self, host: str, path: str) -> Path | None:
        base = (FIXTURE_SITES / (OFFICIAL_FIXTURE if host == OFFICIAL_HOST else host)).resolve()
        if not base.is_dir():
            return None
        f = (base / path.lstrip("/")).resolve()
        if base not in f.parents and f != base:
            return None
        if f.is_dir():
            f = f / "index.html"
        return f if f.is_file() else None

    def _shift_dates(self, text: str) -> str:
        def repl(m: re.Match) -> str:
            try:
                d = date(int(m.group(1)), int(m.group(2)), int(m.group(3))) + self.shift
            except ValueError:
                return m.group(0)
            return d.isoformat()

        return _DATE_RE.sub(repl, text)

    def respond(self, host: str, path: str, ua: str, referer: str) -> tuple[int, str, bytes, dict[str, str]]:
        status, ctype, body, headers = self._respond(host, path, ua, referer)
        with self._lock:
            self.requests.append((host, path, status))
        return status, ctype, body, headers

    def _respond(self, host: str, path: str, ua: str, referer: str) -> tuple[int, str, bytes, dict[str, str]]:
        html = "text/html; charset=utf-8"
        if host in REDIRECTS and path in ("", "/"):
            return 301, html, b"", {"Location": REDIRECTS[host]}
        target = LOOKALIKES.get(host) or host
        if target == OFFICIAL_HOST and path in ("", "/", "/index.html"):
            return 200, html, self.official_home(ua, referer).encode("utf-8"), {}
        f = self._fixture(target, path)
        if f is None or f.parent.name == "snapshots":
            return 404, html, "<html><body>404 页面不存在</body></html>".encode(), {}
        if f.suffix != ".html":
            return (
                200,
                "image/x-icon" if f.suffix == ".ico" else "application/octet-stream",
                f.read_bytes(),
                {},
            )
        text = f.read_text(encoding="utf-8")
        if target == OFFICIAL_HOST:
            text = self._shift_dates(text)
        return 200, html, text.encode("utf-8"), {}

    def official_home(self, ua: str, referer: str) -> str:
        snap = FIXTURE_SITES / OFFICIAL_FIXTURE / "snapshots"
        if self.tampered and "baiduspider" in ua.lower():
            return self._shift_dates((snap / "cloak.spider.html").read_text(encoding="utf-8"))
        if self.tampered and "baidu.com" in referer.lower():
            return self._shift_dates((snap / "cloak.referer.html").read_text(encoding="utf-8"))
        home = self._shift_dates(
            (FIXTURE_SITES / OFFICIAL_FIXTURE / "index.html").read_text(encoding="utf-8")
        )
        if self.tampered:
            home = home.replace("</body>", _INJECTED + "</body>", 1)
        return home

    # configuration and plan
    def config(self) -> SiteWatchConfig:
        official = f"http://{OFFICIAL_HOST}/"
        return SiteWatchConfig(
            official=Official(name="中华人民共和国审计署", names=["审计署"], homepage=official),
            watch=[
                WatchedPage(
                    url=official,
                    site="审计署门户网站（演示）",
                    columns=[
                        Column(name="审计要闻", selector="#yaowen li", max_days=14),
                        Column(name="审计结果公告", selector="#gonggao li", max_days=180),
                    ],
                    links_selector=".main a",
                    max_links=10,
                    allowed_script_hosts=["hm.baidu.com"],
                )  # fmt: skip
            ],
            candidates=[
                *(ManualCandidate(url=f"http://{h}/", note="演示：疑似仿冒网站") for h in IMPERSONATING),
                *(ManualCandidate(url=f"http://{h}/", note="演示：合法或无关网站") for h in LEGITIMATE),
                ManualCandidate(url=f"http://{PRIVATE_REDIRECT_HOST}/", note="演示：跳转到内网地址"),
            ],
            check=CheckSettings(max_pages=2, timeout=10, recheck_days=0),
            discovery=Discovery(
                domains=["audit.gov.cn", "cnao.gov.cn"],
                fuzzers=["omission", "transposition", "hyphenation"],
                resolver=Resolver(
                    nameservers=["127.0.0.1"], port=self.dns.port if self.dns else 53, timeout=1.0
                ),
            ),
        )

    def prepare(self, settings: Any) -> SiteWatchPlan:
        """Discovery into the store (hand-added candidates + look-alikes through the stub DNS), then the plan."""
        from crawler.spiders.impersonation import ImpersonationSpider
        from crawler.spiders.site_watch import SiteWatchSpider
        from jobs.sitewatch import discover
        from store.db import open_store

        cfg = self.config()
        icfg = load_impersonation_config()
        engine = open_store(settings.resolved_db_url, upgrade=True)
        try:
            found = discover(engine, cfg, search_results=False, documents=False, lookalikes=True, icfg=icfg)
        finally:
            engine.dispose()
        check_src = ImpersonationSpider.default_source(cfg)
        watch_src = SiteWatchSpider.default_source(cfg)
        return SiteWatchPlan(
            batches=[[check_src], [watch_src], [watch_src]],
            spider_overrides={
                check_src.name: ImpersonationSpider.configured(
                    sitewatch=cfg, impersonation=icfg, host_map=self.host_map, recheck_all=True
                ),
                watch_src.name: SiteWatchSpider.configured(
                    sitewatch=cfg, host_map=self.host_map, after_close=self.tamper
                ),
            },
            candidates=found.new + found.known,
            found={"manual": found.manual, "lookalikes": found.lookalikes},
        )

    def summary(self, settings: Any) -> dict:
        """Figures from the store after the crawl: candidates by tier, blocked checks, own-site findings."""
        from store.db import open_store
        from store.sitewatch import list_candidates, list_findings, list_snapshots

        engine = open_store(settings.resolved_db_url, upgrade=False)
        with engine.connect() as conn:
            cands, snaps, findings = list_candidates(conn), list_snapshots(conn), list_findings(conn)
        engine.dispose()
        return {
            "candidates": len(cands),
            "act": sorted(c["host"] for c in cands if c["tier"] == TIER_ACT),
            "review": sorted(c["host"] for c in cands if c["tier"] == TIER_REVIEW),
            "not_flagged": sorted(c["host"] for c in cands if c["tier"] == TIER_NONE),
            "errors": {c["host"]: c["check_error"] for c in cands if c["check_error"]},
            "watched_pages": len(snaps),
            "baselines": sum(1 for s in snaps if s["baseline"] is not None),
            "finding_kinds": sorted({f["kind"] for f in findings}),
            "findings": len(findings),
            "tampered": self.tampered,
        }


def demo_sitewatch_settings(settings: Any) -> Any:
    """The given settings with what the demo needs: loopback allowed, no politeness delay."""
    nets = list(dict.fromkeys([*settings.crawl.allow_private_networks, "127.0.0.0/8"]))
    crawl = settings.crawl.model_copy(
        update={"allow_private_networks": nets, "download_delay": 0.0, "autothrottle": False}
    )
    return settings.model_copy(update={"crawl": crawl})


def print_summary(s: dict, out=sys.stdout) -> None:
    act, review = TIER_LABELS[TIER_ACT], TIER_LABELS[TIER_REVIEW]
    print(
        f"仿冒网站：核查 {s['candidates']} 个候选，{act} {len(s['act'])} 个，{review} {len(s['review'])} 个",
        file=out,
    )
    for h in s["act"]:
        print(f"  {act}  {h}", file=out)
    for h in s["review"]:
        print(f"  {review}    {h}", file=out)
    for h, err in s["errors"].items():
        print(f"  核查异常  {h}：{err}", file=out)
    print(
        f"网站安全：监测 {s['watched_pages']} 个页面，未处理问题 {s['findings']} 个（"
        f"{'、'.join(FINDING_LABELS.get(k, k) for k in s['finding_kinds'])}）",
        file=out,
    )


def run_sitewatch_demo(settings: Any, out=sys.stdout) -> dict:
    """Run the whole site-watch demo in this process (it must not have run the Twisted reactor yet)."""
    from jobs.crawl import run_crawl

    settings = demo_sitewatch_settings(settings)
    with SiteWatchDemo() as demo:
        plan = demo.prepare(settings)
        print(
            f"仿冒网站发现：人工添加 {plan.found['manual']} 个，相似域名 {plan.found['lookalikes']} 个",
            file=out,
        )
        run_crawl(settings, plan.batches, spider_overrides=plan.spider_overrides)
        summary = demo.summary(settings)
    print_summary(summary, out)
    return summary
