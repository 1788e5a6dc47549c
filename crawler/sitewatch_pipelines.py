"""Site-watch items and the pipelines that store them: candidate checks (SiteCheckItem → site_candidates) and
own-site snapshots (SnapshotItem → baseline / findings in site_snapshots and integrity_findings).

The spiders enable these pipelines through `custom_settings`, so the news pipelines (normalise, 方案 match,
dedup, document storage) never see these items and these pipelines never see articles.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from scrapy.exceptions import CloseSpider, DropItem

from analysis.sitewatch import integrity
from config.vocabulary import SEVERITY_HIGH, SEVERITY_RANK, SNAPSHOT_ERROR, SNAPSHOT_FINDINGS, SNAPSHOT_OK
from crawler.pipelines import _raw
from crawler.sanitize import MAX_URL, repair_text, repair_tree, unstorable_identity
from store.db import StoreError, open_store
from store.quarantine import ROW_ERRORS, add_quarantined
from store.sitewatch import (
    get_snapshot,
    html_digest,
    record_check,
    record_snapshot,
    save_baseline,
    sync_findings,
)

logger = logging.getLogger(__name__)


@dataclass
class SiteCheckItem:
    """One checked candidate: the verdict from analysis.sitewatch.impersonation plus the evidence behind it."""

    url: str  # the candidate URL that was requested
    checked_at: datetime
    final_url: str | None = None
    status: int | None = None
    title: str = ""
    score: int | None = None
    tier: str | None = None
    signals: list[dict] = field(default_factory=list)
    evidence: dict = field(default_factory=dict)
    error: str | None = None

    def as_result(self) -> dict[str, Any]:
        return {
            "final_url": self.final_url, "title": self.title, "score": self.score, "tier": self.tier,
            "signals": self.signals, "evidence": self.evidence, "error": self.error,
        }  # fmt: skip


@dataclass
class SnapshotItem:
    """One watched page fetched three ways (browser, Baiduspider, Baidu referer) plus its links' statuses."""

    url: str
    fetched_at: datetime
    site: str = ""
    final_url: str | None = None
    status: int | None = None
    html: str | None = None  # as a browser
    html_spider: str | None = None  # as Baiduspider
    html_referer: str | None = None  # with a Baidu referer
    link_statuses: dict[str, int | None] = field(default_factory=dict)
    columns: list[dict] = field(default_factory=list)  # [{name, selector, max_days}]
    regions: dict[str, list[str]] = field(default_factory=dict)
    allowed_script_hosts: list[str] = field(default_factory=list)
    error: str | None = None


class _StorePipeline:
    def __init__(self, crawler, db_url: str):
        self.crawler = crawler
        self.db_url = db_url
        self.engine = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, crawler.settings.get("MONITOR_DB_URL"))

    def open_spider(self):
        try:
            self.engine = open_store(self.db_url, upgrade=False)
        except StoreError as exc:
            raise CloseSpider(f"db unavailable: {exc}") from exc

    def close_spider(self):
        if self.engine is not None:
            self.engine.dispose()

    def _quarantine(self, item, reason: str, error: str) -> None:
        """Count the refused item by reason and keep it in the quarantine table."""
        stats = self.crawler.stats
        stats.inc_value(f"monitor/dropped/{reason}")
        stats.inc_value("monitor/quarantined")
        spider = self.crawler.spider
        try:
            with self.engine.begin() as conn:
                add_quarantined(conn, spider=getattr(spider, "name", "?"), source=None, reason=reason,
                                error=error, item=_raw(item), at=datetime.now(UTC))  # fmt: skip
        except ROW_ERRORS as exc:
            stats.inc_value("monitor/errors/store")
            logger.error("quarantine not written (%s): %s", type(exc).__name__, reason)


class SiteCheckStoragePipeline(_StorePipeline):
    """Writes each candidate check to site_candidates (one short transaction per candidate)."""

    def process_item(self, item):
        if not isinstance(item, SiteCheckItem):
            raise DropItem(f"SiteCheckStoragePipeline: not a site check: {getattr(item, 'url', '?')}")
        reason = unstorable_identity(item.url, MAX_URL, "url")
        if reason:
            self._quarantine(item, reason, f"candidate URL {reason}")
            raise DropItem(f"SiteCheckStoragePipeline: {reason}")
        result = repair_tree(item.as_result())  # crawled titles and evidence are untrusted text
        result["final_url"] = repair_text(result.get("final_url"), MAX_URL) or None
        try:
            with self.engine.begin() as conn:
                record_check(conn, item.url, result, now=item.checked_at)
        except ROW_ERRORS as exc:
            self._quarantine(item, "store_rejected", f"{type(exc).__name__}: {exc}")
            raise DropItem(f"SiteCheckStoragePipeline: store_rejected: {item.url[:200]}") from None
        self.crawler.stats.inc_value("monitor/stored")
        if item.error:
            self.crawler.stats.inc_value("monitor/sitecheck/errors")
        elif item.tier in ("act", "review"):
            self.crawler.stats.inc_value(f"monitor/sitecheck/{item.tier}")
        return item


class SnapshotPipeline(_StorePipeline):
    """Stores a baseline on a page's first check, then findings on every check (new / still open / resolved)."""

    def process_item(self, item):
        if not isinstance(item, SnapshotItem):
            raise DropItem(f"SnapshotPipeline: not a snapshot: {getattr(item, 'url', '?')}")
        with self.engine.begin() as conn:
            snap = get_snapshot(conn, item.url)
            baseline = (snap or {}).get("baseline")
            created = False
            if baseline is None and item.html and not item.error:
                baseline = integrity.baseline_fingerprint(
                    item.html, item.final_url or item.url, item.regions or None
                )
                save_baseline(conn, item.url, baseline, now=item.fetched_at, site=item.site or None)
                created = True
            findings = snapshot_findings(item, None if created else baseline)
            new, resolved = sync_findings(conn, item.url, findings, now=item.fetched_at)
            status = SNAPSHOT_ERROR if item.error else SNAPSHOT_FINDINGS if findings else SNAPSHOT_OK
            latest = {
                "final_url": item.final_url, "status": item.status, "digest": html_digest(item.html or ""),
                "baseline_created": created, "findings": len(findings), "new_findings": new,
                "resolved_findings": resolved, "links_checked": len(item.link_statuses),
                "variants": [k for k, v in (("browser", item.html), ("spider", item.html_spider),
                                            ("referer", item.html_referer)) if v is not None],
            }  # fmt: skip
            record_snapshot(
                conn, item.url, latest=latest, status=status, now=item.fetched_at, error=item.error,
                site=item.site or None,
            )  # fmt: skip
        self.crawler.stats.inc_value("monitor/stored")
        self.crawler.stats.inc_value("monitor/integrity/findings", len(findings))
        if created:
            self.crawler.stats.inc_value("monitor/integrity/baselines")
        return item


def snapshot_findings(item: SnapshotItem, baseline: Mapping | None) -> list[dict]:
    """All integrity findings for one fetched page (pure): baseline comparison when a baseline is given,
    cloaking across the three fetches, stale / blank columns, broken links; an unreachable page is itself
    a finding."""
    now = item.fetched_at
    url = item.final_url or item.url
    if item.error or not item.html:
        return [
            integrity.Finding(
                "unreachable",
                SEVERITY_HIGH,
                f"页面无法正常访问：{item.error or f'HTTP {item.status}，内容为空'}",
                {"url": item.url, "status": item.status, "checked_at": now.isoformat(timespec="seconds")},
            ).to_dict()
        ]
    found: list[integrity.Finding] = []
    if baseline is not None:
        found += integrity.check_page(
            item.html, url, baseline, now=now, allowed_script_hosts=item.allowed_script_hosts
        )
    if item.html_spider is not None or item.html_referer is not None:
        found += integrity.compare_variants(item.html, item.html_spider, item.html_referer)
    if item.columns:
        dates = {c["name"]: integrity.column_dates(item.html, c["selector"]) for c in item.columns}
        found += integrity.check_columns(
            dates, now=now, max_days_by_column={c["name"]: int(c["max_days"]) for c in item.columns}, url=url
        )
    if item.link_statuses:
        found += integrity.check_broken_links(item.link_statuses, page_url=url)
    found.sort(key=lambda f: -SEVERITY_RANK[f.severity])
    return [f.to_dict() for f in found]
