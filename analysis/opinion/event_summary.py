"""Stage 2 of analysis, per event and pure: the `events` row of one event from its documents — title and key
phrases, first detection (the deadline clock), 首发, counts, negative share, criticism of the audit office,
heat with its components and history, burst, response class with reason / rule / terms, the next deadline
and region. Everything it reads is passed in; a response class is never lowered."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from analysis.opinion.heat import Burst, DocStat, detect_burst, event_heat
from analysis.opinion.placement import aware
from analysis.opinion.response import ResponseRules, classify_response, next_deadline

logger = logging.getLogger(__name__)

_CLASS_RANK = {None: 0, "B": 1, "A": 2}


def iso_utc(value: datetime) -> str:
    """`value` in UTC as ISO text to the second (heat-history points, state timestamps)."""
    return value.astimezone(UTC).isoformat(timespec="seconds")


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
    """analysis.opinion.heat.detect_burst, memoised: most events share a few count patterns (nothing before today)."""
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
    times = [aware(d["published_at"]) or aware(d["first_seen_at"]) for d in docs]
    first_seen = min(aware(d["first_seen_at"]) for d in docs)
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
    # a document criticising the audit office itself (target office, negative) makes the event at least
    # class B (61号: answer first); the office's own neutral news does not
    target = "office" if office_critical else None
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
    history_points.append([iso_utc(now), heat.heat])
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
        "first_published_at": aware(first["published_at"]),
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
