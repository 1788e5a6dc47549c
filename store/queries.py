"""Reads and writes over the schema: document upsert, source sync and health, crawl runs, analysis batches."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from store import aggregates
from store.schema import analysis_runs, crawl_runs, document_plans, documents, sources

logger = logging.getLogger(__name__)

# Columns a re-crawl refreshes; everything else keeps what was stored first (first_seen_at, analysis, ...).
REFRESHED_COLUMNS = ("reposts", "comments", "likes", "reads", "fetched_at", "updated_at")
DOCUMENT_COLUMNS = tuple(c.name for c in documents.columns if c.name != "id")


def _insert(conn: Connection, table):
    dialect = conn.dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"unsupported database dialect: {dialect}")


def _now() -> datetime:
    return datetime.now(UTC)


def upsert_documents(conn: Connection, rows: Sequence[dict[str, Any]]) -> tuple[int, int]:
    """Insert new documents and refresh engagement of known ones, keyed by canonical URL.

    Returns (inserted, updated). Rows with the same URL inside one batch are collapsed (last wins).
    """
    if not rows:
        return 0, 0
    by_url: dict[str, dict[str, Any]] = {}
    for row in rows:
        by_url[row["url"]] = row
    urls = list(by_url)
    existing: set[str] = set()
    for chunk_start in range(0, len(urls), 500):
        chunk = urls[chunk_start : chunk_start + 500]
        existing.update(conn.execute(select(documents.c.url).where(documents.c.url.in_(chunk))).scalars())
    now = _now()
    values = []
    for row in by_url.values():
        v = {k: row.get(k) for k in DOCUMENT_COLUMNS if k in row}
        v.setdefault("fetched_at", now)
        v.setdefault("first_seen_at", v["fetched_at"])
        v["updated_at"] = now
        for k in ("reposts", "comments", "likes", "reads"):
            v[k] = int(v.get(k) or 0)
        v.setdefault("plans", [])
        v.setdefault("terms", [])
        v["date_missing"] = v.get("published_at") is None
        v["doc_time"] = v.get("published_at") or v["first_seen_at"]
        values.append(v)
    # Rows in one executemany must share keys.
    keys = set().union(*(v.keys() for v in values))
    for v in values:
        for k in keys:
            v.setdefault(k, None)
    stmt = _insert(conn, documents)
    stmt = stmt.on_conflict_do_update(
        index_elements=[documents.c.url],
        set_={k: getattr(stmt.excluded, k) for k in REFRESHED_COLUMNS},
    )
    conn.execute(stmt, values)
    new_urls = [u for u in urls if u not in existing]
    _insert_document_plans(conn, new_urls)
    updated = len(existing)
    return len(values) - updated, updated


def plan_rows(document_id: int, plans: Any, doc_time: datetime | None) -> list[dict[str, Any]]:
    """The document_plans rows of one document (each distinct non-empty plan name once)."""
    names = plans if isinstance(plans, list | tuple) else []
    return [{"document_id": document_id, "plan": p, "doc_time": doc_time}
            for p in dict.fromkeys(str(x) for x in names if x)]  # fmt: skip


def _insert_document_plans(conn: Connection, urls: Sequence[str]) -> None:
    """document_plans for the documents at `urls` (just inserted: a re-crawl never changes plans)."""
    rows: list[dict[str, Any]] = []
    for chunk_start in range(0, len(urls), 500):
        chunk = urls[chunk_start : chunk_start + 500]
        for r in conn.execute(
            select(documents.c.id, documents.c.plans, documents.c.doc_time).where(documents.c.url.in_(chunk))
        ):
            rows.extend(plan_rows(r.id, r.plans, r.doc_time))
    if rows:
        conn.execute(_insert(conn, document_plans).on_conflict_do_nothing(), rows)


def sync_sources(conn: Connection, configured: Iterable[dict[str, Any]]) -> int:
    """Make the sources table mirror the configured sources (insert or update by name); returns count."""
    n = 0
    now = _now()
    for src in configured:
        row = {
            "name": src["name"],
            "kind": src["kind"],
            "url": src["url"],
            "platform": src.get("platform", "news"),
            "level": src["level"],
            "region": src.get("region"),
            "cadence_minutes": int(src.get("cadence_minutes", 60)),
            "enabled": bool(src.get("enabled", True)),
            "updated_at": now,
        }
        stmt = _insert(conn, sources)
        stmt = stmt.on_conflict_do_update(
            index_elements=[sources.c.name], set_={k: getattr(stmt.excluded, k) for k in row if k != "name"}
        )
        conn.execute(stmt, [row])
        n += 1
    return n


def start_crawl_run(conn: Connection, spider: str, source: str | None, started_at: datetime) -> int:
    res = conn.execute(
        crawl_runs.insert().values(
            spider=spider,
            source=source,
            started_at=started_at,
            status="running",
            dropped={},
            error_samples=[],
            stats={},
            pages=0,
            items=0,
            stored=0,
            updated=0,
            errors=0,
        )
    )
    return int(res.inserted_primary_key[0])


def update_crawl_run(conn: Connection, run_id: int, **values: Any) -> None:
    conn.execute(update(crawl_runs).where(crawl_runs.c.id == run_id).values(**values))


def interrupt_open_crawl_runs(conn: Connection) -> int:
    """Close the crawl runs a killed process left `running` (status interrupted); returns how many."""
    res = conn.execute(
        update(crawl_runs)
        .where(crawl_runs.c.status == "running")
        .values(status="interrupted", finish_reason="process ended before the crawl finished")
    )
    return int(res.rowcount or 0)


def crawl_runs_since(conn: Connection, started: datetime) -> list[dict[str, Any]]:
    """The crawl_runs rows started at or after `started`, in the order they were written."""
    rows = (
        conn.execute(select(crawl_runs).where(crawl_runs.c.started_at >= started).order_by(crawl_runs.c.id))
        .mappings()
        .all()
    )
    return [dict(r) for r in rows]


def record_source_health(
    conn: Connection, name: str, *, ok: bool, when: datetime, error: str | None = None
) -> None:
    """Update a source's health after a crawl: last success, or last error and consecutive failures."""
    if ok:
        values = {"last_run_at": when, "last_success_at": when, "consecutive_failures": 0}
    else:
        values = {
            "last_run_at": when,
            "last_error_at": when,
            "last_error": (error or "")[:2000],
            "consecutive_failures": sources.c.consecutive_failures + 1,
        }
    conn.execute(update(sources).where(sources.c.name == name).values(**values))


def iter_unanalyzed(engine: Engine, version: str, batch_size: int = 500) -> Iterator[list[dict[str, Any]]]:
    """Yield batches of documents not yet analysed by `version`, oldest id first (keyset pagination)."""
    last_id = 0
    cols = [
        documents.c.id,
        documents.c.title,
        documents.c.body,
        documents.c.platform,
        documents.c.published_at,
    ]
    while True:
        with engine.connect() as conn:
            rows = (
                conn.execute(
                    select(*cols)
                    .where(
                        and_(
                            documents.c.id > last_id,
                            (documents.c.analysis_version.is_(None))
                            | (documents.c.analysis_version != version),
                        )
                    )
                    .order_by(documents.c.id)
                    .limit(batch_size)
                )
                .mappings()
                .all()
            )
        if not rows:
            return
        last_id = rows[-1]["id"]
        yield [dict(r) for r in rows]


def write_analysis(conn: Connection, results: Sequence[dict[str, Any]]) -> None:
    """Write per-document analysis results; each dict has `id` plus analysis columns."""
    if not results:
        return
    aggregates.before_analysis_write(conn, results)
    keys = [k for k in results[0] if k != "id"]
    stmt = update(documents).where(documents.c.id == bindparam("_id")).values({k: bindparam(k) for k in keys})
    conn.execute(stmt, [{"_id": r["id"], **{k: r[k] for k in keys}} for r in results])
    aggregates.after_analysis_write(conn, [int(r["id"]) for r in results])


def start_analysis_run(conn: Connection, version: str, started_at: datetime) -> int:
    res = conn.execute(
        analysis_runs.insert().values(started_at=started_at, version=version, documents=0, stats={})
    )
    return int(res.inserted_primary_key[0])


def finish_analysis_run(conn: Connection, run_id: int, *, n: int, stats: dict, finished_at: datetime) -> None:
    conn.execute(
        update(analysis_runs)
        .where(analysis_runs.c.id == run_id)
        .values(documents=n, stats=stats, finished_at=finished_at)
    )


def count_documents(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(documents)).scalar_one())
