"""Candidate check spider (仿冒网站核查): fetch the official homepage first (the comparison profile), then each
candidate's homepage, its favicon and a few linked same-site pages; record every redirect (HTTP and
meta-refresh), and hand the pages to `crawler.extract.sitecheck.check_site` for evidence and a verdict.

Safety: requests pass the private-address guard (a candidate that redirects into a private or loopback
network is refused and the refusal is stored as the check's error), responses are capped by
`check.max_page_bytes` and `check.timeout` (Scrapy's download_maxsize / download_timeout meta keys).

Run with `yuqing sites check` (candidates due in the store), or `scrapy crawl impersonation -a source=...`.
The site-watch job, tests and the demo configure it with `ImpersonationSpider.configured(sitewatch=...,
impersonation=..., urls=..., host_map=...)`; a bare `scrapy crawl` loads both configs through `crawler.settings`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.http import Response

from analysis.sitewatch.evidence import host_of, parse_html
from analysis.sitewatch.impersonation import OfficialProfile, SiteVerdict, official_profile, site_lexicon
from config.impersonation import ImpersonationConfig
from config.loader import Source
from config.sitewatch import SiteWatchConfig
from crawler.extract.sitecheck import check_site, extract_site_evidence, favicon_url
from crawler.sitewatch_pipelines import SiteCheckItem
from crawler.spiders._base import BaseMonitorSpider
from store.db import open_store
from store.sitewatch import candidates_to_check

logger = logging.getLogger(__name__)

CHECK_SOURCE_NAME = "仿冒网站核查"
EVIDENCE_TEXT_CHARS = 4000
MAX_FAVICON_BYTES = 512 * 1024
BROWSER_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"

SITEWATCH_DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.PrivateAddressGuardMiddleware": 50,
    "crawler.hostmap.HostMapMiddleware": 60,  # NotConfigured unless MONITOR_HOST_MAP is set (tests, demo)
}


def describe_failure(failure) -> str:
    """A short Chinese reason for a failed fetch (blocked, too large, timeout, DNS, connection)."""
    msg = failure.getErrorMessage()
    name = failure.type.__name__ if failure.type else "Error"
    if "PrivateAddressGuard" in msg:
        return f"已拦截：目标为内网或回环地址，未访问（{msg.split(': ', 1)[-1]}）"
    if "maxsize" in msg.lower() or "larger than download max size" in msg.lower() or name == "CancelledError":
        return f"页面超过大小上限，已放弃下载（{msg[:120]}）"
    if "Timeout" in name or "timed out" in msg.lower():
        return f"访问超时（{name}）"
    if "DNS" in name or "DNSLookupError" in name:
        return f"域名无法解析（{msg[:120]}）"
    return f"访问失败：{name}: {msg[:200]}"


def redirect_steps(meta: dict, final_url: str) -> list[dict]:
    """Every hop before the final URL, with why it happened (HTTP status or 'meta refresh')."""
    urls = list(meta.get("redirect_urls") or [])
    reasons = list(meta.get("redirect_reasons") or [])
    steps = []
    for i, u in enumerate(urls):
        to = urls[i + 1] if i + 1 < len(urls) else final_url
        reason = reasons[i] if i < len(reasons) else ""
        steps.append({"from": u, "to": to, "reason": str(reason)})
    return steps


@dataclass
class _Check:
    """State of one candidate's check, carried along its chain of requests."""

    url: str
    final_url: str = ""
    status: int = 0
    html: str = ""
    redirects: list[dict] = field(default_factory=list)
    favicon: bytes | None = None
    pages: list[tuple[str, int, str]] = field(default_factory=list)  # linked pages (url, status, html)
    todo: list[str] = field(default_factory=list)


class ImpersonationSpider(BaseMonitorSpider):
    name = "impersonation"
    kinds = ("site_check",)
    custom_settings = {
        "ITEM_PIPELINES": {"crawler.sitewatch_pipelines.SiteCheckStoragePipeline": 900},
        "DOWNLOADER_MIDDLEWARES": SITEWATCH_DOWNLOADER_MIDDLEWARES,
        "HTTPERROR_ALLOW_ALL": True,  # a 403/404/500 homepage is evidence too
        "REDIRECT_MAX_TIMES": 5,
        "METAREFRESH_ENABLED": True,
    }
    # Set by `configured()` (the site-watch job, tests, demo); None only under a bare `scrapy crawl`, which
    # loads config/official_sites.yaml and config/impersonation.yaml through crawler.settings.
    sitewatch: SiteWatchConfig | None = None
    impersonation: ImpersonationConfig | None = None
    urls: tuple[str, ...] = ()  # check exactly these; empty = the candidates due in the store
    ids: tuple[int, ...] = ()
    recheck_all: bool = False

    @classmethod
    def configured(cls, *, host_map: dict[str, str] | None = None, **attrs: Any) -> type[ImpersonationSpider]:
        """A subclass with class attributes set (sitewatch, impersonation, urls, ids, recheck_all) and, for
        tests and the demo only, a host map that serves named hosts from a local server (crawler.hostmap)."""
        custom = dict(cls.custom_settings)
        if host_map:
            custom["MONITOR_HOST_MAP"] = dict(host_map)
        attrs = {k: tuple(v) if isinstance(v, list) else v for k, v in attrs.items()}
        return type(cls.__name__, (cls,), {**attrs, "custom_settings": custom})

    @staticmethod
    def default_source(cfg: SiteWatchConfig) -> Source:
        """The source row this spider runs under (its start URL is the official homepage)."""
        return Source(
            name=CHECK_SOURCE_NAME, kind="site_check", url=cfg.official.homepage, level="official",
            platform="official", cadence="1d",
        )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.cfg: SiteWatchConfig = self.sitewatch
        self.icfg: ImpersonationConfig = self.impersonation
        if self.cfg is None or self.icfg is None:  # a bare `scrapy crawl impersonation`
            from crawler.settings import standalone_impersonation, standalone_sitewatch

            if self.cfg is None:
                self.cfg = standalone_sitewatch()
            if self.icfg is None:
                self.icfg = standalone_impersonation()
        self.official: OfficialProfile = official_profile(None, self.icfg)
        self.official_source = "names_only"

    # ----------------------------------------------------------------- requests
    def _meta(self) -> dict:
        return {"download_maxsize": self.cfg.check.max_page_bytes, "download_timeout": self.cfg.check.timeout}

    def _request(self, url: str, callback, errback, **cb_kwargs: Any) -> scrapy.Request:
        return scrapy.Request(
            url, callback=callback, errback=errback, cb_kwargs=cb_kwargs, meta=self._meta(), dont_filter=True,
            headers={"User-Agent": BROWSER_UA, "Accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
        )  # fmt: skip

    async def start(self):
        home = self.source.url if self.source.url.startswith("http") else self.cfg.official.homepage
        yield self._request(home, self.parse_official, self.official_failed)

    def _targets(self) -> list[str]:
        if self.urls:
            return list(dict.fromkeys(self.urls))
        engine = open_store(self.crawler.settings.get("MONITOR_DB_URL"), upgrade=False)
        try:
            with engine.connect() as conn:
                rows = candidates_to_check(
                    conn, now=datetime.now(UTC), recheck_days=self.cfg.check.recheck_days, ids=self.ids,
                    include_all=self.recheck_all,
                )  # fmt: skip
        finally:
            engine.dispose()
        logger.info("%d candidate(s) to check", len(rows))
        return [r["url"] for r in rows]

    def _candidate_requests(self):
        targets = self._targets()
        self.crawler.stats.set_value("monitor/sitecheck/candidates", len(targets))
        for url in targets:
            yield self._request(url, self.parse_home, self.home_failed, check=_Check(url=url))

    # ----------------------------------------------------------------- official profile
    def parse_official(self, response: Response):
        html, _ = self.decode(response)
        yield self._request(
            favicon_url(html, response.url), self.parse_official_favicon, self.official_favicon_failed,
            html=html, final_url=response.url, status=response.status,
        )  # fmt: skip

    def official_failed(self, failure):
        self.errback(failure)
        logger.warning("official homepage not fetched (%s): comparing names only", failure.getErrorMessage())
        yield from self._candidate_requests()

    def parse_official_favicon(self, response: Response, html: str, final_url: str, status: int):
        fav = response.body if response.status == 200 and response.body else None
        yield from self._set_official(html, final_url, status, fav)

    def official_favicon_failed(self, failure):
        kw = failure.request.cb_kwargs
        yield from self._set_official(kw["html"], kw["final_url"], kw["status"], None)

    def _set_official(self, html: str, final_url: str, status: int, favicon: bytes | None):
        if status < 400 and html.strip():
            ev = extract_site_evidence(final_url, status, html, (), favicon, lexicon=site_lexicon(self.icfg))
            self.official = official_profile(ev, self.icfg)
            self.official_source = final_url
        yield from self._candidate_requests()

    # ----------------------------------------------------------------- candidate chain
    def parse_home(self, response: Response, check: _Check):
        check.final_url = response.url
        check.status = response.status
        check.redirects = redirect_steps(response.meta, response.url)
        check.html, _ = self.decode(response)
        if check.status < 400 and check.html.strip():
            check.todo = self._linked_pages(check.html, response.url)
            yield self._request(
                favicon_url(check.html, response.url), self.parse_favicon, self.step_failed, check=check
            )
        else:
            yield self._finish(check)

    def home_failed(self, failure):
        self.errback(failure)
        check: _Check = failure.request.cb_kwargs["check"]
        meta = failure.request.meta
        chain = [*(meta.get("redirect_urls") or []), failure.request.url]
        steps = redirect_steps(meta, failure.request.url)
        if "PrivateAddressGuard" in failure.getErrorMessage():
            self.crawler.stats.inc_value("monitor/sitecheck/blocked")
        yield SiteCheckItem(
            url=check.url, checked_at=datetime.now(UTC), final_url=failure.request.url, error=describe_failure(failure),
            evidence={"redirects": steps, "attempted": chain, "official_profile": self.official_source},
        )  # fmt: skip

    def parse_favicon(self, response: Response, check: _Check):
        if response.status == 200 and response.body and len(response.body) <= MAX_FAVICON_BYTES:
            check.favicon = response.body
        yield from self._next_page(check)

    def parse_page(self, response: Response, check: _Check):
        html, _ = self.decode(response)
        if host_of(response.url) == host_of(check.final_url):  # a redirect off-site is not this site's page
            check.pages.append((response.url, response.status, html))
        yield from self._next_page(check)

    def step_failed(self, failure):
        self.errback(failure)
        yield from self._next_page(failure.request.cb_kwargs["check"])

    def _next_page(self, check: _Check):
        if check.todo:
            yield self._request(check.todo.pop(0), self.parse_page, self.step_failed, check=check)
        else:
            yield self._finish(check)

    def _linked_pages(self, html: str, base: str) -> list[str]:
        """Up to check.max_pages same-host links whose anchor text or URL suggests 关于/资质/培训/合作 pages."""
        n = self.cfg.check.max_pages
        root = parse_html(html)
        if root is None or n <= 0:
            return []
        host = host_of(base)
        words = [w.lower() for w in self.cfg.check.link_words]
        picked: list[str] = []
        for a in root.iter("a"):
            href = (a.get("href") or "").strip()
            if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
                continue
            url = urljoin(base, href).split("#")[0]
            if (
                host_of(url) != host
                or url.rstrip("/") == base.rstrip("/")
                or urlsplit(url).scheme not in ("http", "https")
            ):
                continue
            label = (re.sub(r"\s+", "", a.text_content()) + " " + url).lower()
            if any(w in label for w in words) and url not in picked:
                picked.append(url)
            if len(picked) >= n:
                break
        return picked

    def _finish(self, check: _Check) -> SiteCheckItem:
        now = datetime.now(UTC)
        chain = [s["from"] for s in check.redirects]
        home = check_site(
            check.final_url,
            check.status,
            check.html,
            chain,
            check.favicon,
            official=self.official,
            cfg=self.icfg,
        )
        verdicts: list[tuple[str, SiteVerdict]] = [(check.final_url, home)]
        for url, status, html in check.pages:
            verdicts.append(
                (url, check_site(url, status, html, (), None, official=self.official, cfg=self.icfg))
            )
        best_url, best = max(verdicts, key=lambda v: v[1].score)  # first (the homepage) wins ties
        ev = best.evidence.to_dict() if best.evidence else {}
        ev["text"] = (ev.get("text") or "")[:EVIDENCE_TEXT_CHARS]
        for k in ("tag_paths", "classes"):
            ev[k] = len(ev.get(k) or [])  # counts only: the sets are recomputed from the page when needed
        evidence = {
            **ev,
            "checked_url": check.url,
            "verdict_page": best_url,
            "redirects": check.redirects,
            "favicon_sha256": home.evidence.favicon_sha256 if home.evidence else "",
            "pages": [
                {"url": u, "score": v.score, "tier": v.tier, "signals": [s.code for s in v.signals]}
                for u, v in verdicts
            ],
            "official_profile": self.official_source,
        }
        return SiteCheckItem(
            url=check.url, checked_at=now, final_url=check.final_url, status=check.status,
            title=(home.evidence.title if home.evidence else "") or "", score=best.score, tier=best.tier,
            signals=[s.to_dict() for s in best.signals], evidence=evidence,
        )  # fmt: skip
