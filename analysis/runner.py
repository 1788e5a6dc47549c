"""Batch, incremental analysis. Stage 1: documents not analysed by the current version get keywords,
sentiment and target, written back in batches. Stage 2 (analysis.hotspots): documents not yet placed get
reprint groups, events, heat and response classes. Running it twice changes nothing."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import numpy as np
from sqlalchemy.engine import Engine

from analysis.hotspots import Stage2Config, Stage2Stats, run_stage2
from analysis.sentiment import article_text, get_model, model_version
from analysis.target import classify_target
from analysis.text import extract_keywords
from store.queries import finish_analysis_run, iter_unanalyzed, start_analysis_run, write_analysis

logger = logging.getLogger(__name__)

PIPELINE_VERSION = "1"
SENTIMENT_LEAD_CHARS = 200  # body characters scored with the title


@dataclass
class AnalysisStats:
    documents: int = 0
    seconds: float = 0.0
    by_sentiment: dict[str, int] = field(default_factory=dict)
    by_target: dict[str, int] = field(default_factory=dict)
    stage1_seconds: float = 0.0
    stage2: Stage2Stats | None = None


def analysis_version(sentiment_model: str) -> str:
    """Pipeline version plus the sentiment model's weights: a new model re-scores stored documents."""
    return f"{PIPELINE_VERSION}:{model_version(sentiment_model)}"[:32]


SOCIAL_PLATFORMS = frozenset({"weibo", "forum", "video"})


def sentiment_input(title: str, body: str, platform: str) -> tuple[str, str]:
    """(text, domain) the sentiment model reads: a post whole with the social head; an article by its
    headline (its lead only when the headline is missing or tiny) with the news head — measured best."""
    if platform in SOCIAL_PLATFORMS:
        return (body or title)[:500], "social"
    return article_text(title, body, SENTIMENT_LEAD_CHARS), "news"


def _predict(model, rows: list[dict]):
    """Probabilities for every row, each domain scored in one batch."""
    inputs = [sentiment_input(r["title"] or "", r["body"] or "", r["platform"]) for r in rows]
    probs = np.zeros((len(rows), 3))
    for domain in ("news", "social"):
        idx = [i for i, (_, d) in enumerate(inputs) if d == domain]
        if idx:
            texts = [inputs[i][0] for i in idx]
            probs[idx] = model.predict_proba(texts, domain=domain)
    return probs


def analyze_batch(rows: list[dict], *, model, keywords_k: int, version: str, now: datetime) -> list[dict]:
    probs = _predict(model, rows)
    labels = ("neg", "neu", "pos")
    out = []
    for r, p in zip(rows, probs, strict=True):
        label = labels[int(p.argmax())]
        target = classify_target(r["title"] or "", r["body"] or "")
        out.append(
            {
                "id": r["id"],
                "keywords": extract_keywords(f"{r['title']}\n{r['body']}", keywords_k),
                "sentiment_label": label,
                "sentiment_score": round(float(p[2] - p[0]), 4),
                "sentiment_model": model.name,
                "target": target.target,
                "analyzed_at": now,
                "analysis_version": version,
            }
        )
    return out


def analyze(engine: Engine, *, sentiment_model: str = "project", batch_size: int = 500, keywords_k: int = 8,
            now: datetime | None = None, stage2: bool = True, stage2_config: Stage2Config | None = None,
            workers: int | None = None) -> AnalysisStats:  # fmt: skip
    """Analyse every document the current version has not seen, then (unless `stage2` is False) place the
    analysed documents in reprint groups and events; returns what was done.

    `workers`: processes for stage 2's per-document features on large backlogs (default: up to 2 cores).
    """
    now = now or datetime.now(UTC)
    version = analysis_version(sentiment_model)
    stats = AnalysisStats()
    t0 = time.perf_counter()
    model = None
    run_id = None
    for rows in iter_unanalyzed(engine, version, batch_size):
        if model is None:
            model = get_model(sentiment_model)
            with engine.begin() as conn:
                run_id = start_analysis_run(conn, version, now)
        results = analyze_batch(rows, model=model, keywords_k=keywords_k, version=version, now=now)
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
    return stats
