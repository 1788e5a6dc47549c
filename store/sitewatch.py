"""Reads and writes for site watch: impersonation candidates (upsert by host, check results, status,
acknowledgement), own-site snapshots (baseline, latest, status), integrity findings (open / resolved, and a
person's review: 已确认 / 误报 with who and when), and the crawled documents that discovery scans. Which status changes are allowed, and what goes to the audit log, is decided by the
workflow module of the orchestration layer above.

All functions take an open SQLAlchemy connection (the caller owns the transaction) and an aware `now`.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import and_, null, or_, select, update
from sqlalchemy.engine import Connection

from config.vocabulary import (
    CANDIDATE_FALSE,
    CANDIDATE_PENDING,
    FINDING_FALSE_POSITIVE,
    METHOD_CHECK,
    SNAPSHOT_OK,
)
from store.schema import audit_log, documents, integrity_findings, site_candidates, site_snapshots

logger = logging.getLogger(__name__)

ENTITY_CANDIDATE = "site_candidate"
ENTITY_SNAPSHOT = "site_snapshot"
ENTITY_FINDING = "integrity_finding"

_HOST_RE = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")


# --------------------------------------------------------------------------- candidates
def candidate_key(url: str) -> tuple[str, str]:
    """(host, url) for a candidate typed by a person or found by a crawler: scheme added when missing,
    host lower-cased and IDNA-encoded. Raises ValueError when there is no usable host."""
    raw = (url or "").strip()
    if not raw:
        raise ValueError("空地址")
    if "://" not in raw:
        raw = "http://" + raw
    parts = urlsplit(raw)
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(f"只支持 http/https 地址：{url}")
    host = (parts.hostname or "").strip(".").lower()
    if not host or " " in host:
        raise ValueError(f"地址中没有有效的主机名：{url}")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError(f"主机名无效：{url}") from None
    if not _HOST_RE.fullmatch(host):
        raise ValueError(f"主机名无效：{url}")
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    clean = urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))
    return (host if parts.port is None else f"{host}:{parts.port}"), clean


def upsert_candidate(
    conn: Connection,
    url: str,
    *,
    method: str,
    detail: str = "",
    now: datetime,
) -> tuple[int, bool]:
    """Insert a candidate by host, or add how it was found again to an existing one. Returns (id, created)."""
    host, clean = candidate_key(url)
    found = {"method": method, "detail": detail[:500], "at": now.isoformat(timespec="seconds")}
    row = conn.execute(
        select(site_candidates.c.id, site_candidates.c.found_by).where(site_candidates.c.host == host)
    ).first()
    if row is None:
        res = conn.execute(
            site_candidates.insert().values(
                host=host, url=clean, found_by=[found], signals=[], evidence={}, status=CANDIDATE_PENDING,
                first_seen_at=now,
            )
        )  # fmt: skip
        cid, created = int(res.inserted_primary_key[0]), True
    else:
        cid, created = int(row.id), False
        known = list(row.found_by or [])
        if not any(f.get("method") == method and f.get("detail") == found["detail"] for f in known):
            conn.execute(
                update(site_candidates)
                .where(site_candidates.c.id == cid)
                .values(found_by=[*known, found][-50:])
            )
    return cid, created


def candidates_to_check(
    conn: Connection,
    *,
    now: datetime,
    recheck_days: int = 7,
    ids: Sequence[int] = (),
    include_all: bool = False,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Candidates due for a check: never checked, or checked more than ``recheck_days`` ago (误报 skipped).

    ``ids`` picks exactly those candidates; ``include_all`` re-checks every candidate not marked 误报.
    """
    q = select(site_candidates.c.id, site_candidates.c.host, site_candidates.c.url)
    if ids:
        q = q.where(site_candidates.c.id.in_(list(ids)))
    else:
        q = q.where(site_candidates.c.status != CANDIDATE_FALSE)
        if not include_all:
            q = q.where(
                or_(
                    site_candidates.c.last_checked_at.is_(None),
                    site_candidates.c.last_checked_at < now - timedelta(days=recheck_days),
                )
            )
    q = q.order_by(site_candidates.c.last_checked_at.is_not(None), site_candidates.c.id)
    if limit:
        q = q.limit(limit)
    return [dict(r) for r in conn.execute(q).mappings()]


def record_check(conn: Connection, url: str, result: dict[str, Any], *, now: datetime) -> int:
    """Store one check of a candidate (creating the row if the URL was checked without one).

    ``result``: final_url, title, score, tier, signals (list of dicts), evidence (dict), error (str or None).
    """
    host, _ = candidate_key(url)
    cid = conn.execute(select(site_candidates.c.id).where(site_candidates.c.host == host)).scalar()
    if cid is None:
        cid, _ = upsert_candidate(conn, url, method=METHOD_CHECK, detail="直接核查", now=now)
    values = {
        "final_url": result.get("final_url"),
        "title": (result.get("title") or "")[:500] or None,
        "score": result.get("score"),
        "tier": result.get("tier"),
        "signals": result.get("signals") or [],
        "evidence": result.get("evidence") or {},
        "last_checked_at": now,
        "check_error": (result.get("error") or None) and str(result["error"])[:2000],
    }
    conn.execute(update(site_candidates).where(site_candidates.c.id == cid).values(**values))
    return int(cid)


def set_status(
    conn: Connection, candidate_id: int, old: str, new: str, *, by_whom: str, now: datetime,
    note: str | None = None,
) -> bool:  # fmt: skip
    """Move a candidate from status `old` to `new`, noting who and when (and the note, if any); False
    (nothing written) if its status is no longer `old`."""
    values: dict[str, Any] = {"status": new, "status_by": by_whom[:100], "status_at": now}
    if note:
        values["note"] = note[:2000]
    res = conn.execute(
        update(site_candidates)
        .where(and_(site_candidates.c.id == candidate_id, site_candidates.c.status == old))
        .values(**values)
    )
    return bool(res.rowcount)


def acknowledge_candidate(conn: Connection, candidate_id: int, *, by_whom: str, now: datetime) -> bool:
    """Record that `by_whom` has seen (确认知悉) the candidate; False (nothing written) if already done."""
    res = conn.execute(
        update(site_candidates)
        .where(and_(site_candidates.c.id == candidate_id, site_candidates.c.acknowledged_at.is_(None)))
        .values(acknowledged_by=by_whom[:100], acknowledged_at=now)
    )
    return bool(res.rowcount)


def get_candidate(conn: Connection, candidate_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(site_candidates).where(site_candidates.c.id == candidate_id)).mappings().first()
    return dict(row) if row else None


def list_candidates(
    conn: Connection, *, statuses: Sequence[str] = (), min_score: float | None = None
) -> list[dict[str, Any]]:
    """Candidates ranked by score (unchecked last), then newest first."""
    q = select(site_candidates)
    if statuses:
        q = q.where(site_candidates.c.status.in_(list(statuses)))
    if min_score is not None:
        q = q.where(site_candidates.c.score >= min_score)
    q = q.order_by(
        site_candidates.c.score.is_(None), site_candidates.c.score.desc(), site_candidates.c.id.desc()
    )
    return [dict(r) for r in conn.execute(q).mappings()]


def history(conn: Connection, entity: str, entity_id: int) -> list[dict[str, Any]]:
    """Audit-log rows of one entity, oldest first."""
    q = (
        select(audit_log)
        .where(and_(audit_log.c.entity == entity, audit_log.c.entity_id == entity_id))
        .order_by(audit_log.c.at, audit_log.c.id)
    )
    return [dict(r) for r in conn.execute(q).mappings()]


# --------------------------------------------------------------------------- own-site snapshots
def get_snapshot(conn: Connection, url: str) -> dict[str, Any] | None:
    row = conn.execute(select(site_snapshots).where(site_snapshots.c.url == url)).mappings().first()
    return dict(row) if row else None


def ensure_snapshot(conn: Connection, url: str, site: str | None = None) -> int:
    row = conn.execute(
        select(site_snapshots.c.id, site_snapshots.c.site).where(site_snapshots.c.url == url)
    ).first()
    if row is not None:
        if site and row.site != site:
            conn.execute(update(site_snapshots).where(site_snapshots.c.id == row.id).values(site=site))
        return int(row.id)
    res = conn.execute(site_snapshots.insert().values(url=url, site=site, status=SNAPSHOT_OK))
    return int(res.inserted_primary_key[0])


def save_baseline(
    conn: Connection, url: str, baseline: dict, *, now: datetime, site: str | None = None
) -> None:
    ensure_snapshot(conn, url, site)
    conn.execute(
        update(site_snapshots).where(site_snapshots.c.url == url).values(baseline=baseline, baseline_at=now)
    )


def record_snapshot(
    conn: Connection, url: str, *, latest: dict, status: str, now: datetime, error: str | None = None,
    site: str | None = None,
) -> None:  # fmt: skip
    """The latest check of a watched page: its summary, status (ok / findings / error) and error text."""
    ensure_snapshot(conn, url, site)
    conn.execute(
        update(site_snapshots)
        .where(site_snapshots.c.url == url)
        .values(
            latest=latest, status=status, last_checked_at=now, last_error=(error or None) and error[:2000]
        )
    )


def clear_baselines(conn: Connection, urls: Iterable[str] = ()) -> list[tuple[int, str]]:
    """Drop stored baselines (all, or of ``urls``) so the next watch stores new ones; returns the (id, url)
    of the snapshots whose baseline was dropped."""
    q = select(site_snapshots.c.id, site_snapshots.c.url, site_snapshots.c.baseline)
    urls = list(urls)
    if urls:
        q = q.where(site_snapshots.c.url.in_(urls))
    rows = [r for r in conn.execute(q).all() if r.baseline is not None]  # JSON null and SQL NULL alike
    for r in rows:
        conn.execute(
            update(site_snapshots)
            .where(site_snapshots.c.id == r.id)
            .values(baseline=null(), baseline_at=None)
        )
    return [(int(r.id), r.url) for r in rows]


def list_snapshots(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(select(site_snapshots).order_by(site_snapshots.c.url)).mappings()]


# --------------------------------------------------------------------------- integrity findings
def finding_key(finding: dict) -> str:
    """What makes two findings "the same problem" across checks: kind plus its column/variant."""
    ev = finding.get("evidence") or {}
    part = ev.get("column") or ev.get("variant") or ev.get("region") or ""
    return f"{finding['kind']}:{part}"


def sync_findings(conn: Connection, url: str, findings: Sequence[dict], *, now: datetime) -> tuple[int, int]:
    """Make the open findings of ``url`` match this check: new ones inserted (found_at = now), persisting
    ones refreshed (found_at kept), those no longer seen resolved. Returns (new, resolved)."""
    open_rows = conn.execute(
        select(integrity_findings.c.id, integrity_findings.c.kind, integrity_findings.c.evidence).where(
            and_(integrity_findings.c.url == url, integrity_findings.c.resolved_at.is_(None))
        )
    ).all()
    by_key = {r.evidence.get("key") if isinstance(r.evidence, dict) else None: r.id for r in open_rows}
    seen: set[int] = set()
    new = 0
    for f in findings:
        key = finding_key(f)
        evidence = {
            **(f.get("evidence") or {}),
            "key": key,
            "last_seen_at": now.isoformat(timespec="seconds"),
        }
        values = {
            "kind": f["kind"],
            "severity": f["severity"],
            "summary": f["summary"][:2000],
            "evidence": evidence,
        }
        fid = by_key.get(key)
        if fid is not None and fid not in seen:
            conn.execute(update(integrity_findings).where(integrity_findings.c.id == fid).values(**values))
            seen.add(fid)
        else:
            conn.execute(integrity_findings.insert().values(url=url, found_at=now, **values))
            new += 1
    stale = [r.id for r in open_rows if r.id not in seen]
    if stale:
        conn.execute(
            update(integrity_findings).where(integrity_findings.c.id.in_(stale)).values(resolved_at=now)
        )
    return new, len(stale)


def get_finding(conn: Connection, finding_id: int) -> dict[str, Any] | None:
    row = conn.execute(
        select(integrity_findings).where(integrity_findings.c.id == finding_id)
    ).mappings().first()  # fmt: skip
    return dict(row) if row else None


def set_finding_review(
    conn: Connection, finding_id: int, old: str | None, new: str | None, *, by_whom: str, now: datetime,
    note: str | None = None,
) -> bool:  # fmt: skip
    """Set a person's review of a finding (None = back to not reviewed), who and when; False (nothing written)
    if its review is no longer `old`. A later check that sees the same problem keeps the review (same row)."""
    current = (
        integrity_findings.c.review.is_(None) if old is None else integrity_findings.c.review == old
    )
    res = conn.execute(
        update(integrity_findings)
        .where(and_(integrity_findings.c.id == finding_id, current))
        .values(review=new, review_by=by_whom[:100], review_at=now, review_note=(note or None) and note[:2000])
    )
    return bool(res.rowcount)


def list_findings(
    conn: Connection, *, open_only: bool = True, url: str | None = None, include_false: bool = True
) -> list[dict[str, Any]]:
    """Integrity findings, newest first: open ones only (not resolved by a later check) unless `open_only` is
    False; those reviewed as 误报 left out unless `include_false`."""
    q = select(integrity_findings)
    if open_only:
        q = q.where(integrity_findings.c.resolved_at.is_(None))
    if not include_false:
        q = q.where(
            or_(integrity_findings.c.review.is_(None), integrity_findings.c.review != FINDING_FALSE_POSITIVE)
        )
    if url:
        q = q.where(integrity_findings.c.url == url)
    q = q.order_by(integrity_findings.c.found_at.desc(), integrity_findings.c.id.desc())
    return [dict(r) for r in conn.execute(q).mappings()]


# --------------------------------------------------------------------------- documents for discovery
def documents_from_sources(conn: Connection, names: Sequence[str]) -> list[tuple[str, str | None, str]]:
    """(url, title, source) of the stored documents of the given sources."""
    if not names:
        return []
    rows = conn.execute(
        select(documents.c.url, documents.c.title, documents.c.source).where(
            documents.c.source.in_(list(names))
        )
    ).all()
    return [tuple(r) for r in rows]


def recent_documents(
    conn: Connection, *, since: datetime | None = None, limit: int = 5000
) -> list[tuple[str, str | None, str | None]]:
    """(url, title, body) of the newest `limit` stored documents (first seen at or after `since`)."""
    q = (
        select(documents.c.url, documents.c.title, documents.c.body)
        .order_by(documents.c.id.desc())
        .limit(limit)
    )
    if since is not None:
        q = q.where(documents.c.first_seen_at >= since)
    return [tuple(r) for r in conn.execute(q)]


def html_digest(html: str) -> str:
    """Short content hash kept in a snapshot's `latest` so changes between checks are visible."""
    return hashlib.sha256((html or "").encode("utf-8", "replace")).hexdigest()[:16]
