"""Read-only reports over the store for the dashboard: counts from the daily counts, filtered document pages.

Counts (the 总览's metrics, trend, source and level mixes, 方案 volume, keywords) come from
`store.aggregates` (pre-aggregated per local day, plus the documents not counted there yet), so a year
costs what a month does. Document lists are read by the stored document time (`doc_time`: published, or
first seen when the page gave no date) through its index, newest first, a page at a time (`limit`,
`offset`); the 方案 filter goes through `document_plans`. Times in frames are aware UTC `datetime64`.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.engine import Connection

from config.vocabulary import NOT_ANALYSED, SENTIMENT_LABELS, SENTIMENT_NEG, SENTIMENTS, TARGET_OFFICE
from store import aggregates
from store.schema import crawl_runs, document_plans, documents, sources

logger = logging.getLogger(__name__)

SENTIMENT_CODES = (*SENTIMENTS, NOT_ANALYSED)  # NOT_ANALYSED: not analysed yet (or an unknown label)

DOCUMENT_FRAME_COLUMNS = (
    "id", "url", "title", "source", "platform", "level", "media", "author", "region",
    "published_at", "first_seen_at", "date_missing", "time", "reposts", "comments", "likes", "reads",
    "plans", "terms", "keywords", "sentiment", "sentiment_score", "target", "reprint_group", "event_id",
)  # fmt: skip
_SELECTED = (
    "id", "url", "title", "source", "platform", "level", "media", "author", "region",
    "published_at", "first_seen_at", "date_missing", "reposts", "comments", "likes", "reads",
    "plans", "terms", "keywords", "sentiment_label", "sentiment_score", "target", "reprint_group", "event_id",
)  # fmt: skip


@dataclass(frozen=True)
class DocFilter:
    """Which documents a report covers; an empty tuple means no restriction on that dimension."""

    plans: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    sentiments: tuple[str, ...] = ()  # codes from SENTIMENT_CODES
    levels: tuple[str, ...] = ()  # level codes; '' for documents without a level (a drill-down)
    keyword: str | None = None  # documents carrying this analysis keyword (a drill-down)

    def __post_init__(self) -> None:
        bad = set(self.sentiments) - set(SENTIMENT_CODES)
        if bad:
            raise ValueError(f"unknown sentiment codes {sorted(bad)}; use {SENTIMENT_CODES}")


def as_zone(tz: ZoneInfo | str) -> ZoneInfo:
    return tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)


def day_start(day: date, tz: ZoneInfo | str) -> datetime:
    """The UTC instant at which local `day` begins in `tz`."""
    return datetime.combine(day, time(0), tzinfo=as_zone(tz)).astimezone(UTC)


def days_window(first: date, last: date, tz: ZoneInfo | str) -> tuple[datetime, datetime]:
    """Half-open UTC window [start of `first`, start of the day after `last`) in local days of `tz`."""
    if last < first:
        first, last = last, first
    return day_start(first, tz), day_start(last + timedelta(days=1), tz)


def _json_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):  # a driver that hands JSON back as text
        try:
            value = json.loads(value)
        except ValueError:
            return [value]
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v is not None]
    return [str(value)]


def empty_documents_frame() -> pd.DataFrame:
    df = pd.DataFrame({c: pd.Series(dtype="object") for c in DOCUMENT_FRAME_COLUMNS})
    for c in ("published_at", "first_seen_at", "time"):
        df[c] = pd.Series(dtype="datetime64[us, UTC]")
    for c in ("id", "reposts", "comments", "likes", "reads"):
        df[c] = pd.Series(dtype="int64")
    return df


def fetch_documents(
    conn: Connection, start: datetime, end: datetime, flt: DocFilter | None = None, *,
    limit: int | None = None, offset: int = 0,
) -> pd.DataFrame:  # fmt: skip
    """Documents whose time lies in [start, end) and that pass `flt`, newest first (no bodies); at most
    `limit` of them after skipping `offset` (a page of the list; the index on doc_time serves it).

    `start`/`end` are aware datetimes. Columns: DOCUMENT_FRAME_COLUMNS; `plans`, `terms` are lists,
    `keywords` a list or None, `sentiment` a code from SENTIMENT_CODES.
    """
    flt = flt or DocFilter()
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("fetch_documents needs timezone-aware start and end")
    d = documents.c
    where = _where(start, end, flt)
    stmt = select(*(d[c] for c in _SELECTED)).where(and_(*where)).order_by(d.doc_time.desc(), d.id.desc())
    if limit is not None:
        stmt = stmt.limit(limit).offset(offset)
    rows = conn.execute(stmt).mappings().all()
    if not rows:
        return empty_documents_frame()
    records = []
    for r in rows:
        rec = dict(r)
        label = rec.pop("sentiment_label")
        rec["sentiment"] = label if label in SENTIMENTS else NOT_ANALYSED
        rec["plans"] = _json_list(rec["plans"])
        rec["terms"] = _json_list(rec["terms"])
        rec["keywords"] = None if rec["keywords"] is None else _json_list(rec["keywords"])
        rec["date_missing"] = bool(rec["published_at"] is None)
        records.append(rec)
    df = pd.DataFrame.from_records(records)
    for c in ("published_at", "first_seen_at"):
        df[c] = pd.to_datetime(df[c], utc=True).astype("datetime64[us, UTC]")
    df["time"] = df["published_at"].fillna(df["first_seen_at"])
    df = df.sort_values(["time", "id"], ascending=[False, False], kind="stable").reset_index(drop=True)
    return df[list(DOCUMENT_FRAME_COLUMNS)]


def _where(start: datetime, end: datetime, flt: DocFilter) -> list:
    d = documents.c
    where = [d.doc_time >= start, d.doc_time < end]
    if flt.sources:
        where.append(d.source.in_(list(flt.sources)))
    if flt.sentiments:
        where.append(aggregates.sentiment_clause(flt.sentiments))
    if flt.plans:
        dp = document_plans.c
        where.append(exists().where(dp.document_id == d.id, dp.plan.in_(list(flt.plans))))
    if flt.levels:
        named = [v for v in flt.levels if v]
        where.append(or_(d.level.in_(named), *([d.level.is_(None), d.level == ""] if "" in flt.levels else [])))
    if flt.keyword:
        where.append(aggregates.keyword_clause(flt.keyword))
    return where


# ------------------------------------------------------------------ a report's period, counted in SQL
# A 日报 / 周报 period is cut at the daily report time, not at local midnight, so its counts are read from the
# documents by the doc_time index (a day of documents is a few thousand index entries), never loaded.

LEVEL_ORDER = ("central", "provincial", "municipal", "county", "official", "self-media")  # a report's level order
REPORT_DOC_COLUMNS = (
    "id", "url", "title", "source", "level", "platform", "published_at", "first_seen_at", "reposts", "comments",
    "likes", "reads", "sentiment_label", "target", "reprint_group", "event_id",
)  # fmt: skip


def _critic_clause():
    d = documents.c
    return and_(d.target == TARGET_OFFICE, d.sentiment_label == SENTIMENT_NEG)


def _counts(n: int, negative: int, critics: int) -> dict[str, Any]:
    return {"documents": n, "negative": negative, "negative_share": (negative / n) if n else None,
            "critics": critics}  # fmt: skip


def period_counts(conn: Connection, start: datetime, end: datetime, flt: DocFilter | None = None) -> dict[str, Any]:
    """Documents in [start, end) passing `flt`: `documents`, `negative`, `negative_share` (None when there are
    none) and `critics` (negative and aimed at the audit office itself). One pass over the period."""
    d = documents.c
    neg = func.coalesce(func.sum(case((d.sentiment_label == SENTIMENT_NEG, 1), else_=0)), 0)
    critic = func.coalesce(func.sum(case((_critic_clause(), 1), else_=0)), 0)
    row = conn.execute(select(func.count(), neg, critic).where(*_where(start, end, flt or DocFilter()))).one()
    return _counts(int(row[0]), int(row[1]), int(row[2]))


@dataclass(frozen=True)
class PeriodProfile:
    """What a report counts of its period, read in one pass: `counts` (as period_counts), documents per
    (level, source; level '' for none) and per event (documents of no event left out)."""

    counts: dict[str, Any]
    sources: Counter
    events: Counter


def period_profile(conn: Connection, start: datetime, end: datetime, flt: DocFilter | None = None) -> PeriodProfile:
    """The counts, source mix and per-event counts of the documents in [start, end) passing `flt`, from one
    grouped pass over the period's documents (a week at a million documents a year is ~20,000 rows)."""
    d = documents.c
    level = func.coalesce(d.level, "")
    neg = func.sum(case((d.sentiment_label == SENTIMENT_NEG, 1), else_=0))
    critic = func.sum(case((_critic_clause(), 1), else_=0))
    stmt = (select(level, d.source, d.event_id, func.count(), neg, critic)
            .where(*_where(start, end, flt or DocFilter())).group_by(level, d.source, d.event_id))  # fmt: skip
    n = negative = critics = 0
    by_source: Counter = Counter()
    by_event: Counter = Counter()
    for lv, src, event_id, count, n_neg, n_critic in conn.execute(stmt):
        count = int(count)
        n += count
        negative += int(n_neg or 0)
        critics += int(n_critic or 0)
        by_source[(lv or "", src)] += count
        if event_id is not None:
            by_event[int(event_id)] += count
    return PeriodProfile(_counts(n, negative, critics), by_source, by_event)


def critic_documents(conn: Connection, start: datetime, end: datetime, flt: DocFilter | None = None, *,
                     order: str = "newest", limit: int = 10, offset: int = 0) -> list[dict[str, Any]]:  # fmt: skip
    """Documents in [start, end) passing `flt` that criticise the audit office (negative, target office):
    REPORT_DOC_COLUMNS, `limit` from `offset`. `order` "newest": newest first (document time, then id);
    "weight": by source level (`level_order`, unknown levels last), then engagement (reposts + comments + likes)
    most first, then oldest first, then id: the order a report quotes them in."""
    d = documents.c
    stmt = select(*(d[c] for c in REPORT_DOC_COLUMNS)).where(*_where(start, end, flt or DocFilter()), _critic_clause())
    if order == "newest":
        stmt = stmt.order_by(d.doc_time.desc(), d.id.desc())
    elif order == "weight":
        rank = case({lv: i for i, lv in enumerate(LEVEL_ORDER)}, value=d.level, else_=len(LEVEL_ORDER))
        engagement = func.coalesce(d.reposts, 0) + func.coalesce(d.comments, 0) + func.coalesce(d.likes, 0)
        stmt = stmt.order_by(rank, engagement.desc(), d.doc_time, d.id)
    else:
        raise ValueError(f"unknown order {order!r}")
    return [dict(r) for r in conn.execute(stmt.limit(limit).offset(offset)).mappings()]


def local_days(df: pd.DataFrame, tz: ZoneInfo | str) -> pd.Series:
    """Each document's local calendar day (datetime.date) in `tz`."""
    if df.empty:
        return pd.Series([], dtype="object", index=df.index)
    return df["time"].dt.tz_convert(str(as_zone(tz))).dt.date


def plan_daily_counts(
    conn: Connection, first: date, last: date, tz: ZoneInfo | str
) -> dict[str, dict[date, int]]:
    """Documents per 监测方案 and local day over `first`..`last` (a document counts once for each plan it
    matched), by its time (published, or first seen when undated): the input of `analysis.opinion.heat.plan_bursts`,
    shared by the dashboard's 方案声量 table and the plan_burst alert. Read from the daily counts."""
    daily: dict[str, dict[date, int]] = {}
    for (day, key), n in aggregates.counts(conn, str(as_zone(tz)), first, last, by=("day", "plan_set")).items():
        for plan in aggregates.plan_set_names(key):
            per_day = daily.setdefault(plan, {})
            per_day[day] = per_day.get(day, 0) + n
    return daily


def overview_metrics(
    conn: Connection, today: date, tz: ZoneInfo | str, flt: DocFilter | None = None
) -> dict[str, Any]:
    """Headline counts relative to local `today`, over documents passing `flt` (plans, sources, sentiments).

    today: documents on local `today`; week: the 7 local days ending today; week_neg and its share;
    week_office_neg: negative documents whose target is the audit office itself.
    """
    flt = flt or DocFilter()
    args = {"plans": flt.plans, "sources": flt.sources, "sentiments": flt.sentiments}
    first = today - timedelta(days=6)
    got = aggregates.counts(conn, str(as_zone(tz)), first, today, by=("day", "sentiment"), **args)
    office = aggregates.counts(conn, str(as_zone(tz)), first, today, by=("sentiment",), office=True, **args)
    week = sum(got.values())
    neg = sum(n for (_, s), n in got.items() if s == "neg")
    return {
        "today": sum(n for (day, _), n in got.items() if day == today),
        "week": week,
        "week_neg": neg,
        "week_neg_share": (neg / week) if week else None,
        "week_office_neg": office.get(("neg",), 0),
    }


def overview_counts(
    conn: Connection, first: date, last: date, tz: ZoneInfo | str, flt: DocFilter | None = None
) -> dict[str, Counter]:
    """Documents over local days first..last passing `flt`, the way the 总览 cuts them: "trend" by (day,
    sentiment), "source" by (source,), "level" by (level,) (three small GROUP BYs over the daily counts)."""
    flt = flt or DocFilter()
    args = {"plans": flt.plans, "sources": flt.sources, "sentiments": flt.sentiments}
    zone = str(as_zone(tz))
    return {
        "trend": aggregates.counts(conn, zone, first, last, by=("day", "sentiment"), **args),
        "source": aggregates.counts(conn, zone, first, last, by=("source",), **args),
        "level": aggregates.counts(conn, zone, first, last, by=("level",), **args),
    }


def daily_sentiment_from_counts(got: Counter, first: date, last: date) -> pd.DataFrame:
    """daily_sentiment's table from overview_counts' "trend"."""
    if last < first:
        first, last = last, first
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    columns = [SENTIMENT_LABELS[c] for c in SENTIMENT_CODES]
    per: dict[tuple[str, str], int] = Counter()
    for (day, code), n in got.items():
        if first <= day <= last:
            per[(day.isoformat(), SENTIMENT_LABELS[code])] += n
    index = [d.isoformat() for d in days]
    out = pd.DataFrame(
        [[per.get((i, col), 0) for col in columns] for i in index], index=index, columns=columns, dtype="int64"
    )
    out.index.name = "日期"
    return out


def count_by_from_counts(got: Counter, labels: dict[str, str] | None = None, missing: str = "未知") -> pd.DataFrame:
    """count_by's table from overview_counts' "source" or "level" ('' is missing)."""
    counts: Counter[str] = Counter()
    for (v,), n in got.items():
        counts[missing if not v else (labels or {}).get(v, v)] += n
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return pd.DataFrame(
        {"名称": pd.Series([k for k, _ in rows], dtype="object"),
         "数量": pd.Series([v for _, v in rows], dtype="int64")}
    )  # fmt: skip


def keyword_table(conn: Connection, first: date, last: date, tz: ZoneInfo | str, flt: DocFilter | None = None,
                  k: int = 20, scan_limit: int = 1000) -> tuple[pd.DataFrame, int | None]:  # fmt: skip
    """The `k` keywords carried by the most documents passing `flt` over first..last (columns 关键词, 文档数)
    and, when the filtered set was larger than `scan_limit`, the number of newest documents they were
    counted over (None: counted over all of them). Unfiltered: from the daily keyword counts."""
    flt = flt or DocFilter()
    if not (flt.plans or flt.sources or flt.sentiments):
        rows = aggregates.top_keywords(conn, str(as_zone(tz)), first, last, k)
        scanned = None
    else:  # the newest `scan_limit` documents passing the filters, keywords only
        d = documents.c
        stmt = (select(d.keywords).where(and_(*_where(*days_window(first, last, tz), flt)))
                .order_by(d.doc_time.desc(), d.id.desc()).limit(scan_limit + 1))  # fmt: skip
        found = conn.execute(stmt).scalars().all()
        scanned = scan_limit if len(found) > scan_limit else None
        counts: Counter[str] = Counter()
        for kws in found[:scan_limit]:
            counts.update({w for w in (str(x).strip() for x in _json_list(kws)) if w})
        rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
    return (
        pd.DataFrame({"关键词": [w for w, _ in rows], "文档数": pd.Series([n for _, n in rows], dtype="int64")}),
        scanned,
    )


def daily_sentiment(df: pd.DataFrame, first: date, last: date, tz: ZoneInfo | str) -> pd.DataFrame:
    """Documents per local day and sentiment: index 日期 ('YYYY-MM-DD', every day first..last),
    columns 负面 / 中性 / 正面 / 未分析 (ints). Days outside first..last are ignored."""
    if last < first:
        first, last = last, first
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    columns = [SENTIMENT_LABELS[c] for c in SENTIMENT_CODES]
    out = pd.DataFrame(0, index=[d.isoformat() for d in days], columns=columns, dtype="int64")
    out.index.name = "日期"
    if not df.empty:
        counts = Counter(zip(local_days(df, tz), df["sentiment"], strict=True))
        for (day, code), n in counts.items():
            if first <= day <= last:
                out.loc[day.isoformat(), SENTIMENT_LABELS[code]] += n
    return out


def count_by(
    df: pd.DataFrame, column: str, labels: dict[str, str] | None = None, missing: str = "未知"
) -> pd.DataFrame:
    """Documents per value of `column` (mapped through `labels`), most first then by name: columns 名称, 数量."""
    if df.empty:
        return pd.DataFrame({"名称": pd.Series(dtype="object"), "数量": pd.Series(dtype="int64")})
    values = df[column].astype("object").where(df[column].notna(), None)
    names = [missing if v is None else (labels or {}).get(v, v) for v in values]
    counts = Counter(names)
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return pd.DataFrame(
        {"名称": [k for k, _ in rows], "数量": pd.Series([v for _, v in rows], dtype="int64")}
    )


def top_keywords(df: pd.DataFrame, k: int = 20) -> pd.DataFrame:
    """The `k` keywords found in the most documents: columns 关键词, 文档数 (ties broken by keyword)."""
    counts: Counter[str] = Counter()
    if not df.empty:
        for kws in df["keywords"]:
            if kws is None or (not isinstance(kws, list | tuple) and pd.isna(kws)):
                continue
            counts.update({str(w) for w in kws if str(w).strip()})
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
    return pd.DataFrame(
        {"关键词": [w for w, _ in rows], "文档数": pd.Series([n for _, n in rows], dtype="int64")}
    )


def document_count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(documents)).scalar_one())


def plan_names(conn: Connection) -> list[str]:
    """Every 方案 name that appears on some document, sorted (document_plans, by index)."""
    return aggregates.distinct_plans(conn)


def source_names(conn: Connection) -> list[str]:
    """Source names from the sources table and from documents, sorted."""
    names = set(conn.execute(select(sources.c.name)).scalars())
    names.update(aggregates.distinct_sources(conn))
    return sorted(n for n in names if n)


def source_health(conn: Connection) -> pd.DataFrame:
    """One row per configured source (failing first, then by name) with its health and its documents:
    their count and the last first_seen_at."""
    docs = {
        r.source: (int(r.n), r.last)
        for r in conn.execute(
            select(
                documents.c.source, func.count().label("n"), func.max(documents.c.first_seen_at).label("last")
            ).group_by(documents.c.source)
        )
    }
    s = sources.c
    rows = (
        conn.execute(
            select(
                s.name,
                s.kind,
                s.platform,
                s.level,
                s.region,
                s.enabled,
                s.cadence_minutes,
                s.last_run_at,
                s.last_success_at,
                s.last_error_at,
                s.last_error,
                s.consecutive_failures,
            )
        )
        .mappings()
        .all()
    )
    records = []
    for r in rows:
        rec = dict(r)
        n, last = docs.get(r["name"], (0, None))
        rec["documents"] = n
        rec["last_document_at"] = _aware(last)
        records.append(rec)
    columns = [
        "name", "kind", "platform", "level", "region", "enabled", "cadence_minutes", "last_run_at",
        "last_success_at", "last_error_at", "last_error", "consecutive_failures", "documents", "last_document_at",
    ]  # fmt: skip
    records.sort(
        key=lambda r: (-int(r["consecutive_failures"] or 0), r["name"])
    )  # same order on every backend
    return pd.DataFrame.from_records(records, columns=columns)


def _aware(value: Any) -> datetime | None:
    """max() over a UTCDateTime loses the type on SQLite (a string comes back): parse and mark it UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def recent_crawl_runs(conn: Connection, limit: int = 50) -> pd.DataFrame:
    """The newest crawl runs (by start time) with their counts; `dropped` is a reason -> count dict."""
    c = crawl_runs.c
    rows = (
        conn.execute(
            select(
                c.id,
                c.spider,
                c.source,
                c.started_at,
                c.finished_at,
                c.status,
                c.finish_reason,
                c.pages,
                c["items"],
                c.stored,
                c.updated,
                c.dropped,
                c.errors,
                c.error_samples,
            )
            .order_by(c.started_at.desc(), c.id.desc())
            .limit(limit)
        )
        .mappings()
        .all()
    )
    records = []
    for r in rows:
        rec = dict(r)
        dropped = rec["dropped"]
        if isinstance(dropped, str):
            dropped = json.loads(dropped)
        rec["dropped"] = {str(k): int(v) for k, v in (dropped or {}).items()}
        rec["error_samples"] = _json_list(rec["error_samples"])
        records.append(rec)
    columns = [
        "id", "spider", "source", "started_at", "finished_at", "status", "finish_reason", "pages", "items",
        "stored", "updated", "dropped", "errors", "error_samples",
    ]  # fmt: skip
    return pd.DataFrame.from_records(records, columns=columns)


def sentiment_codes(labels: Iterable[str]) -> tuple[str, ...]:
    """Chinese sentiment labels (负面 …) to codes, in SENTIMENT_CODES order; unknown labels raise."""
    by_label = {v: k for k, v in SENTIMENT_LABELS.items()}
    wanted = {by_label[label] for label in labels}
    return tuple(c for c in SENTIMENT_CODES if c in wanted)
