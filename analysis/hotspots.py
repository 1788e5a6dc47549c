"""Stage 2 of analysis, incremental: reprint groups (首发) → events → heat, burst → response class and deadline.

Only documents not yet through stage 2 (`stage2_at IS NULL`, stage 1 done) are read, in time order
(published, else first seen). The reprint index (analysis.dedup) and the event clusterer (analysis.events)
are restored from `analysis_state`, fed the new documents, pruned of what can no longer change (dormant
events, old reprint groups) and saved again, so a run costs what is new, not what is stored.

Per document it writes signature, reprint_group, event_id and region. Per event touched (and, every
`heat_refresh_minutes`, every live event, so heat cools down) it writes one `events` row: title and key
phrases, first detection (the documents' first_seen_at: the deadline clock), 首发 (earliest publication),
counts, negative share, criticism of the audit office, heat with its components and history, burst,
response class with reason / rule / terms, the next deadline and region. Status, assignee and notes are
people's and never overwritten; a response class is never lowered automatically (a deadline, once set,
stays until people close the event).

Crash safety: documents are marked done (stage2_at) in the same transaction that saves the state and the
events, at the end; a run killed half-way is redone from the previous state by the next run.
"""

from __future__ import annotations

import logging
import multiprocessing
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine

from analysis.dedup import ReprintIndex, decode_signature, signature
from analysis.events import EventClusterer, doc_features
from analysis.heat import Burst, DocStat, detect_burst, event_heat
from analysis.region import Region, primary_region
from analysis.response import (
    STATUS_HANDLING,
    STATUS_PENDING,
    STATUS_RESPONDED,
    ResponseRules,
    can_transition,
    classify_response,
    load_rules,
    next_deadline,
)
from store import hotspots as q
from store.schema import documents

logger = logging.getLogger(__name__)

STATE_REPRINTS = "hotspots.reprints"
STATE_EVENTS = "hotspots.events"
STATE_META = "hotspots.meta"
_CLASS_RANK = {None: 0, "B": 1, "A": 2}


class WorkflowError(ValueError):
    """A status change or response that the workflow does not allow; the message is for the user."""


@dataclass(frozen=True)
class Stage2Config:
    batch_size: int = 500
    history_cap: int = 96  # heat-history points kept per event
    heat_refresh_minutes: float = 30.0  # live events get fresh heat at most this often without new documents
    reprint_days: float = 14.0  # reprint groups silent this long (before the newest document) are forgotten
    representatives: int = 2  # documents besides the 首发 that the response class is read from
    text_chars: int = 800  # body characters read for the response class
    workers: int = 1  # processes computing per-document features (fork); 1 = in this process
    parallel_min_docs: int = 1000  # use the workers only when at least this many documents are pending


@dataclass
class Stage2Stats:
    documents: int = 0
    events_touched: int = 0
    events_new: int = 0
    events_refreshed: int = 0
    reprints_merged: int = 0
    pruned_events: int = 0
    pruned_reprint_docs: int = 0
    seconds: float = 0.0
    by_class: dict[str, int] = field(default_factory=dict)


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds")


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# ------------------------------------------------------------------------------------- per document


REGION_CHARS = 2000  # body characters read for the region


# signature, event vector, names, figures, places (paragraphs are about, named anywhere), strong figures,
# region
Features = tuple[
    bytes, dict[str, float], list[str], list[int], list[str], list[str], list[int], Region | None
]


def document_features(row: Mapping[str, Any]) -> Features:
    """The pure, per-document part of stage 2 (signature; event vector, names, figures, places; region);
    picklable, so a process pool can compute it while the main process places documents in order."""
    title, body = row["title"] or "", row["body"] or ""
    sig = signature(body if body.strip() else title)
    decoded = decode_signature(sig)  # figures and places: computed once, for reprints and events
    vec, names, facts, about, named, strong = doc_features(
        title, body, facts=decoded.facts, places=(decoded.places, decoded.mentions), strong=decoded.strong
    )
    region = primary_region(title, body[:REGION_CHARS])
    return sig, vec, sorted(names), sorted(facts), sorted(about), sorted(named), sorted(strong), region


def document_stage2(
    row: Mapping[str, Any],
    index: ReprintIndex,
    clusterer: EventClusterer,
    features: Features | None = None,
) -> dict[str, Any]:
    """Place one document: reprint group, event and region. Returns the document columns to write."""
    sig, vec, names, facts, about, named, strong, region = features or document_features(row)
    when = _aware(row["published_at"]) or _aware(row["first_seen_at"])
    group = index.add_signature(row["id"], sig, when, row["source"])
    event_id = clusterer.add(
        row["id"], row["title"] or "", row["body"] or "", when, reprint_group=group,
        features=(vec, names, facts, about, named, strong), label_entry=row.get("platform") == "hotlist",
    )  # fmt: skip
    return {
        "id": row["id"],
        "signature": sig,
        "reprint_group": group,
        "event_id": event_id,
        "region_province": region.province if region else None,
        "region_city": region.city if region else None,
        "region_county": region.county if region else None,
        "region_code": region.adcode if region else None,
    }


def _feature_pool(workers: int):
    """A fork-based process pool for `document_features`, or None (one worker, or no fork on this OS).

    The lazily loaded tables (tokenizer, IDF, divisions) are loaded first so the workers share them."""
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    document_features({"title": "审计署", "body": "北京市审计局发布审计报告"})
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))


# ---------------------------------------------------------------------------------------- per event


def _daily_counts(times: Sequence[datetime], now: datetime, days: int = 14) -> tuple[list[int], int]:
    """Documents in each of the `days` 24-hour bins before the last 24 hours (oldest first), and in the last."""
    bins = [0] * (days + 1)
    for t in times:
        age = (now - t).total_seconds() / 86400.0
        if 0 <= age < days + 1:
            bins[days - int(age)] += 1
    return bins[:-1], bins[-1]


def _doc_region(d: Mapping[str, Any]) -> str:
    province, city, county = d["region_province"], d["region_city"], d["region_county"]
    return "".join(p for p in (province, city if city != province else None, county) if p)


def _region_name(docs: Sequence[Mapping[str, Any]]) -> str | None:
    if len(docs) == 1:  # most events are one post
        return _doc_region(docs[0]) or None
    names: Counter[str] = Counter()
    for d in docs:
        name = _doc_region(d)
        if name:
            names[name] += 1
    if not names:
        return None
    return min(names.items(), key=lambda kv: (-kv[1], kv[0]))[0]


@lru_cache(maxsize=4096)
def _burst(history: tuple[int, ...], current: int) -> Burst:
    """analysis.heat.detect_burst, memoised: most events share a few count patterns (nothing before today)."""
    return detect_burst(list(history), current)


def summarise_event(
    event_id: int,
    docs: Sequence[Mapping[str, Any]],
    *,
    now: datetime,
    previous: Mapping[str, Any] | None,
    texts: Mapping[int, tuple[str, str]],
    text_ids: Sequence[int],
    label: Sequence[str] | None,
    title_doc: int | None,
    response_kinds: Sequence[str],
    rules: ResponseRules,
    history_cap: int,
) -> dict[str, Any]:
    """The `events` row of one event from its documents (pure: everything it reads is passed in)."""
    times = [_aware(d["published_at"]) or _aware(d["first_seen_at"]) for d in docs]
    first_seen = min(_aware(d["first_seen_at"]) for d in docs)
    dated = [(t, d["id"], d) for t, d in zip(times, docs, strict=True) if d["published_at"] is not None]
    first = (
        min(dated, key=lambda x: (x[0], x[1]))[2]
        if dated
        else min(docs, key=lambda d: (d["first_seen_at"], d["id"]))
    )
    groups = {d["reprint_group"] if d["reprint_group"] is not None else d["id"] for d in docs}
    labelled = [d for d in docs if d["sentiment_label"]]
    negative_share = (
        round(sum(d["sentiment_label"] == "neg" for d in labelled) / len(labelled), 4) if labelled else None
    )
    office_critical = sum(1 for d in docs if d["target"] == "office" and d["sentiment_label"] == "neg")
    stats = [
        DocStat(
            source=d["source"],
            level=d["level"] or "self-media",
            published_at=t,
            reposts=d["reposts"] or 0,
            comments=d["comments"] or 0,
            likes=d["likes"] or 0,
            reads=d["reads"] or 0,
            on_hot_list=d["platform"] == "hotlist",
        )  # fmt: skip
        for d, t in zip(docs, times, strict=True)
    ]
    heat = event_heat(stats, now)
    history, current = _daily_counts(times, now)
    burst = _burst(tuple(history), current)

    previous = previous or {}
    cls, reason, rule, terms = (
        previous.get("response_class"), previous.get("response_reason"), previous.get("response_rule"),
        list(previous.get("response_terms") or []),
    )  # fmt: skip
    # a document aimed at the audit office itself makes the event at least class B (61号: answer first)
    target = "office" if any(d["target"] == "office" for d in docs) else None
    if cls != "A":
        for doc_id in text_ids:
            if doc_id not in texts:
                continue
            title, body = texts[doc_id]
            found = classify_response(
                title, body, target=target, heat=heat.heat, negative_share=negative_share, rules=rules
            )
            if _CLASS_RANK[found.cls] > _CLASS_RANK[cls] or (reason is None and found.cls == cls):
                cls, reason, rule, terms = found.cls, found.reason, found.rule, list(found.terms)
            if cls == "A":
                break
    due = next_deadline(cls, first_seen, response_kinds)
    history_points = list(previous.get("heat_history") or [])
    history_points.append([_iso(now), heat.heat])
    title = ""
    if title_doc is not None and title_doc in texts:
        title = texts[title_doc][0] or texts[title_doc][1][:40]
    if not title:
        title = previous.get("title") or first["title"] or ""
    return {
        "id": int(event_id),
        "title": title[:500],
        "keywords": list(label) if label is not None else list(previous.get("keywords") or []),
        "first_seen_at": first_seen,
        "first_published_at": _aware(first["published_at"]),
        "first_doc_id": int(first["id"]),
        "first_source": first["source"],
        "last_seen_at": max(times),
        "doc_count": len(docs),
        "reprint_count": len(docs) - len(groups),
        "source_count": len({d["source"] for d in docs}),
        "negative_share": negative_share,
        "office_critical_count": office_critical,
        "heat": heat.heat,
        "heat_components": heat.components,
        "heat_history": history_points[-history_cap:],
        "is_burst": burst.is_burst,
        "burst_z": burst.z,
        "response_class": cls,
        "response_reason": reason,
        "response_rule": rule,
        "response_terms": terms,
        "deadline_at": due.due if due else None,
        "region": _region_name(docs),
        "updated_at": now,
    }


# ------------------------------------------------------------------------------------------ the run


def _load(engine: Engine) -> tuple[ReprintIndex, EventClusterer, dict[str, Any]]:
    with engine.connect() as conn:
        reprints = q.get_state(conn, STATE_REPRINTS)
        clusters = q.get_state(conn, STATE_EVENTS)
        meta = q.get_state(conn, STATE_META) or {}
    index = ReprintIndex.from_state(reprints) if reprints else ReprintIndex()
    clusterer = EventClusterer.from_state(clusters) if clusters else EventClusterer()
    return index, clusterer, dict(meta)


def _summarise_many(conn, event_ids: Sequence[int], clusterer: EventClusterer | None, now: datetime,
                    config: Stage2Config, rules: ResponseRules) -> list[dict[str, Any]]:  # fmt: skip
    docs_by_event = q.event_documents(conn, event_ids)
    previous = q.get_events(conn, event_ids)
    kinds: dict[int, list[str]] = {}
    responses = q.list_responses(conn, event_ids)
    for eid, kind in zip(responses.get("event_id", []), responses.get("kind", []), strict=True):
        kinds.setdefault(int(eid), []).append(kind)
    plan: dict[int, tuple[list[int], int | None, list[str] | None]] = {}
    for eid in event_ids:
        docs = docs_by_event.get(eid) or []
        if not docs:
            continue
        known = clusterer is not None and eid in clusterer
        reps = clusterer.representatives(eid, config.representatives) if known else []
        dated = [d for d in docs if d["published_at"] is not None] or docs
        first = min(dated, key=lambda d: (d["published_at"] or d["first_seen_at"], d["id"]))["id"]
        text_ids = list(dict.fromkeys([first, *reps]))
        label = clusterer.label(eid, 5) if known else None
        plan[eid] = (text_ids, reps[0] if reps else (first if eid not in previous else None), label)
    texts = q.document_texts(conn, [i for ids, t, _ in plan.values() for i in [*ids, *([t] if t else [])]],
                             config.text_chars)  # fmt: skip
    rows = []
    for eid, (text_ids, title_doc, label) in plan.items():
        rows.append(
            summarise_event(
                eid,
                docs_by_event[eid],
                now=now,
                previous=previous.get(eid),
                texts=texts,
                text_ids=text_ids,
                label=label,
                title_doc=title_doc,
                response_kinds=kinds.get(eid, []),
                rules=rules,
                history_cap=config.history_cap,
            )  # fmt: skip
        )
    return rows


def _place_all(engine: Engine, index: ReprintIndex, clusterer: EventClusterer, config: Stage2Config, pool,
               stats: Stage2Stats, touched: dict[int, None], watermark: float | None):  # fmt: skip
    """Place every pending document batch by batch (features from `pool` when given, the next batch's
    features computed while this one is placed); returns the new watermark and the last (time, id) key."""
    last_key: tuple[datetime, int] | None = None

    def fetch(after):
        with engine.connect() as conn:
            return q.fetch_stage2_batch(conn, config.batch_size, after=after)

    def key_of(row) -> tuple[datetime, int]:
        return (_aware(row["published_at"]) or _aware(row["first_seen_at"]), int(row["id"]))

    def submit(batch):
        if pool is None or not batch:
            return None
        chunk = max(1, len(batch) // (4 * config.workers))
        return pool.map(document_features, batch, chunksize=chunk)

    batch = fetch(None)
    pending_features = submit(batch)
    while batch:
        features = list(pending_features) if pending_features is not None else [None] * len(batch)
        nxt = fetch(key_of(batch[-1]))
        pending_features = submit(nxt)
        results, regroups = [], []
        for row, feat in zip(batch, features, strict=True):
            result = document_stage2(row, index, clusterer, feat)
            if index.last_merged:
                regroups.append((list(index.last_merged), result["reprint_group"]))
            results.append(result)
            touched[int(result["event_id"])] = None
        with engine.begin() as conn:
            q.write_stage2(conn, results)
            for old, new in regroups:
                stats.reprints_merged += q.regroup_reprints(conn, old, new)
        stats.documents += len(batch)
        last_key = key_of(batch[-1])
        t_last = last_key[0].timestamp()
        watermark = t_last if watermark is None else max(watermark, t_last)
        logger.info("stage 2: placed %d documents", stats.documents)
        batch = nxt
    return watermark, last_key


def run_stage2(engine: Engine, *, now: datetime | None = None, config: Stage2Config | None = None,
               rules: ResponseRules | None = None) -> Stage2Stats:  # fmt: skip
    """Place every pending document in reprint groups and events and refresh the events they touch."""
    now = now or datetime.now(UTC)
    config = config or Stage2Config()
    stats = Stage2Stats()
    t0 = time.perf_counter()
    with engine.connect() as conn:
        pending = q.count_stage2_pending(conn)
        meta = dict(q.get_state(conn, STATE_META) or {})
    refreshed = meta.get("heat_refreshed_at")
    refresh_due = refreshed is None or now - datetime.fromisoformat(refreshed) >= timedelta(
        minutes=config.heat_refresh_minutes
    )
    if pending == 0 and not (refresh_due and meta.get("has_events")):
        stats.seconds = time.perf_counter() - t0
        return stats
    rules = rules or load_rules()

    clusterer: EventClusterer | None = None
    touched: dict[int, None] = {}
    last_key: tuple[datetime, int] | None = None
    if pending:
        index, clusterer, meta = _load(engine)
        watermark = meta.get("watermark")
        pool = _feature_pool(config.workers) if pending >= config.parallel_min_docs else None
        try:
            watermark, last_key = _place_all(
                engine, index, clusterer, config, pool, stats, touched, watermark
            )
        finally:
            if pool is not None:
                pool.shutdown()
        if watermark is not None:
            stats.pruned_events = len(clusterer.prune(watermark))
            cutoff = datetime.fromtimestamp(watermark, UTC) - timedelta(days=config.reprint_days)
            stats.pruned_reprint_docs = index.prune(cutoff)
            meta["watermark"] = watermark

    with engine.begin() as conn:
        refresh_ids: list[int] = []
        if refresh_due:
            window = clusterer.window_days if clusterer is not None else 7.0
            refresh_ids = [
                i for i in q.live_event_ids(conn, now - timedelta(days=window)) if i not in touched
            ]
        ids = list(touched) + refresh_ids
        known = q.get_events(conn, list(touched))
        rows = _summarise_many(conn, ids, clusterer, now, config, rules)
        q.upsert_events(conn, rows)
        if pending:
            q.put_state(conn, STATE_REPRINTS, index.to_state(), now)
            q.put_state(conn, STATE_EVENTS, clusterer.to_state(), now)
            q.mark_stage2_done(conn, last_key, now)
        if refresh_due:
            meta["heat_refreshed_at"] = _iso(now)
        meta["has_events"] = bool(meta.get("has_events") or rows)
        q.put_state(conn, STATE_META, meta, now)
    stats.events_touched = len(touched)
    stats.events_new = len(touched) - len(known)
    stats.events_refreshed = len(refresh_ids)
    for r in rows:
        key = r["response_class"] or "none"
        stats.by_class[key] = stats.by_class.get(key, 0) + 1
    stats.seconds = time.perf_counter() - t0
    logger.info(
        "stage 2: %d documents, %d events touched (%d new), %d refreshed, %.2f s",
        stats.documents, stats.events_touched, stats.events_new, stats.events_refreshed, stats.seconds,
    )  # fmt: skip
    return stats


# ------------------------------------------------------------------------------------ the workflow


def change_status(engine: Engine, event_id: int, new: str, by_whom: str, *, now: datetime | None = None,
                  note: str | None = None) -> str:  # fmt: skip
    """Move an event to status `new` (validated by analysis.response.can_transition) and log who did it.

    Returns the old status; raises WorkflowError with a Chinese message when not allowed.
    """
    now = now or datetime.now(UTC)
    by_whom = (by_whom or "").strip()
    if not by_whom:
        raise WorkflowError("请填写操作人")
    with engine.begin() as conn:
        event = q.get_event(conn, event_id)
        if event is None:
            raise WorkflowError(f"事件 {event_id} 不存在")
        old = event["status"]
        if not can_transition(old, new):
            raise WorkflowError(f"状态不能从「{old}」改为「{new}」")
        if not q.set_status(conn, event_id, old, new, by_whom, now, note):
            raise WorkflowError("状态已被他人修改，请刷新后重试")
    return old


def record_response(engine: Engine, event_id: int, kind: str, by_whom: str, *, url: str | None = None,
                    responded_at: datetime | None = None, note: str | None = None,
                    now: datetime | None = None) -> int:  # fmt: skip
    """Log a response (kind, URL, time, who), recompute the next deadline, and move a 待研判 / 处置中 event
    to 已回应 (both steps logged). Returns the response id; raises WorkflowError for bad input."""
    from analysis.response import RESPONSE_KINDS

    now = now or datetime.now(UTC)
    responded_at = responded_at or now
    by_whom = (by_whom or "").strip()
    url = (url or "").strip() or None
    if kind not in RESPONSE_KINDS:
        raise WorkflowError(f"回应方式须为：{'、'.join(RESPONSE_KINDS)}")
    if not by_whom:
        raise WorkflowError("请填写回应人")
    if url is not None and not url.lower().startswith(("http://", "https://")):
        raise WorkflowError("回应链接须以 http:// 或 https:// 开头")
    if responded_at.tzinfo is None:
        raise WorkflowError("回应时间缺少时区")
    with engine.begin() as conn:
        event = q.get_event(conn, event_id)
        if event is None:
            raise WorkflowError(f"事件 {event_id} 不存在")
        response_id = q.add_response(conn, event_id, kind, url, responded_at, by_whom, now, note)
        due = next_deadline(event["response_class"], event["first_seen_at"], q.response_kinds(conn, event_id))
        q.set_deadline(conn, event_id, due.due if due else None, now)
        status = event["status"]
        for step in (STATUS_HANDLING, STATUS_RESPONDED):
            if status in (STATUS_PENDING, STATUS_HANDLING) and can_transition(status, step):
                q.set_status(conn, event_id, status, step, by_whom, now, "记录回应")
                status = step
    return response_id


def reset_stage2(engine: Engine) -> None:
    """Forget stage-2 state so the next run rebuilds groups and events from every document (events rows,
    statuses and responses stay)."""
    with engine.begin() as conn:
        conn.execute(update(documents).values(stage2_at=None))
        for key in (STATE_REPRINTS, STATE_EVENTS, STATE_META):
            q.put_state(conn, key, {}, datetime.now(UTC))


__all__ = [
    "Stage2Config", "Stage2Stats", "WorkflowError", "change_status", "document_stage2", "record_response",
    "reset_stage2", "run_stage2", "summarise_event",
]  # fmt: skip
