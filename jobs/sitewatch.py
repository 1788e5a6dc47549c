"""Site-watch jobs: discover impersonation candidates (hand-added, search results, crawled documents,
look-alike domains) into the store, check candidates with the impersonation spider, watch the office's own
pages with the site-watch spider, and drop baselines after a legitimate redesign.

Progress: candidates are upserted by host and checks stamp `last_checked_at`, so discovery and checks can be
re-run at any time and pick up what is due; a watch compares each page with its stored baseline (taken on the
first watch) and keeps the open findings in step with the latest check. Every run leaves a `crawl_runs` row.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine

from config.impersonation import ImpersonationConfig
from config.loader import Settings
from config.sitewatch import SiteWatchConfig
from crawler.discovery import (
    Found,
    OrgMention,
    discover_lookalikes,
    document_candidates,
    manual_candidates,
    search_result_hosts,
)
from jobs.crawl import run_crawl
from jobs.workflows import ACTION_REBASELINE, require
from store import sitewatch as sites_store
from store.audit import log_action
from store.db import open_store
from store.users import User

logger = logging.getLogger(__name__)


def _engine(settings: Settings) -> Engine:
    return open_store(settings.resolved_db_url, upgrade=True)


# --------------------------------------------------------------------------- discover
@dataclass
class DiscoveryRun:
    """What one discovery found: candidates by way, suspicious organisation names, and how many were new."""

    manual: int = 0
    from_search: int = 0
    from_documents: int = 0
    lookalikes: int = 0
    orgs: list[OrgMention] = field(default_factory=list)
    new: int = 0
    known: int = 0


def hosts_from_search(engine: Engine, sw: SiteWatchConfig, icfg: ImpersonationConfig,
                      source_names: Sequence[str] | None = None) -> list[Found]:  # fmt: skip
    """Hosts of the pages the discovery search sources led to (documents stored from those sources)."""
    names = list(source_names) if source_names is not None else [e.name for e in sw.discovery.search.engines]
    if not names:
        return []
    with engine.connect() as conn:
        rows = sites_store.documents_from_sources(conn, names)
    return search_result_hosts(rows, sw, icfg)


def scan_documents(engine: Engine, sw: SiteWatchConfig, icfg: ImpersonationConfig, *,
                   since: datetime | None = None, limit: int = 5000) -> tuple[list[Found], list[OrgMention]]:  # fmt: skip
    """Hosts of crawled documents that claim a tie to the audit office or name a suspicious audit
    organisation, and those organisation names (the newest `limit` documents, first seen since `since`)."""
    with engine.connect() as conn:
        rows = sites_store.recent_documents(conn, since=since, limit=limit)
    return document_candidates(rows, sw, icfg)


def store_found(engine: Engine, found: Iterable[Found], *, now: datetime) -> tuple[int, int]:
    """Upsert candidates by host in one transaction; returns (new, already known). Bad URLs are skipped."""
    new = known = 0
    with engine.begin() as conn:
        for f in found:
            try:
                _, created = sites_store.upsert_candidate(
                    conn, f.url, method=f.method, detail=f.detail, now=now
                )
            except ValueError as exc:
                logger.warning("candidate %r skipped: %s", f.url, exc)
                continue
            new += created
            known += not created
    return new, known


def discover(engine: Engine, sw: SiteWatchConfig, *, search_results: bool = True, documents: bool = True,
             lookalikes: bool = True, now: datetime | None = None,
             icfg: ImpersonationConfig) -> DiscoveryRun:  # fmt: skip
    """Find candidates — hand-added in the config, hosts the search sources led to, hosts of crawled
    documents claiming a tie to the office, look-alike domains that resolve (DNS) — and store them."""
    now = now or datetime.now(UTC)
    run = DiscoveryRun()
    found = manual_candidates(sw)
    run.manual = len(found)
    if search_results:
        from_search = hosts_from_search(engine, sw, icfg)
        run.from_search = len(from_search)
        found += from_search
    if documents:
        doc_hosts, run.orgs = scan_documents(engine, sw, icfg)
        run.from_documents = len(doc_hosts)
        found += doc_hosts
    if lookalikes:
        look = discover_lookalikes(sw, icfg)
        run.lookalikes = len(look)
        found += look
    run.new, run.known = store_found(engine, found, now=now)
    logger.info(
        "discovery: %d manual, %d from search, %d from documents, %d look-alikes; %d new, %d known",
        run.manual, run.from_search, run.from_documents, run.lookalikes, run.new, run.known,
    )  # fmt: skip
    return run


# --------------------------------------------------------------------------- check
@dataclass
class CheckRun:
    """The crawl runs of one check and the candidates it checked (store rows)."""

    runs: list[dict[str, Any]]
    checked: list[dict[str, Any]]


def check_candidates(settings: Settings, sw: SiteWatchConfig, *, icfg: ImpersonationConfig,
                     urls: Sequence[str] = (), ids: Sequence[int] = (), recheck_all: bool = False) -> CheckRun:  # fmt: skip
    """Check the candidates that are due (or the given URLs / ids) with the impersonation spider."""
    from crawler.spiders.impersonation import ImpersonationSpider

    started = datetime.now(UTC)
    source = ImpersonationSpider.default_source(sw)
    spider = ImpersonationSpider.configured(sitewatch=sw, impersonation=icfg, urls=list(urls), ids=list(ids),
                                            recheck_all=recheck_all)  # fmt: skip
    runs = run_crawl(settings, [[source]], spider_overrides={source.name: spider})
    engine = _engine(settings)
    with engine.connect() as conn:
        rows = [
            r
            for r in sites_store.list_candidates(conn)
            if r["last_checked_at"] and r["last_checked_at"] >= started
        ]
    engine.dispose()
    logger.info("check: %d candidates checked", len(rows))
    return CheckRun(runs=runs, checked=rows)


# --------------------------------------------------------------------------- own site
@dataclass
class WatchRun:
    """The crawl runs of one watch, every watched page and the open findings after it."""

    runs: list[dict[str, Any]]
    snapshots: list[dict[str, Any]]
    findings: list[dict[str, Any]]


def watch_state(engine: Engine) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every watched page (snapshot rows) and the open findings."""
    with engine.connect() as conn:
        return sites_store.list_snapshots(conn), sites_store.list_findings(conn)


def watch(settings: Settings, sw: SiteWatchConfig) -> WatchRun:
    """Check the office's own pages with the site-watch spider (a page without a baseline gets one)."""
    from crawler.spiders.site_watch import SiteWatchSpider

    source = SiteWatchSpider.default_source(sw)
    runs = run_crawl(
        settings, [[source]], spider_overrides={source.name: SiteWatchSpider.configured(sitewatch=sw)}
    )
    engine = _engine(settings)
    snapshots, findings = watch_state(engine)
    engine.dispose()
    logger.info("watch: %d pages, %d open findings", len(snapshots), len(findings))
    return WatchRun(runs=runs, snapshots=snapshots, findings=findings)


def rebaseline(engine: Engine, urls: Iterable[str] = (), *, by: User, now: datetime | None = None) -> int:
    """Drop the stored baselines (all, or of `urls`) so the next watch takes new ones; each page's drop is
    logged with who approved it (`by`, whose role must allow rebaseline: jobs.workflows.WorkflowError
    otherwise). Returns how many baselines were dropped."""
    now = now or datetime.now(UTC)
    by_whom = require(by, ACTION_REBASELINE)
    with engine.begin() as conn:
        cleared = sites_store.clear_baselines(conn, urls)
        for snapshot_id, url in cleared:
            log_action(
                conn, sites_store.ENTITY_SNAPSHOT, snapshot_id, "rebaseline", None, url, by_whom, now,
                "网站改版后重新建立基线",
            )  # fmt: skip
    logger.info("rebaseline: %d baselines dropped by %s", len(cleared), by_whom)
    return len(cleared)
