"""The export job: documents, events or trends for a filter, streamed from the store into CSV, XLSX or Parquet.

`run_export(engine, request, path, tz_name=...)` writes a file atomically (a temporary file beside it,
renamed at the end; a failed export leaves nothing behind) and returns an `ExportResult`; `export_to`
writes into an open binary file (the dashboard's download buttons). Reads are one streamed query
(store.exports), rows are turned into typed values here, and the writers (jobs.export_writers) hold at
most one row group, so memory stays flat however many rows there are. Read-only: nothing to resume.

Days are local days of `tz_name` (the dashboard timezone): `first`..`last` inclusive. Values are the labels
the dashboard shows (情感 负面/中性/正面/未分析, 信源级别 中央/省级/…, 对象 审计机关/被审计单位/其他) in every
format; only the column names differ (Chinese in CSV/XLSX, snake_case in Parquet; see the README table).

Trends count documents per local day and dimension value. A document counts once for each dimension, and
once for each of its 方案 under `plan`. `long`: rows (day, dimension, value, count) with count > 0, by day,
dimension, value. `wide`: one row per day (every day from first to last, or from the first to the last day
seen), one column per dimension and value ("情感:负面" / "sentiment:负面"), zeros filled.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from config.vocabulary import (
    CLASS_SHORT_LABELS,
    LEVEL_LABELS,
    PLATFORM_LABELS,
    SENTIMENT_LABELS,
    TARGET_LABELS,
    UNKNOWN_LEVEL,
)
from jobs.export_writers import FORMATS, Column, write_table
from store import exports as q
from store.fulltext import query_terms
from store.reports import days_window

logger = logging.getLogger(__name__)

KINDS = ("documents", "events", "trends")
SHAPES = ("long", "wide")
KIND_LABELS = {"documents": "文档", "events": "事件", "trends": "趋势"}
NO_CLASS = "无需回应"
UNANALYSED = "未分析"
NO_PLAN = "无方案"
UNKNOWN_REGION = "未知"

# dimension code -> Chinese name, in the order trends list them
DIMENSIONS = {
    "plan": "监测方案",
    "source": "信源",
    "level": "信源级别",
    "sentiment": "情感",
    "target": "对象",
    "region": "地域",
}

DOCUMENT_COLUMNS = (
    Column("编号", "id", "int", 8),
    Column("标题", "title", "text", 50),
    Column("链接", "url", "text", 40),
    Column("信源", "source", "text", 16),
    Column("信源级别", "level", "text", 8),
    Column("平台", "platform", "text", 8),
    Column("发布时间", "published_at", "datetime", 26),
    Column("首次发现时间", "first_seen_at", "datetime", 26),
    Column("作者", "author", "text", 12),
    Column("媒体", "media", "text", 14),
    Column("监测方案", "plans", "list", 20),
    Column("命中词", "terms", "list", 20),
    Column("情感", "sentiment", "text", 6),
    Column("情感分值", "sentiment_score", "float", 8),
    Column("对象", "target", "text", 10),
    Column("批评审计机关", "criticises_office", "bool", 8),
    Column("地域", "region", "text", 16),
    Column("转载组", "reprint_group", "int", 8),
    Column("事件编号", "event_id", "int", 8),
    Column("转发数", "reposts", "int", 8),
    Column("评论数", "comments", "int", 8),
    Column("点赞数", "likes", "int", 8),
    Column("阅读数", "reads", "int", 8),
    Column("关键词", "keywords", "list", 30),
)

EVENT_COLUMNS = (
    Column("编号", "id", "int", 8),
    Column("标题", "title", "text", 50),
    Column("关键词", "keywords", "list", 30),
    Column("首次发现时间", "first_seen_at", "datetime", 26),
    Column("首发信源", "first_source", "text", 16),
    Column("首发链接", "first_url", "text", 40),
    Column("首发时间", "first_published_at", "datetime", 26),
    Column("最近出现时间", "last_seen_at", "datetime", 26),
    Column("文档数", "doc_count", "int", 8),
    Column("转载数", "reprint_count", "int", 8),
    Column("信源数", "source_count", "int", 8),
    Column("负面占比", "negative_share", "float", 8),
    Column("批评审计机关数", "office_critical_count", "int", 10),
    Column("热度", "heat", "float", 8),
    Column("回应类别", "response_class", "text", 10),
    Column("回应截止时间", "deadline_at", "datetime", 26),
    Column("状态", "status", "text", 8),
    Column("负责人", "assignee", "text", 10),
    Column("地域", "region", "text", 16),
)

TREND_LONG_COLUMNS = (
    Column("日期", "day", "date", 12),
    Column("维度", "dimension", "text", 10),
    Column("取值", "value", "text", 20),
    Column("数量", "count", "int", 8),
)


class ExportError(Exception):
    """An export that cannot be done as asked; the message is one line for the user (Chinese)."""


@dataclass(frozen=True)
class ExportRequest:
    """What to export. Filter values are codes (see store.exports.ExportFilter); `parse_codes` maps the
    Chinese labels users type to them."""

    kind: str
    fmt: str
    first: date | None = None  # local days, inclusive
    last: date | None = None
    plans: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    sentiments: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    shape: str = "long"  # trends only
    dimensions: tuple[str, ...] = tuple(DIMENSIONS)  # trends only
    newest_first: bool = False  # documents only
    query: str = ""  # full-text search (信息检索): whitespace-separated terms, each in the title or body
    events: tuple[int, ...] = ()  # documents of these events (events: these events)
    ids: tuple[int, ...] = ()  # these documents (the dashboard's links from a number to its documents)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ExportError(f"未知的导出内容 {self.kind}，可选：{'、'.join(KINDS)}")
        if self.fmt not in FORMATS:
            raise ExportError(f"未知的导出格式 {self.fmt}，可选：{'、'.join(FORMATS)}")
        if self.shape not in SHAPES:
            raise ExportError(f"未知的趋势表形式 {self.shape}，可选：{'、'.join(SHAPES)}")
        bad = [d for d in self.dimensions if d not in DIMENSIONS]
        if bad or not self.dimensions:
            raise ExportError(f"未知的趋势维度 {'、'.join(bad) or '（空）'}，可选：{'、'.join(DIMENSIONS)}")
        if self.first and self.last and self.last < self.first:
            raise ExportError(f"结束日期 {self.last} 早于开始日期 {self.first}")

    def filter(self, tz_name: str) -> q.ExportFilter:
        start = end = None
        if self.first is not None:
            start = days_window(self.first, self.first, tz_name)[0]
        if self.last is not None:
            end = days_window(self.last, self.last, tz_name)[1]
        try:
            return q.ExportFilter(
                start=start, end=end, plans=self.plans, sources=self.sources, levels=self.levels,
                sentiments=self.sentiments, targets=self.targets, regions=self.regions,
                text=query_terms(self.query), events=tuple(int(e) for e in self.events),
                ids=tuple(int(i) for i in self.ids),
            )  # fmt: skip
        except ValueError as exc:
            raise ExportError(str(exc)) from exc


@dataclass(frozen=True)
class ExportResult:
    """What one export wrote."""

    kind: str
    fmt: str
    rows: int
    path: str | None
    seconds: float


# ------------------------------------------------------------------------------------ filter values

_CODE_LABELS = {
    "level": ({**LEVEL_LABELS, "none": UNKNOWN_LEVEL}, q.LEVEL_CODES),
    "sentiment": ({**SENTIMENT_LABELS}, q.SENTIMENT_CODES),
    "target": ({**TARGET_LABELS, "none": UNANALYSED}, q.TARGET_CODES),
}


def code_labels(dimension: str) -> dict[str, str]:
    """Code -> Chinese label for `level`, `sentiment` or `target` (filter choices), codes in order."""
    labels, codes = _CODE_LABELS[dimension]
    return {c: labels[c] for c in codes}


def parse_codes(dimension: str, values: Iterable[str]) -> tuple[str, ...]:
    """Codes for the values a user gave for `dimension` (codes or Chinese labels, e.g. neg or 负面);
    an unknown value raises ExportError naming the choices."""
    labels, codes = _CODE_LABELS[dimension]
    by_label = {v: k for k, v in labels.items()}
    out = []
    for raw in values:
        v = raw.strip()
        code = v if v in codes else by_label.get(v)
        if code is None:
            choices = "、".join(f"{c}（{labels[c]}）" for c in codes)
            raise ExportError(f"未知的{DIMENSIONS[dimension]} {raw!r}，可选：{choices}")
        if code not in out:
            out.append(code)
    return tuple(out)


# ------------------------------------------------------------------------------------ row conversion


def _json_list(value: Any) -> list[str]:
    if value is None:
        return []
    if type(value) is list and all(type(v) is str for v in value):  # the usual case, fast
        return value
    if isinstance(value, str):  # a driver that hands JSON back as text
        try:
            value = json.loads(value)
        except ValueError:
            return [value]
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v is not None]
    return [str(value)]


def region_name(
    province: str | None, city: str | None, county: str | None, source_region: str | None
) -> str | None:
    """The region named in the text (province, city, county joined), else the source's region."""
    named = "".join(p for p in (province, city if city != province else None, county) if p)
    return named or source_region or None


def _sentiment_code(label: str | None) -> str:
    return label if label in ("neg", "neu", "pos") else "none"


def document_record(r: Sequence[Any]) -> tuple[Any, ...]:
    """One store row (store.exports.DOCUMENT_COLUMNS, in that order) as the values of DOCUMENT_COLUMNS."""
    (
        id_, url, title, source, level, platform, published_at, first_seen_at, author, media, plans, terms,
        sentiment_label, sentiment_score, target, region, province, city, county, reprint_group, event_id,
        reposts, comments, likes, reads, keywords,
    ) = r  # positional: a million rows pay for every attribute lookup  # fmt: skip
    senti = sentiment_label if sentiment_label in ("neg", "neu", "pos") else "none"
    return (
        id_, title, url, source, LEVEL_LABELS.get(level, level) if level else None,
        PLATFORM_LABELS.get(platform, platform) if platform else None, published_at,
        first_seen_at, author or None, media or None, _json_list(plans), _json_list(terms),
        SENTIMENT_LABELS[senti], sentiment_score, TARGET_LABELS.get(target, target) if target else None,
        (senti == "neg" and target == "office") if senti != "none" else None,
        region_name(province, city, county, region), reprint_group, event_id, reposts, comments, likes, reads,
        None if keywords is None else _json_list(keywords),
    )  # fmt: skip


def event_record(r: Any) -> tuple[Any, ...]:
    """One store row (store.exports.EVENT_COLUMNS) as the values of EVENT_COLUMNS."""
    return (
        r.id, r.title, _json_list(r.keywords), r.first_seen_at, r.first_source or None, r.first_url,
        r.first_published_at, r.last_seen_at, r.doc_count, r.reprint_count, r.source_count, r.negative_share,
        r.office_critical_count, r.heat, CLASS_SHORT_LABELS.get(r.response_class or "", NO_CLASS), r.deadline_at,
        r.status, r.assignee or None, r.region or None,
    )  # fmt: skip


def _dimension_values(r: Any, dims: Sequence[str]) -> Iterator[tuple[str, str]]:
    for dim in dims:
        if dim == "plan":
            plans = _json_list(r.plans)
            for p in dict.fromkeys(plans) if plans else (NO_PLAN,):
                yield dim, p
        elif dim == "source":
            yield dim, r.source
        elif dim == "level":
            yield dim, LEVEL_LABELS.get(r.level, r.level) if r.level else UNKNOWN_LEVEL
        elif dim == "sentiment":
            yield dim, SENTIMENT_LABELS[_sentiment_code(r.sentiment_label)]
        elif dim == "target":
            yield dim, TARGET_LABELS.get(r.target, r.target) if r.target else UNANALYSED
        else:
            name = region_name(r.region_province, r.region_city, r.region_county, r.region)
            yield dim, name or UNKNOWN_REGION


def trend_counts(facts: Iterable[Any], dims: Sequence[str], tz: ZoneInfo) -> Counter[tuple[date, str, str]]:
    """(local day, dimension code, value) -> documents, from store.exports.iter_trend_facts rows."""
    counts: Counter[tuple[date, str, str]] = Counter()
    for r in facts:
        day = r.time.astimezone(tz).date()
        for dim, value in _dimension_values(r, dims):
            counts[(day, dim, value)] += 1
    return counts


# Values of the coded dimensions in their natural order (负面 中性 正面 未分析 …); others sort by name.
_VALUE_ORDER = {
    "level": [*LEVEL_LABELS.values(), UNKNOWN_LEVEL],
    "sentiment": [SENTIMENT_LABELS[c] for c in q.SENTIMENT_CODES],
    "target": [*TARGET_LABELS.values(), UNANALYSED],
    "plan": [],
    "source": [],
    "region": [],
}


def _value_key(dim: str, value: str) -> tuple[int, str]:
    order = _VALUE_ORDER[dim]
    return (order.index(value), "") if value in order else (len(order), value)


def trend_long(counts: Counter[tuple[date, str, str]], dims: Sequence[str]) -> list[tuple[Any, ...]]:
    """Rows of TREND_LONG_COLUMNS: (day, 维度 name, value, count), by day, dimension order, value."""
    order = {d: i for i, d in enumerate(dims)}
    keys = sorted(counts, key=lambda k: (k[0], order[k[1]], _value_key(k[1], k[2])))
    return [(day, DIMENSIONS[dim], value, counts[(day, dim, value)]) for day, dim, value in keys]


def trend_wide(
    counts: Counter[tuple[date, str, str]], dims: Sequence[str], first: date | None, last: date | None
) -> tuple[tuple[Column, ...], list[tuple[Any, ...]]]:
    """Columns (日期, then one per dimension and value) and one row per day, zeros filled."""
    seen = sorted({k[0] for k in counts})
    first = first or (seen[0] if seen else None)
    last = last or (seen[-1] if seen else None)
    values = [
        (dim, v)
        for dim in dims
        for v in sorted({k[2] for k in counts if k[1] == dim}, key=lambda v, d=dim: _value_key(d, v))
    ]
    columns = (
        TREND_LONG_COLUMNS[0],
        *(Column(f"{DIMENSIONS[dim]}:{v}", f"{dim}:{v}", "int", max(8, len(v) + 4)) for dim, v in values),
    )
    rows = []
    if first is not None and last is not None:
        for i in range((last - first).days + 1):
            day = first + timedelta(days=i)
            rows.append((day, *(counts.get((day, dim, v), 0) for dim, v in values)))
    return columns, rows


# ----------------------------------------------------------------------------------------- the job


def count_rows(engine: Engine, request: ExportRequest, *, tz_name: str) -> int:
    """Documents (for documents and trends) or events that `request` covers: how big the export will be."""
    flt = request.filter(tz_name)
    with engine.connect() as conn:
        if request.kind == "events":
            return q.count_events(conn, flt)
        return q.count_documents(conn, flt)


def export_to(engine: Engine, request: ExportRequest, out: BinaryIO, *, tz_name: str) -> int:
    """Write the export into the open binary file `out`; returns the data rows written."""
    tz = ZoneInfo(tz_name)
    flt = request.filter(tz_name)
    sheet = KIND_LABELS[request.kind]
    with engine.connect() as conn:
        if request.kind == "documents":
            rows = map(document_record, q.iter_documents(conn, flt, newest_first=request.newest_first))
            return write_table(request.fmt, DOCUMENT_COLUMNS, rows, out, tz, sheet=sheet)
        if request.kind == "events":
            rows = map(event_record, q.iter_events(conn, flt))
            return write_table(request.fmt, EVENT_COLUMNS, rows, out, tz, sheet=sheet)
        counts = trend_counts(q.iter_trend_facts(conn, flt), request.dimensions, tz)
    if request.shape == "long":
        return write_table(request.fmt, TREND_LONG_COLUMNS, trend_long(counts, request.dimensions), out, tz,
                           sheet=sheet)  # fmt: skip
    columns, rows = trend_wide(counts, request.dimensions, request.first, request.last)
    return write_table(request.fmt, columns, rows, out, tz, sheet=sheet)


def run_export(engine: Engine, request: ExportRequest, path: str | Path, *, tz_name: str) -> ExportResult:
    """Export into the file `path` (written beside it under a temporary name, then renamed into place)."""
    path = Path(path)
    if path.is_dir():
        raise ExportError(f"无法写入 {path}：这是一个目录")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    started = time.perf_counter()
    try:
        fh = tmp.open("wb")
    except OSError as exc:
        raise ExportError(f"无法写入 {path}：{exc.strerror or exc}") from exc
    try:
        with fh:
            n = export_to(engine, request, fh, tz_name=tz_name)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ExportError(f"无法写入 {path}：{exc.strerror or exc}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    seconds = time.perf_counter() - started
    logger.info("exported %d %s rows as %s to %s in %.1f s", n, request.kind, request.fmt, path, seconds)
    return ExportResult(kind=request.kind, fmt=request.fmt, rows=n, path=str(path), seconds=seconds)
