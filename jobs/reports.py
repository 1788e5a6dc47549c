"""舆情日报 / 周报 / 专报: assemble a `Report` (`jobs.report_model`: sections, blocks, numbered references)
from store reads.

This module only assembles data; `jobs.report_render` turns a Report into .docx, HTML or Markdown. Every
judgement and suggestion in the text comes from the rules in `analysis.opinion.digest` and `analysis.opinion.response`;
every quoted document and every count of documents small enough to list cites its documents as numbered
references (title, source, time, URL), and each reference is a stored document.

Periods (local times in `dashboard.timezone`, cut at `report.daily_time`):
- 日报 for day D: [D-1 daily_time, D daily_time); without a day, the 24 hours before `now`.
- 周报 for day D: [D-7 daily_time, D daily_time); without a day, the 7 days before `now`.
- 专报: one event, from its first document to `now`.
A period that has not ended yet stops at `now`. Deadlines, statuses and responses are read as of `now`.

A 日报 / 周报 never loads its period's documents: its counts, source mix and events per document are GROUP BYs
over the doc_time index (store.reports.period_*), its trend comes from the daily counts (store.aggregates),
the criticisms it cites and quotes are read a page at a time in the order it uses them. The events it counts
and ranks (thousands of open A/B events in a busy year) are read in brief (`store.digest.BRIEF_COLUMNS` and
their response kinds); only the events it describes (`report.top_events`, or the few named in a quiet
period) are read in full with their documents.
Read-only: one connection, no writes, so a report can be built any number of times with the same result.
"""

from __future__ import annotations

import logging
import time as clock
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy.engine import Engine

from analysis.opinion import spread
from analysis.opinion.digest import (
    DeadlineState,
    change_text,
    class_text,
    clip,
    deadline_states,
    event_advice,
    fmt_time,
    pending,
    quote,
    reason_text,
    risk_judgement,
    share_change_text,
    urgency_key,
)
from config.loader import ConfigError, Settings, load_plans
from config.response_rules import load_rules
from config.vocabulary import (
    LEVEL_LABELS,
    PLATFORM_LABELS,
    SEVERITY_HIGH,
    SEVERITY_LABELS,
    SEVERITY_MEDIUM,
    TIER_ACT,
    TIER_LABELS,
    UNKNOWN_LEVEL,
)
from jobs.report_model import (
    CITE_MAX,
    Block,
    Chart,
    Para,
    References,
    Report,
    Section,
    Span,
    Subheading,
    Table,
    aware,
)
from store import aggregates as store_aggregates
from store import digest as store_digest
from store import events as store_events
from store import reports as store_reports

logger = logging.getLogger(__name__)

Kind = Literal["daily", "weekly", "event"]
KINDS: tuple[str, ...] = ("daily", "weekly", "event")
KIND_TITLES = {"daily": "舆情日报", "weekly": "舆情周报", "event": "舆情专报"}
LEVEL_ORDER = store_reports.LEVEL_ORDER
SENTIMENT_SHORT = {"neg": "负面", "neu": "中性", "pos": "正面"}
QUOTES_MAX = 5  # representative criticisms quoted
QUOTES_PAGE = 50  # criticisms read at a time while picking them (one per reprint group)
TIMELINE_MAX = 12  # rows in a 专报's spread timeline
VIEWS_MAX = 8  # representative views in a 专报
NODES_MAX = 5  # 核心传播节点 in a 专报
QUIET_TOP = 3  # a quiet period still names its most-discussed events
SUMMARY_CHARS = 200


class ReportError(ValueError):
    """The report cannot be built as asked (a date outside the data, an unknown event or 方案)."""


def _p(*spans: Span | str, style: str = "body") -> Para:
    return Para(tuple(Span(s) if isinstance(s, str) else s for s in spans), style)  # type: ignore[arg-type]


def _level(value: Any) -> str:
    return LEVEL_LABELS.get(value, UNKNOWN_LEVEL) if isinstance(value, str) else UNKNOWN_LEVEL


def _level_rank(value: Any) -> int:
    return LEVEL_ORDER.index(value) if value in LEVEL_ORDER else len(LEVEL_ORDER)


def _doc_time(d: dict[str, Any]) -> datetime:
    return aware(d.get("published_at")) or aware(d["first_seen_at"])


def _engagement(d: dict[str, Any]) -> int:
    return sum(int(d.get(k) or 0) for k in ("reposts", "comments", "likes"))


def _cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


# ------------------------------------------------------------------------------------------- periods


def _cut(settings: Settings, day: date) -> datetime:
    hh, mm = (int(x) for x in settings.report.daily_time.split(":"))
    return datetime.combine(day, time(hh, mm), tzinfo=ZoneInfo(settings.dashboard.timezone)).astimezone(UTC)


def report_window(
    settings: Settings, kind: str, day: date | None, now: datetime
) -> tuple[datetime, datetime]:
    """The [start, end) of a 日报 or 周报 (see the module docstring); raises ReportError for a future day."""
    days = 1 if kind == "daily" else 7
    if day is None:
        return now - timedelta(days=days), now
    start, end = _cut(settings, day - timedelta(days=days)), _cut(settings, day)
    if start >= now:
        raise ReportError(f"日期 {day.isoformat()} 的报告时段尚未开始")
    return start, min(end, now)


def daily_report_due(settings: Settings, now: datetime, last_sent: date | None = None) -> date | None:
    """The local day whose 日报 is due at `now` (today once `report.daily_time` has passed), or None when
    that day's report was already sent (`last_sent`) or the time has not come yet. For the scheduler."""
    today = now.astimezone(ZoneInfo(settings.dashboard.timezone)).date()
    if now < _cut(settings, today):
        return None
    return None if last_sent is not None and last_sent >= today else today


# ------------------------------------------------------------------------------------------- assembly


@dataclass
class _EventView:
    row: dict[str, Any]
    docs: list[dict[str, Any]]
    kinds: list[str]
    responses: list[dict[str, Any]]
    states: list[DeadlineState]
    in_period: int = 0

    @property
    def id(self) -> int:
        return int(self.row["id"])

    @property
    def overdue(self) -> bool:
        return any(s.overdue for s in self.states)


def _responses_by_event(conn, ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    df = store_events.list_responses(conn, list(ids))
    out: dict[int, list[dict[str, Any]]] = {int(i): [] for i in ids}
    for r in df.to_dict("records"):
        out[int(r["event_id"])].append(r)
    for rows in out.values():
        rows.sort(key=lambda r: (aware(r["responded_at"]), r["id"]))
    return out


def _event_views(conn, ids: Sequence[int], now: datetime, *, with_documents: bool = True) -> list[_EventView]:
    """The events `ids` with their responses and deadlines; their documents too unless `with_documents` is
    False (a period report loads them for the few events it describes: `_load_documents`)."""
    rows = store_events.get_events(conn, list(ids), history=with_documents)
    docs = store_events.event_documents(conn, list(rows)) if with_documents else {}
    responses = _responses_by_event(conn, list(rows))
    views = []
    for eid, row in rows.items():
        kinds = [r["kind"] for r in responses[eid]]
        states = deadline_states(row["response_class"], aware(row["first_seen_at"]), kinds, now)
        views.append(_EventView(row, docs.get(eid, []), kinds, responses[eid], states))
    return views


def _briefed_views(conn, in_period: Counter, end: datetime, plan: str | None, now: datetime) -> list[_EventView]:
    """Every event a period report counts, ranked by urgency: those with documents in the period, plus every
    open class-A/B event that still owes a response (with a 方案, only those with a document of it). Only
    what counting, ranking and advice need is read (store.digest.BRIEF_COLUMNS and the kinds of their
    responses); `_full_views` reads the few the report describes in full. `in_period`: documents per event in
    the period (store.reports.period_profile)."""
    rows = store_digest.event_briefs(conn, list(in_period))
    for eid, row in store_digest.open_class_briefs(conn, end, plan).items():
        rows.setdefault(eid, row)
    kinds = store_digest.response_kinds(conn, [e for e, r in rows.items() if r["response_class"]])
    views = []
    for eid, row in rows.items():
        k = kinds.get(eid, [])
        states = deadline_states(row["response_class"], aware(row["first_seen_at"]), k, now)
        views.append(_EventView(row, [], k, [], states, in_period.get(eid, 0)))
    return _rank(views, now)


def _full_views(conn, briefs: Sequence[_EventView], now: datetime) -> list[_EventView]:
    """The events of `briefs` read in full (rows, responses, documents), in the same order."""
    full = {v.id: v for v in _event_views(conn, [b.id for b in briefs], now, with_documents=False)}
    out = []
    for b in briefs:
        if b.id in full:
            full[b.id].in_period = b.in_period
            out.append(full[b.id])
    _load_documents(conn, out)
    return out


def _load_documents(conn, views: Sequence[_EventView]) -> None:
    docs = store_events.event_documents(conn, [v.id for v in views])
    for v in views:
        v.docs = docs[v.id]


def _rank(views: list[_EventView], now: datetime) -> list[_EventView]:
    return sorted(views, key=lambda v: (*urgency_key(v.states, v.row["heat"] or 0.0, now), v.id))


def _sentiment_mix(docs: Sequence[dict[str, Any]]) -> Counter[str]:
    return Counter(d["sentiment_label"] if d["sentiment_label"] in SENTIMENT_SHORT else "none" for d in docs)


def _mix_text(mix: Counter[str]) -> str:
    text = f"负面{mix['neg']}、中性{mix['neu']}、正面{mix['pos']}"
    return text + (f"、未分析{mix['none']}" if mix["none"] else "")


def _levels_text(docs: Sequence[dict[str, Any]]) -> str:
    by_level: dict[str, set[str]] = {}
    for d in docs:
        by_level.setdefault(d["level"] or "", set()).add(d["source"])
    parts = [
        f"{_level(lv)}{len(srcs)}个"
        for lv, srcs in sorted(by_level.items(), key=lambda kv: _level_rank(kv[0]))
    ]
    return "、".join(parts)


def _is_hot(d: dict[str, Any], hot_sources: set[str]) -> bool:
    return d.get("platform") == "hotlist" or d.get("source") in hot_sources


def _first_doc(v: _EventView) -> dict[str, Any] | None:
    first_id = v.row.get("first_doc_id")
    return next((d for d in v.docs if d["id"] == first_id), v.docs[0] if v.docs else None)


def _deadline_text(v: _EventView, tz: str) -> str:
    if not v.states:
        return "无（未命中回应规则）"
    return "；".join(f"{s.label} {fmt_time(s.due, tz)}（{s.remaining}）" for s in v.states)


def _response_spans(v: _EventView, tz: str) -> list[Span]:
    status = v.row["status"] + (f"，处置人：{v.row['assignee']}" if v.row.get("assignee") else "")
    spans = [Span(status + "；回应记录：")]
    if not v.responses:
        spans.append(Span("无"))
        return spans
    for i, r in enumerate(v.responses):
        sep = "；" if i else ""
        spans.append(Span(f"{sep}{fmt_time(aware(r['responded_at']), tz)} {r['kind']}（{r['by_whom']}）"))
        if r.get("url"):
            spans.append(Span(" ", url=str(r["url"])))
    return spans


def _event_blocks(
    v: _EventView, refs: References, tz: str, hot_sources: set[str], *, period: bool
) -> list[Block]:
    """The 重点舆情 entry of one event: 首发, spread, sources by level, sentiment, class, deadline, status."""
    row = v.row
    blocks: list[Block] = [Subheading(str(row["title"]))]
    first = _first_doc(v)
    if first is not None:
        blocks.append(
            _p(
                Span("首发：", bold=True),
                Span(
                    f"{first['source']}（{_level(first['level'])}），{fmt_time(_doc_time(first), tz)}",
                    refs=(refs.cite(first),),
                ),
                Span(" ", url=str(first["url"])),
                style="item",
            )
        )
    others = sorted(
        (d for d in v.docs if first is None or d["id"] != first["id"]),
        key=lambda d: (_level_rank(d["level"]), _doc_time(d), d["id"]),
    )
    spans = [
        Span("传播：", bold=True),
        Span(f"累计相关信息{row['doc_count']}篇", refs=refs.cite_many(others, 5)),
    ]
    if len(others) > 5:
        spans.append(Span("等"))
    spread = f"（其中转载{row['reprint_count']}篇）" + (f"，本期新增{v.in_period}篇" if period else "")
    spans.append(Span(spread + f"；涉及信源{row['source_count']}个（{_levels_text(v.docs)}）"))
    hot = [d for d in v.docs if _is_hot(d, hot_sources)]
    if hot:
        spans.append(Span(f"；登上热榜{len(hot)}次", refs=refs.cite_many(hot, 5)))
    blocks.append(_p(*spans, style="item"))
    mix = _sentiment_mix(v.docs)
    share = row.get("negative_share")
    senti = _mix_text(mix) + (f"（负面占比{share:.0%}）" if share is not None and not pd.isna(share) else "")
    critics = [d for d in v.docs if d["target"] == "office" and d["sentiment_label"] == "neg"]
    spans = [Span("情感：", bold=True), Span(senti)]
    if critics:
        spans.append(Span(f"；批评审计机关{len(critics)}篇", refs=refs.cite_many(critics, 5)))
    heat = f"；热度{float(row['heat'] or 0):.1f}" + ("，传播突增" if row.get("is_burst") else "")
    spans.append(Span(heat))
    blocks.append(_p(*spans, style="item"))
    cls = row.get("response_class")
    why = reason_text(cls, row.get("response_reason")) if cls else ""
    blocks.append(
        _p(
            Span("回应：", bold=True),
            Span(class_text(cls) + (f"。判定依据：{why}" if why else "")),
            style="item",
        )
    )
    blocks.append(
        _p(
            Span("时限：", bold=True),
            Span(_deadline_text(v, tz) + "；状态："),
            *_response_spans(v, tz),
            style="item",
        )
    )
    return blocks


def _advice_blocks(
    views: Sequence[_EventView], rules, tz: str, extra: Sequence[str], limit: int | None = None
) -> list[Block]:
    """One numbered line per event that still owes a response (`views` in urgency order), then `extra`. With
    `limit`, only the first `limit` event lines, and a note of how many there are in all."""
    owing = [v for v in views if v.row.get("response_class") and pending(v.states)]
    shown = owing if limit is None else owing[:limit]
    lines = []
    for v in shown:
        line = event_advice(
            title=str(v.row["title"]),
            cls=v.row.get("response_class"),
            rule=v.row.get("response_rule"),
            status=v.row["status"],
            assignee=v.row.get("assignee"),
            states=v.states,
            rules=rules,
            tz=tz,
        )
        if line:
            lines.append(line)
    if not lines and not extra:
        return [_p("本期无需回应或待处置的事项。")]
    blocks: list[Block] = [_p(f"{i}. {line}", style="item") for i, line in enumerate(lines, 1)]
    if len(owing) > len(shown):
        n_over = sum(v.overdue for v in owing)
        blocks.append(
            _p(
                f"以上为最紧急的{len(shown)}件；需回应的事件共{len(owing)}件（其中已超时{n_over}件），"
                f"另有{len(owing) - len(shown)}件未逐条列出，完整清单见下载的报告或看板「热点与回应」。",
                style="note",
            )
        )
    blocks.extend(_p(f"{i}. {line}", style="item") for i, line in enumerate(extra, len(lines) + 1))
    return blocks


def _chart(df: pd.DataFrame, first: date, last: date, tz: str, title: str) -> Chart:
    table = store_reports.daily_sentiment(df, first, last, tz)
    series = []
    for col in ("负面", "中性", "正面", "未分析"):
        counts = tuple(int(x) for x in table[col])
        if col != "未分析" or any(counts):
            series.append((col, counts))
    return Chart(title, tuple(table.index), tuple(series))


def _counts_chart(conn, flt, first: date, last: date, tz: str, title: str) -> tuple[Chart, int]:
    """The chart of documents per local day and sentiment over first..last from the daily counts, and the
    number of days with any document."""
    got = store_aggregates.counts(conn, tz, first, last, by=("day", "sentiment"), plans=flt.plans)
    table = store_reports.daily_sentiment_from_counts(got, first, last)
    series = []
    for col in ("负面", "中性", "正面", "未分析"):
        counts = tuple(int(x) for x in table[col])
        if col != "未分析" or any(counts):
            series.append((col, counts))
    days = len({day for (day, _), n in got.items() if n and first <= day <= last})
    return Chart(title, tuple(table.index), tuple(series)), days


def _level_table(by_source: Counter) -> Table:
    """信源分布 from documents per (level, source)."""
    total = sum(by_source.values())
    levels: dict[str, list[int]] = {}
    for (lv, _src), n in by_source.items():
        levels.setdefault(lv, []).append(n)
    rows = []
    for lv in sorted(levels, key=lambda x: (_level_rank(x or None), str(x))):
        n = sum(levels[lv])
        rows.append((Span(_level(lv or None)), Span(str(n)), Span(f"{n / total:.1%}"), Span(str(len(levels[lv])))))
    rows.append(
        (
            Span("合计", bold=True),
            Span(str(total)),
            Span("100%" if total else "—"),
            Span(str(len({src for _, src in by_source}))),
        )
    )
    return Table(("信源级别", "信息量（篇）", "占比", "信源数"), tuple(rows), "信源分布")


def _site_blocks(conn, start: datetime, end: datetime, tz: str) -> tuple[list[Block], int, int, list[str]]:
    """仿冒网站与网站安全: new act-tier candidates and new high/medium own-site findings in [start, end);
    plus the rule-derived suggestions for what is still pending (whenever found)."""

    cands = store_digest.new_candidates(conn, start, end, tier=TIER_ACT)
    finds = store_digest.new_findings(conn, start, end, (SEVERITY_HIGH, SEVERITY_MEDIUM))
    blocks: list[Block] = []
    if cands:
        blocks.append(_p(f"本期新发现达到「{TIER_LABELS[TIER_ACT]}」等级的仿冒网站{len(cands)}个："))
        for c in cands:
            labels = [s.get("label", "") for s in (c["signals"] or []) if s.get("weight")]
            why = "、".join(labels[:3]) + (f"等{len(labels)}项" if len(labels) > 3 else "")
            score = "未评分" if c["score"] is None else f"{float(c['score']):.0f}"
            title = f"，网站标题「{clip(str(c['title']), 40)}」" if c.get("title") else ""
            blocks.append(
                _p(
                    Span(
                        f"{c['host']}（评分{score}，状态：{c['status']}，首次发现{fmt_time(aware(c['first_seen_at']), tz)}"
                        f"{title}）" + (f"；依据：{why}" if why else "")
                    ),
                    Span(" ", url=str(c["final_url"] or c["url"])),
                    style="item",
                )
            )
    if finds:
        blocks.append(_p(f"本期新发现本单位网站高、中风险问题{len(finds)}项："))
        for f in finds:
            state = "已解决" if f["resolved_at"] is not None else "未处理"
            blocks.append(
                _p(
                    Span(
                        f"【{SEVERITY_LABELS.get(f['severity'], f['severity'])}】{f['summary']}"
                        f"（发现于{fmt_time(aware(f['found_at']), tz)}，{state}）"
                    ),
                    Span(" ", url=str(f["url"])),
                    style="item",
                )
            )
    if not blocks:
        blocks.append(_p("本期未发现新的仿冒网站和本单位网站安全问题。"))
    extra = []
    pending_cands = store_digest.pending_candidates(conn, end, tier=TIER_ACT)
    if pending_cands:
        extra.append(
            f"达到「{TIER_LABELS[TIER_ACT]}」等级且待核实的仿冒网站{pending_cands}个：应核实后导出证据单报送网信部门。"
        )
    open_high = store_digest.open_findings(conn, end, (SEVERITY_HIGH,))
    if open_high:
        extra.append(
            f"本单位网站未处理的高风险问题{open_high}项：应立即核查处置，必要时恢复页面并重新建立基线。"
        )
    return blocks, len(cands), len(finds), extra


def _critic_blocks(conn, total: int, where: tuple, refs: References, tz: str) -> list[Block]:
    """The representative criticisms of a period (`where`: start, end, filter): the first QUOTES_MAX by source
    level, engagement and time, one per reprint group, read a page at a time in that order."""
    if not total:
        return [_p("本期未监测到批评审计机关的信息。")]
    seen: set[Any] = set()
    picked: list[dict[str, Any]] = []
    offset = 0
    while len(picked) < QUOTES_MAX and offset < total:
        page = store_reports.critic_documents(conn, *where, order="weight", limit=QUOTES_PAGE, offset=offset)
        offset += QUOTES_PAGE
        for d in page:
            key = d["reprint_group"] if d.get("reprint_group") is not None else -d["id"]
            if key in seen:
                continue
            seen.add(key)
            picked.append(d)
            if len(picked) == QUOTES_MAX:
                break
        if len(page) < QUOTES_PAGE:
            break
    texts = store_events.document_texts(conn, [int(d["id"]) for d in picked], chars=600)
    blocks: list[Block] = [_p(f"本期监测到批评审计机关的信息{total}篇，代表性内容如下：")]
    for d in picked:
        title, body = texts.get(int(d["id"]), (d["title"], ""))
        blocks.append(
            _p(
                Span(f"{d['source']}（{_level(d['level'])}，{fmt_time(_doc_time(d), tz)}）：", bold=True),
                Span(f"「{quote(title, body)}」", refs=(refs.cite(d),)),
                style="quote",
            )
        )
    return blocks


def _period_text(start: datetime, end: datetime, tz: str) -> str:
    return f"统计时段：{fmt_time(start, tz)} 至 {fmt_time(end, tz)}"


def _check_plan(settings: Settings, conn, plan: str | None) -> None:
    """A 方案 must be configured (config/keywords.yaml) or found on stored documents."""
    if not plan:
        return
    known = set(store_reports.plan_names(conn))
    try:
        known.update(p.name for p in load_plans(settings.path(settings.plans_file)))
    except ConfigError as exc:  # the stored names still serve
        logger.warning("cannot read plans file: %s", exc)
    if plan not in known:
        raise ReportError(f"未知的监测方案：{plan}（可选：{'、'.join(sorted(known)) or '无'}）")


def build_report(
    settings: Settings,
    engine: Engine,
    kind: str,
    *,
    day: date | None = None,
    plan: str | None = None,
    event_id: int | None = None,
    now: datetime,
    advice_max: int | None = None,
) -> Report:
    """Assemble a 日报 (`daily`), 周报 (`weekly`) or 专报 (`event`, needs `event_id`) as of `now`. With
    `advice_max` (the dashboard's preview), a 日报 / 周报 lists only that many of the most urgent events under
    处置建议 and says how many there are in all; the report files list every one."""
    if kind not in KINDS:
        raise ReportError(f"未知的报告类型：{kind}（可选 daily、weekly、event）")
    if now.tzinfo is None:
        raise ValueError("build_report needs a timezone-aware now")
    t0 = clock.perf_counter()
    with engine.connect() as conn:
        if kind == "event":
            if event_id is None:
                raise ReportError("专报需要事件编号")
            report = _event_report(settings, conn, int(event_id), now)
        else:
            report = _period_report(settings, conn, kind, day, plan, now, advice_max)
    logger.info(
        "built %s report: %d sections, %d references, quiet=%s (%.2f s)",
        kind,
        len(report.sections),
        len(report.references),
        report.quiet,
        clock.perf_counter() - t0,
    )
    return report


def _period_report(
    settings: Settings, conn, kind: str, day: date | None, plan: str | None, now: datetime,
    advice_max: int | None = None,
) -> Report:  # fmt: skip
    tz = settings.dashboard.timezone
    cfg = settings.report
    _check_plan(settings, conn, plan)
    start, end = report_window(settings, kind, day, now)
    prev_start = start - (end - start)
    last_day = (end - timedelta(microseconds=1)).astimezone(ZoneInfo(tz)).date()
    first_day = last_day - timedelta(days=6 if kind == "daily" else 13)
    flt = store_reports.DocFilter(plans=(plan,) if plan else ())
    profile = store_reports.period_profile(conn, start, end, flt)  # one pass: counts, sources, events
    c = profile.counts
    p = store_reports.period_counts(conn, prev_start, start, flt)
    refs = References(tz)
    rules = load_rules()
    hot_sources = store_digest.hotlist_source_names(conn)

    # events: active in the period, plus every open event that still owes a response (an open event outside
    # the period counts for a 方案 when one of its documents matched it); read in brief, ranked by urgency
    views = _briefed_views(conn, profile.events, end, plan, now)
    classed = [v for v in views if v.row.get("response_class")]
    critics = store_reports.critic_documents(conn, start, end, flt, limit=CITE_MAX)  # the newest, cited
    site_blocks, n_cands, n_finds, site_extra = _site_blocks(conn, start, end, tz)
    quiet = not classed and not c["critics"] and not n_cands and not n_finds
    top = views[: cfg.top_events]  # read in full below, when the report describes them
    overdue = [v for v in classed if v.overdue]
    owing = sum(1 for v in classed if pending(v.states))  # the events 处置建议 has a line for
    n_a = sum(v.row["response_class"] == "A" for v in classed)
    n_b = len(classed) - n_a

    # 概况
    ov: list[Span] = [
        Span(
            f"本期共监测到与审计工作相关的信息{c['documents']}篇，{change_text(c['documents'], p['documents'])}；"
            f"其中负面信息{c['negative']}篇"
        )
    ]
    if c["negative_share"] is not None:
        ov.append(
            Span(
                f"，占{c['negative_share']:.1%}（{share_change_text(c['negative_share'], p['negative_share'])}）"
            )
        )
    ov.append(Span(f"；批评审计机关的信息{c['critics']}篇", refs=refs.cite_many(critics)))
    if c["critics"] > CITE_MAX:
        ov.append(Span("等"))
    ov.append(Span(f"（上期{p['critics']}篇）。"))
    overview: list[Block] = [_p(*ov)]
    if quiet:
        overview.append(_p(Span("本期无重大舆情。", bold=True)))
    else:
        overview.append(
            _p(
                f"需回应的舆情{len(classed)}件，其中A类（特别重大/重大突发事件）{n_a}件、B类{n_b}件；"
                f"已超时未回应{len(overdue)}件。本期新发现建议处置的仿冒网站{n_cands}个、"
                f"本单位网站高中风险问题{n_finds}项。"
            )
        )
    sections = [Section("overview", "概况", tuple(overview))]
    if quiet:
        hottest = sorted((v for v in views if v.in_period), key=lambda v: (-(v.row["heat"] or 0), v.id))[
            :QUIET_TOP
        ]
        hottest = _full_views(conn, hottest, now)
        if hottest:
            blocks: list[Block] = [_p("本期无需回应的舆情；相关信息较多的事件如下：")]
            for v in hottest:
                first = _first_doc(v)
                cite = (refs.cite(first),) if first else ()
                blocks.append(
                    _p(
                        Span(
                            f"「{v.row['title']}」，相关信息{v.row['doc_count']}篇，首发{v.row['first_source'] or ''}",
                            refs=cite,
                        ),
                        style="item",
                    )
                )
            sections.append(Section("events", "关注度较高的信息", tuple(blocks)))
    else:
        ev_blocks: list[Block] = []
        for v in _full_views(conn, top, now):
            ev_blocks.extend(_event_blocks(v, refs, tz, hot_sources, period=True))
        if len(views) > len(top):
            ev_blocks.append(
                _p(f"另有{len(views) - len(top)}个事件未列入，详见看板「热点与回应」。", style="note")
            )
        if not ev_blocks:
            ev_blocks.append(_p("本期未形成热点事件。"))
        sections.append(Section("events", "重点舆情", tuple(ev_blocks)))
        sections.append(
            Section("criticism", "批评审计机关的声音",
                    tuple(_critic_blocks(conn, c["critics"], (start, end, flt), refs, tz)))
        )  # fmt: skip
        chart, days = _counts_chart(
            conn, flt, first_day, last_day, tz, f"近{(last_day - first_day).days + 1}日信息量（按情感）"
        )
        totals = (
            [sum(vals) for vals in zip(*(s[1] for s in chart.series), strict=True)] if chart.series else []
        )
        trend_blocks: list[Block] = [chart]
        if totals and max(totals):
            peak = max(range(len(totals)), key=lambda i: (totals[i], i))
            trend_blocks.append(
                _p(
                    f"近{len(totals)}日共{sum(totals)}篇，日均{sum(totals) / len(totals):.1f}篇，"
                    f"{chart.days[peak]}最多（{totals[peak]}篇）；有信息的天数{days}天。"
                )
            )
        trend_blocks.append(_level_table(profile.sources))
        sections.append(Section("trend", "趋势与信源分布", tuple(trend_blocks)))
        sections.append(Section("sites", "仿冒网站与网站安全", tuple(site_blocks)))
    advice = _advice_blocks(classed, rules, tz, site_extra, advice_max)
    sections.append(Section("advice", "处置建议", tuple(advice)))

    issue = end.astimezone(ZoneInfo(tz)).date()
    summary_head = (
        f"{KIND_TITLES[kind]}（{_cn_date(issue)}）：相关信息{c['documents']}篇，{change_text(c['documents'], p['documents'])}；"
        f"负面{c['negative']}篇，批评审计机关{c['critics']}篇。"
    )
    tail = "本期无重大舆情。" if quiet else f"需回应A类{n_a}件、B类{n_b}件，超时{len(overdue)}件。"
    return Report(
        kind=kind,
        title=KIND_TITLES[kind],
        subject="",
        unit_name=cfg.unit_name,
        mark=cfg.mark,
        issue_date=_cn_date(issue),
        period_text=_period_text(start, end, tz) + (f"；监测方案：{plan}" if plan else ""),
        start=start,
        end=end,
        generated_at=now,
        timezone=tz,
        plan=plan,
        quiet=quiet,
        summary=clip(summary_head + tail, SUMMARY_CHARS),
        sections=tuple(sections),
        references=refs.all(),
        counts={
            **c,
            "previous": p,
            "events": len(views),
            "class_a": n_a,
            "class_b": n_b,
            "overdue": len(overdue),
            "owing": owing,
            "candidates": n_cands,
            "findings": n_finds,
        },
    )


# ------------------------------------------------------------------------------------------- 专报


def _event_summary(v: _EventView, tz: str, now: datetime) -> tuple[str, Any]:
    """At most SUMMARY_CHARS characters: 首发, the figures, class, status and next deadline, then the risk
    judgement as the closing sentence (the title is shortened first when space runs out)."""
    row = v.row
    first = _first_doc(v)
    risk = risk_judgement(
        cls=row.get("response_class"),
        heat=float(row["heat"] or 0),
        is_burst=bool(row.get("is_burst")),
        negative_share=row.get("negative_share"),
        office_critical=int(row["office_critical_count"] or 0),
        overdue=v.overdue,
    )
    share = row.get("negative_share")
    share_text = f"负面占比{share:.0%}，" if share is not None and not pd.isna(share) else ""
    open_ = pending(v.states)
    if open_:
        nxt = min(open_, key=lambda s: s.due)
        due = f"须于{fmt_time(nxt.due, tz)}前{nxt.label}（{nxt.remaining}）"
    else:
        due = "无待办时限"
    facts = (
        f"截至{fmt_time(now, tz)}，共监测到相关信息{row['doc_count']}篇（转载{row['reprint_count']}篇），"
        f"涉及信源{row['source_count']}个，{share_text}批评审计机关{row['office_critical_count']}篇；"
        f"{class_text(row.get('response_class')).split('（')[0]}，状态{row['status']}，{due}。"
    )
    lead = f"{fmt_time(_doc_time(first), tz)}，{first['source']}首发" if first else "首发不详"
    allowed = SUMMARY_CHARS - len(risk.sentence)
    room = allowed - len(lead) - len(facts) - len("「」。")
    body = f"{lead}「{clip(str(row['title']), max(8, room))}」。{facts}"
    return clip(body, allowed) + risk.sentence, risk


def _timeline(v: _EventView, refs: References, tz: str, hot_sources: set[str]) -> Table:
    first = _first_doc(v)
    picks: dict[int, str] = {}
    if first is not None:
        picks[first["id"]] = "首发"
    seen_levels = {first["level"]} if first is not None else set()
    for d in sorted(v.docs, key=lambda d: (_doc_time(d), d["id"])):
        if _is_hot(d, hot_sources) and d["id"] not in picks:
            picks[d["id"]] = "登上热榜"
        elif d["level"] not in seen_levels and d["id"] not in picks:
            seen_levels.add(d["level"])
            picks[d["id"]] = f"{_level(d['level'])}信源首次转载"
    docs = {d["id"]: d for d in v.docs}
    chosen = sorted(picks, key=lambda i: (_doc_time(docs[i]), i))[:TIMELINE_MAX]
    rows = []
    for i in chosen:
        d = docs[i]
        rows.append(
            (
                Span(fmt_time(_doc_time(d), tz)),
                Span(str(d["source"])),
                Span(_level(d["level"])),
                Span(picks[i]),
                Span(str(d["title"]), refs=(refs.cite(d),)),
            )
        )
    return Table(("时间", "信源", "级别", "传播节点", "标题"), tuple(rows))


def _nodes(v: _EventView, refs: References, tz: str, hot_sources: set[str]) -> list[Block]:
    """The 核心传播节点 (analysis.opinion.spread): the sources that carried the event furthest, each citing
    its earliest document."""
    nodes = spread.nodes(v.docs, v.row.get("first_doc_id"), hot_sources)[:NODES_MAX]
    if not nodes:
        return [_p("暂无传播信源。")]
    docs = {int(d["id"]): d for d in v.docs}
    rows = []
    for n in nodes:
        role = "首发" if n.is_first else ("登上热榜" if n.hot else ("转载" if n.reprints else "报道"))
        rows.append(
            (
                Span(n.source, refs=(refs.cite(docs[n.doc_ids[0]]),)),
                Span(_level(n.level)),
                Span(role),
                Span(str(n.documents)),
                Span(str(n.reprinted)),
                Span(str(n.engagement)),
                Span(str(n.reads)),
                Span(fmt_time(n.first_at, tz)),
            )
        )
    return [
        Table(("信源", "级别", "作用", "文档数", "被转载", "互动量", "阅读量", "首次出现"), tuple(rows),
              caption="按被转载篇数、互动量（转发+评论+点赞）、阅读量排序"),
    ]  # fmt: skip


def _views(conn, v: _EventView, refs: References, tz: str) -> list[Block]:
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for d in v.docs:
        groups.setdefault((d["platform"] or "news", d["level"] or ""), []).append(d)
    keys = sorted(groups, key=lambda k: (_level_rank(k[1] or None), k[0]))[:VIEWS_MAX]
    picked = [min(groups[k], key=lambda d: (-_engagement(d), _doc_time(d), d["id"])) for k in keys]
    texts = store_events.document_texts(conn, [int(d["id"]) for d in picked], chars=600)
    blocks: list[Block] = []
    quoted: set[str] = set()
    for k, d in zip(keys, picked, strict=True):
        title, body = texts.get(int(d["id"]), (d["title"], ""))
        senti = SENTIMENT_SHORT.get(d["sentiment_label"], "未分析")
        who = f"{PLATFORM_LABELS.get(k[0], k[0])}·{_level(k[1] or None)}（{len(groups[k])}篇，{d['source']}，{senti}）："
        said = quote(title, body)
        text = "转载上述内容" if said in quoted else f"「{said}」"
        quoted.add(said)
        blocks.append(_p(Span(who, bold=True), Span(text, refs=(refs.cite(d),)), style="quote"))
    return blocks or [_p("暂无可引用的观点。")]


def _event_report(settings: Settings, conn, event_id: int, now: datetime) -> Report:
    tz = settings.dashboard.timezone
    cfg = settings.report
    views = _event_views(conn, [event_id], now)
    if not views:
        raise ReportError(f"事件 {event_id} 不存在")
    v = views[0]
    row = v.row
    refs = References(tz)
    rules = load_rules()
    hot_sources = store_digest.hotlist_source_names(conn)
    summary, risk = _event_summary(v, tz, now)
    sections = [Section("summary", "基本情况", (_p(summary),))]
    sections.append(Section("timeline", "传播时间线", (_timeline(v, refs, tz, hot_sources),)))
    sections.append(Section("nodes", "核心传播节点", tuple(_nodes(v, refs, tz, hot_sources))))
    sections.append(Section("views", "各方观点", tuple(_views(conn, v, refs, tz))))
    times = [_doc_time(d) for d in v.docs] or [aware(row["first_seen_at"])]
    start = min(times)
    last_day = now.astimezone(ZoneInfo(tz)).date()
    first_day = max(
        min(start.astimezone(ZoneInfo(tz)).date(), last_day - timedelta(days=6)),
        last_day - timedelta(days=29),
    )  # at least a week, at most 30 days
    frame = pd.DataFrame(
        {
            "time": pd.to_datetime(times, utc=True),
            "sentiment": [
                d["sentiment_label"] if d["sentiment_label"] in SENTIMENT_SHORT else "none" for d in v.docs
            ]
            or ["none"],
        }
    )
    if not v.docs:
        frame = frame.iloc[0:0]
    chart = _chart(frame, first_day, last_day, tz, "事件每日信息量（按情感）")
    sections.append(
        Section(
            "trend",
            "传播趋势",
            (
                chart,
                _p(
                    f"风险信号：热度{float(row['heat'] or 0):.1f}"
                    + ("，传播突增" if row.get("is_burst") else "，未见突增")
                    + f"；{_mix_text(_sentiment_mix(v.docs))}。"
                ),
            ),
        )
    )
    why = reason_text(row.get("response_class"), row.get("response_reason"))
    resp: list[Block] = [
        _p(
            Span("回应类别：", bold=True),
            Span(class_text(row.get("response_class")) + (f"。判定依据：{why}" if why else "")),
            style="item",
        ),
        _p(Span("状态：", bold=True), *_response_spans(v, tz), style="item"),
    ]
    for r in v.responses:
        if r.get("note"):
            resp.append(
                _p(f"{fmt_time(aware(r['responded_at']), tz)} {r['kind']} 备注：{r['note']}", style="note")
            )
    sections.append(Section("response", "回应与处置", tuple(resp)))
    open_ = pending(v.states)
    dl: list[Block] = [
        _p(f"{s.label}：{fmt_time(s.due, tz)}前（{s.remaining}）", style="item") for s in open_
    ]
    done = [s for s in v.states if s.done]
    dl.extend(_p(f"{s.label}：已完成（时限{fmt_time(s.due, tz)}）", style="item") for s in done)
    if not v.states:
        dl = [_p("该事件未命中回应规则，无回应时限。")]
    elif not open_:
        dl.insert(0, _p("全部回应时限均已完成。"))
    sections.append(Section("deadlines", "待办时限", tuple(dl)))
    sections.append(Section("advice", "处置建议", tuple(_advice_blocks([v], rules, tz, ()))))
    return Report(
        kind="event",
        title=KIND_TITLES["event"],
        subject=str(row["title"]),
        unit_name=cfg.unit_name,
        mark=cfg.mark,
        issue_date=_cn_date(now.astimezone(ZoneInfo(tz)).date()),
        period_text=_period_text(start, now, tz),
        start=start,
        end=now,
        generated_at=now,
        timezone=tz,
        plan=None,
        quiet=False,
        summary=summary,
        sections=tuple(sections),
        references=refs.all(),
        event_id=event_id,
        counts={
            "documents": int(row["doc_count"]),
            "risk": risk.level,
            "risk_reasons": risk.reasons,
            "overdue": int(v.overdue),
        },
    )
