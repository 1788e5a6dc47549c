"""Pre-aggregated document counts, so the dashboard reads a year in a small GROUP BY instead of a year of
documents: `daily_counts` (documents per local day by source, level, sentiment and 方案 set; `n_office`: those
criticising the audit office itself), `daily_totals` (the same without the 方案 set), `daily_keywords` and
`monthly_keywords` (documents per day / month carrying a keyword).

What is counted: the documents whose `agg_day` is set, each once, under the values stored on it now. The
day is the document's time (`doc_time` = published, else first seen) in the timezone recorded in
`analysis_state['aggregates']`; `rebuild` counts every document in a timezone and records it. After that,
every analysis write (`store.queries.write_analysis`) takes a document out (`uncount`, with its old values)
and puts it back (`count`, with its new ones) in the same transaction, so re-analysis never counts twice
and a killed run leaves the counts matching the rows. Documents inserted since (not analysed yet,
`agg_day IS NULL`) are read live by `counts` and `top_keywords`, so totals always equal a direct count.
Without a record for the asked timezone, everything is read live (correct, slower).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Text,
    and_,
    bindparam,
    cast,
    delete,
    func,
    literal,
    or_,
    select,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from config.vocabulary import NOT_ANALYSED, SENTIMENTS, TARGET_OFFICE
from store.schema import (
    UTCDateTime,
    analysis_state,
    daily_counts,
    daily_keywords,
    daily_totals,
    document_plans,
    documents,
    monthly_keywords,
)

logger = logging.getLogger(__name__)

STATE_KEY = "aggregates"
PLAN_SEP = "\n"  # joins the sorted 方案 names of a document in daily_counts.plan_set
DIMENSIONS = ("day", "source", "level", "sentiment", "plan_set")
TOTAL_DIMENSIONS = DIMENSIONS[:4]
KEYWORD_CHARS = 200  # daily_keywords.keyword length
BATCH = 5000  # documents per read when rebuilding or counting live

_COUNT_COLUMNS = (
    documents.c.id, documents.c.doc_time, documents.c.agg_day, documents.c.source, documents.c.level,
    documents.c.plans, documents.c.sentiment_label, documents.c.target, documents.c.keywords,
)  # fmt: skip


# ------------------------------------------------------------------------------------------ values


def json_list(value: Any) -> list[str]:
    """A JSON list column's value as a list of strings (a driver may hand JSON back as text)."""
    if value is None:
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return [value]
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v is not None]
    return [str(value)]


def plan_set(plans: Any) -> str:
    """The daily_counts key of a document's matched 方案: sorted distinct names joined by PLAN_SEP."""
    return PLAN_SEP.join(sorted({p for p in json_list(plans) if p}))


def plan_set_names(key: str) -> list[str]:
    return [p for p in key.split(PLAN_SEP) if p]


def sentiment_code(label: str | None) -> str:
    return label if label in SENTIMENTS else NOT_ANALYSED


def local_day(when: datetime, tz: ZoneInfo) -> date:
    if when.tzinfo is None:  # SQLite hands some expressions back naive; the store keeps UTC
        when = when.replace(tzinfo=UTC)
    return when.astimezone(tz).date()


def _key(row: Any, day: date) -> tuple:
    return (day, row.source or "", row.level or "", sentiment_code(row.sentiment_label), plan_set(row.plans))


def _office(row: Any) -> int:
    return 1 if row.target == TARGET_OFFICE else 0


def _month(day: date) -> date:
    return day.replace(day=1)


def _keywords(row: Any) -> set[str]:
    return {w.strip()[:KEYWORD_CHARS] for w in json_list(row.keywords) if w.strip()}


def _insert(conn: Connection, table):
    return (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(table)


# ------------------------------------------------------------------------------------------ state


def counted_timezone(conn: Connection) -> str | None:
    """The timezone the daily counts are cut in, or None when they were never built."""
    value = conn.execute(select(analysis_state.c.value).where(analysis_state.c.key == STATE_KEY)).scalar()
    if isinstance(value, str):
        value = json.loads(value)
    return (value or {}).get("timezone")


def _set_timezone(conn: Connection, tz_name: str | None) -> None:
    conn.execute(delete(analysis_state).where(analysis_state.c.key == STATE_KEY))
    if tz_name:
        conn.execute(analysis_state.insert().values(key=STATE_KEY, value={"timezone": tz_name},
                                                    updated_at=datetime.now(UTC)))  # fmt: skip


# ------------------------------------------------------------------------------------------ writing

# table, its key columns, whether it has n_office
_TABLES = (
    (daily_counts, ("plan_set", *TOTAL_DIMENSIONS), True),
    (daily_totals, TOTAL_DIMENSIONS, True),
    (daily_keywords, ("day", "keyword"), False),
    (monthly_keywords, ("month", "keyword"), False),
)


class _Deltas:
    """Signed changes to every count table, keyed by each table's key columns: [n, n_office]."""

    def __init__(self) -> None:
        self.by_table: dict[str, dict[tuple, list[int]]] = {t.name: {} for t, _, _ in _TABLES}

    def add(self, row: Any, day: date, sign: int) -> None:
        office = _office(row) * sign
        key = _key(row, day)
        for name, k in (("daily_counts", (key[4], *key[:4])), ("daily_totals", key[:4])):
            cell = self.by_table[name].setdefault(k, [0, 0])
            cell[0] += sign
            cell[1] += office
        month = _month(day)
        for w in _keywords(row):
            for name, k in (("daily_keywords", (day, w)), ("monthly_keywords", (month, w))):
                cell = self.by_table[name].setdefault(k, [0, 0])
                cell[0] += sign

    def size(self) -> int:
        return sum(len(v) for v in self.by_table.values())

    def split(self, open_day: date) -> _Deltas:
        """Take out the keys that are complete when documents are read in time order up to `open_day`:
        earlier days, and earlier months for the monthly table."""
        done = _Deltas()
        for name, cells in self.by_table.items():
            bound = _month(open_day) if name == "monthly_keywords" else open_day
            at = 1 if name == "daily_counts" else 0  # where the day is in the key
            finished = [k for k in cells if k[at] < bound]
            for k in finished:
                done.by_table[name][k] = cells.pop(k)
        return done


def _apply(conn: Connection, deltas: _Deltas) -> None:
    """Add the (signed) deltas; rows that reach zero are deleted."""
    for table, cols, office in _TABLES:
        cells = {k: v for k, v in deltas.by_table[table.name].items() if v[0] or v[1]}
        if not cells:
            continue
        rows = [{**dict(zip(cols, k, strict=True)), "n": v[0], **({"n_office": v[1]} if office else {})}
                for k, v in cells.items()]  # fmt: skip
        for start in range(0, len(rows), 1000):  # multi-row VALUES: one round trip per 1,000 keys
            stmt = _insert(conn, table).values(rows[start : start + 1000])
            changes = {"n": table.c.n + stmt.excluded.n}
            if office:
                changes["n_office"] = table.c.n_office + stmt.excluded.n_office
            conn.execute(stmt.on_conflict_do_update(index_elements=[table.c[c] for c in cols], set_=changes))
        gone = [dict(zip(cols, k, strict=True)) for k, v in cells.items() if v[0] < 0]
        if gone:
            cond = and_(*(table.c[c] == bindparam(f"k_{c}") for c in cols), table.c.n <= 0)
            conn.execute(delete(table).where(cond), [{f"k_{c}": g[c] for c in cols} for g in gone])


def _insert_fresh(conn: Connection, deltas: _Deltas) -> None:
    """Write counts for keys not in their tables yet (plain INSERT; COPY on PostgreSQL)."""
    for table, cols, office in _TABLES:
        names = (*cols, "n", *(("n_office",) if office else ()))
        rows = [(*k, v[0], *((v[1],) if office else ())) for k, v in deltas.by_table[table.name].items() if v[0]]
        if not rows:
            continue
        if conn.dialect.name == "postgresql":
            with conn.connection.driver_connection.cursor() as cur:
                with cur.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
                    for r in rows:
                        copy.write_row(r)
        else:
            conn.execute(table.insert(), [dict(zip(names, r, strict=True)) for r in rows])


def _read(conn: Connection, ids: Sequence[int], counted_only: bool) -> list[Any]:
    rows: list[Any] = []
    for start in range(0, len(ids), 500):
        stmt = select(*_COUNT_COLUMNS).where(documents.c.id.in_(list(ids[start : start + 500])))
        if counted_only:
            stmt = stmt.where(documents.c.agg_day.is_not(None))
        rows.extend(conn.execute(stmt).all())
    return rows


def uncount(conn: Connection, ids: Sequence[int]) -> int:
    """Take the documents `ids` out of the daily counts (with the values they were counted under)."""
    rows = _read(conn, ids, counted_only=True)
    if not rows:
        return 0
    deltas = _Deltas()
    for r in rows:
        deltas.add(r, r.agg_day, -1)
    _apply(conn, deltas)
    conn.execute(update(documents).where(documents.c.id == bindparam("_id")).values(agg_day=None),
                 [{"_id": r.id} for r in rows])  # fmt: skip
    return len(rows)


def _tally(rows: Iterable[Any], tz: ZoneInfo, deltas: _Deltas) -> tuple[int, list[dict[str, Any]]]:
    """Add `rows` to the deltas; returns how many and the agg_day marks that change."""
    days = []
    n = 0
    for r in rows:
        if r.doc_time is None:
            continue
        day = local_day(r.doc_time, tz)
        deltas.add(r, day, 1)
        n += 1
        if r.agg_day != day:
            days.append({"_id": r.id, "_day": day})
    return n, days


def _mark_days(conn: Connection, days: list[dict[str, Any]]) -> None:
    if days:
        conn.execute(update(documents).where(documents.c.id == bindparam("_id")).values(agg_day=bindparam("_day")),
                     days)  # fmt: skip


def _count_rows(conn: Connection, rows: Iterable[Any], tz: ZoneInfo) -> int:
    deltas = _Deltas()
    n, days = _tally(rows, tz, deltas)
    _apply(conn, deltas)
    _mark_days(conn, days)
    return n


def count(conn: Connection, ids: Sequence[int]) -> int:
    """Count the documents `ids` (not counted now) under their current values; nothing when the counts
    were never built (their rebuild will)."""
    tz_name = counted_timezone(conn)
    if tz_name is None:
        return 0
    return _count_rows(conn, _read(conn, ids, counted_only=False), ZoneInfo(tz_name))


def before_analysis_write(conn: Connection, results: Sequence[dict[str, Any]]) -> None:
    """store.queries.write_analysis calls this before it writes `results`: their documents leave the counts."""
    if counted_timezone(conn) is not None:
        uncount(conn, [int(r["id"]) for r in results])


def after_analysis_write(conn: Connection, ids: Sequence[int]) -> None:
    """... and this after: they are counted again under their new sentiment, target and keywords."""
    count(conn, ids)


def rebuild(engine: Engine, tz_name: str, batch: int = BATCH) -> int:
    """Count every document afresh in local days of `tz_name` (one transaction); returns documents counted.
    `yuqing analyze --rebuild-counts`, and the analysis job when the counts were never built or were cut in
    another timezone. Documents are read in time order, so each finished day is written once and memory
    holds about a month's keys."""
    tz = ZoneInfo(tz_name)
    n = 0
    in_sql = engine.dialect.name == "postgresql"  # the same local day, from the same tz database, in one UPDATE
    d = documents.c
    with engine.begin() as conn:
        for table, _, _ in _TABLES:
            conn.execute(delete(table))
        # documents keep their agg_day mark where it stays the same (a row rewrite per document is the slow part)
        conn.execute(update(documents).where(d.agg_day.is_not(None), d.doc_time.is_(None)).values(agg_day=None))
        _set_timezone(conn, tz_name)
        deltas = _Deltas()
        after = None
        while True:
            stmt = select(*_COUNT_COLUMNS).where(d.doc_time.is_not(None)).order_by(d.doc_time, d.id).limit(batch)
            if after is not None:
                stmt = stmt.where(tuple_(d.doc_time, d.id) > tuple_(literal(after[0], UTCDateTime()), after[1]))
            rows = conn.execute(stmt).all()
            if not rows:
                break
            after = (rows[-1].doc_time, rows[-1].id)
            counted, days = _tally(rows, tz, deltas)
            n += counted
            if not in_sql:
                _mark_days(conn, days)
            _insert_fresh(conn, deltas.split(local_day(rows[-1].doc_time, tz)))
            logger.info("aggregates: counted %d documents", n)
        _insert_fresh(conn, deltas)
        if in_sql:
            conn.exec_driver_sql(
                "UPDATE documents SET agg_day = CAST((doc_time AT TIME ZONE %(tz)s) AS date) WHERE doc_time IS NOT "
                "NULL AND agg_day IS DISTINCT FROM CAST((doc_time AT TIME ZONE %(tz)s) AS date)",
                {"tz": tz_name},
            )
    logger.info("aggregates rebuilt in %s: %d documents", tz_name, n)
    return n


def ensure(engine: Engine, tz_name: str) -> bool:
    """Rebuild the counts unless they are cut in `tz_name` already; True when a rebuild ran."""
    with engine.connect() as conn:
        if counted_timezone(conn) == tz_name:
            return False
    rebuild(engine, tz_name)
    return True


# ------------------------------------------------------------------------------------------ reading


def day_start(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _plan_set_clause(conn: Connection, plans: Sequence[str]):
    """daily_counts rows whose 方案 set holds any of `plans` (the sets come from a loose scan of the key)."""
    wanted = set(plans)
    sets = [k for k in distinct_values(conn, daily_counts.c.plan_set) if wanted.intersection(plan_set_names(k))]
    return daily_counts.c.plan_set.in_(sets)


def sentiment_clause(codes: Sequence[str]):
    """Documents whose sentiment is one of `codes` (NOT_ANALYSED: no label, or one the vocabulary does not know)."""
    known = [c for c in codes if c != NOT_ANALYSED]
    clauses = []
    if known:
        clauses.append(documents.c.sentiment_label.in_(known))
    if NOT_ANALYSED in codes:
        clauses.append(documents.c.sentiment_label.is_(None))
        clauses.append(documents.c.sentiment_label.not_in(list(SENTIMENTS)))
    return or_(*clauses)


def _live_rows(conn: Connection, start: datetime, end: datetime, sources: Sequence[str],
               sentiments: Sequence[str], uncounted_only: bool) -> Iterator[Any]:  # fmt: skip
    d = documents.c
    where = [d.doc_time >= start, d.doc_time < end]
    if uncounted_only:
        where.insert(0, d.agg_day.is_(None))
    if sources:
        where.append(d.source.in_(list(sources)))
    if sentiments:
        where.append(sentiment_clause(sentiments))
    result = conn.execute(select(*_COUNT_COLUMNS).where(and_(*where)).execution_options(yield_per=BATCH))
    try:
        yield from result
    finally:
        result.close()


def counts(conn: Connection, tz_name: str, first: date, last: date, *, by: Sequence[str],
           plans: Sequence[str] = (), sources: Sequence[str] = (), sentiments: Sequence[str] = (),
           office: bool = False) -> Counter:  # fmt: skip
    """Documents over local days first..last of `tz_name` passing the filters (any of `plans`, `sources`,
    sentiment codes; with `office`, only those criticising the audit office itself), grouped by the
    DIMENSIONS named in `by`: {tuple of values: count}. Each document counts once (day: datetime.date;
    level: '' for none; sentiment: a SENTIMENT_CODES code; plan_set: see plan_set)."""
    bad = set(by) - set(DIMENSIONS)
    if bad:
        raise ValueError(f"unknown dimensions {sorted(bad)}")
    if last < first:
        first, last = last, first
    tz = ZoneInfo(tz_name)
    out: Counter = Counter()
    ready = counted_timezone(conn) == tz_name
    if ready:
        table = daily_counts if plans or "plan_set" in by else daily_totals
        c = table.c
        where = [c.day >= first, c.day <= last]
        if sources:
            where.append(c.source.in_(list(sources)))
        if sentiments:
            where.append(c.sentiment.in_(list(sentiments)))
        if plans:
            where.append(_plan_set_clause(conn, plans))
        cols = [c[b] for b in by]
        value = c.n_office if office else c.n
        for row in conn.execute(select(*cols, func.sum(value)).where(and_(*where)).group_by(*cols)):
            key = tuple(row[:-1])
            if "day" in by:
                i = list(by).index("day")
                v = key[i]
                key = (*key[:i], date.fromisoformat(v) if isinstance(v, str) else v, *key[i + 1 :])
            if row[-1]:
                out[key] += int(row[-1])
    wanted = set(plans)
    for r in _live_rows(conn, day_start(first, tz), day_start(last + timedelta(days=1), tz), sources, sentiments,
                        uncounted_only=ready):  # fmt: skip
        if wanted and not wanted.intersection(json_list(r.plans)):
            continue
        if office and not _office(r):
            continue
        full = dict(zip(DIMENSIONS, _key(r, local_day(r.doc_time, tz)), strict=True))
        out[tuple(full[b] for b in by)] += 1
    return out


def _next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def month_cover(first: date, last: date) -> tuple[list[date], list[tuple[date, date]]]:
    """first..last as whole calendar months (their first days) plus the day ranges left at its edges."""
    m = _month(first)
    if m < first:
        m = _next_month(m)
    months = []
    while _next_month(m) - timedelta(days=1) <= last:
        months.append(m)
        m = _next_month(m)
    if not months:
        return [], [(first, last)]
    ranges = []
    if first < months[0]:
        ranges.append((first, months[0] - timedelta(days=1)))
    if _next_month(months[-1]) <= last:
        ranges.append((_next_month(months[-1]), last))
    return months, ranges


def _keyword_rows(first: date, last: date):
    """(keyword, n) rows whose sum over keywords is the count over first..last: whole months from
    monthly_keywords, the edge days from daily_keywords."""
    months, ranges = month_cover(first, last)
    dk, mk = daily_keywords.c, monthly_keywords.c
    parts = []
    if ranges:
        parts.append(select(dk.keyword, dk.n).where(or_(*(and_(dk.day >= a, dk.day <= b) for a, b in ranges))))
    if months:
        parts.append(select(mk.keyword, mk.n).where(mk.month.in_(months)))
    return union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()


def top_keywords(conn: Connection, tz_name: str, first: date, last: date, k: int = 20) -> list[tuple[str, int]]:
    """The `k` keywords carried by the most documents over local days first..last (no other filter), most
    first then by keyword: the keyword counts plus the documents not counted there yet."""
    if last < first:
        first, last = last, first
    tz = ZoneInfo(tz_name)
    ready = counted_timezone(conn) == tz_name
    live: Counter = Counter()
    for r in _live_rows(conn, day_start(first, tz), day_start(last + timedelta(days=1), tz), (), (),
                        uncounted_only=ready):  # fmt: skip
        live.update(_keywords(r))
    totals: Counter = Counter()
    if ready:
        u = _keyword_rows(first, last)
        total = func.sum(u.c.n).label("total")
        top = select(u.c.keyword, total).group_by(u.c.keyword).order_by(total.desc(), u.c.keyword)
        totals.update({w: int(n) for w, n in conn.execute(top.limit(k + 50))})
        extra = [w for w in live if w not in totals]
        for start in range(0, len(extra), 500):
            u = _keyword_rows(first, last)
            stmt = select(u.c.keyword, func.sum(u.c.n)).where(u.c.keyword.in_(extra[start : start + 500]))
            totals.update({w: int(n) for w, n in conn.execute(stmt.group_by(u.c.keyword))})
    totals.update(live)
    return sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:k]


def distinct_values(conn: Connection, column) -> list[str]:
    """Distinct values of an indexed column by a loose index scan (one index probe per value, not a scan)."""
    cte = select(func.min(column).label("v")).cte("vals", recursive=True)
    step = select(select(func.min(column)).where(column > cte.c.v).scalar_subquery()).where(cte.c.v.is_not(None))
    cte = cte.union_all(step)
    return [v for v in conn.execute(select(cte.c.v)).scalars() if v is not None]


def distinct_plans(conn: Connection) -> list[str]:
    """Every 方案 name some document matched (document_plans), sorted."""
    return sorted(distinct_values(conn, document_plans.c.plan))


def distinct_sources(conn: Connection) -> list[str]:
    """Every source name on some document, sorted."""
    return sorted(distinct_values(conn, documents.c.source))


def keyword_clause(keyword: str):
    """Documents whose keywords (JSON text, ASCII-escaped or not) hold `keyword` as an element."""
    pattern = json.dumps(keyword)
    return or_(
        cast(documents.c.keywords, Text).like(f"%{_like_escape(pattern)}%", escape="\\"),
        cast(documents.c.keywords, Text).like(f"%{_like_escape(json.dumps(keyword, ensure_ascii=False))}%",
                                              escape="\\"),  # fmt: skip
    )
