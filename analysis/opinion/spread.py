"""How an event spread (传播): a timeline from the 首发 through reprints and hot-list appearances, cumulative
documents by source level, and the key spreading sources (核心传播节点).

Pure: the event's documents (dicts with id, source, level, platform, published_at, first_seen_at,
reprint_group, reposts, comments, likes, reads) in, plain records out. A document's time is published_at,
else first_seen_at. Within a reprint group (analysis.opinion.reprints) the earliest document is the
original and every later one a reprint of it; a source's 被转载 counts the reprints of its originals, its
转载 the reprints it published. A hot-list appearance is a document on a hot-list platform or from a
hot-list source. Sources are ranked by 被转载, then engagement (reposts + comments + likes), then reads,
then level (central first), then who appeared first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

LEVEL_ORDER = ("central", "provincial", "municipal", "county", "official", "self-media")
STAGE_FIRST = "首发"
STAGE_HOT = "登上热榜"
STAGE_REPRINT = "转载"
STAGE_REPORT = "报道"  # a document of the event that is neither the 首发, a reprint nor a hot-list entry
HOTLIST_PLATFORM = "hotlist"


def doc_time(d: dict[str, Any]) -> datetime:
    return d.get("published_at") or d["first_seen_at"]


def engagement(d: dict[str, Any]) -> int:
    return sum(int(d.get(k) or 0) for k in ("reposts", "comments", "likes"))


def level_rank(level: str | None) -> int:
    return LEVEL_ORDER.index(level) if level in LEVEL_ORDER else len(LEVEL_ORDER)


def _ordered(docs: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(docs, key=lambda d: (doc_time(d), int(d["id"])))


def originals(docs: Sequence[dict[str, Any]]) -> dict[int, int]:
    """Reprint id -> the id of its group's original (the group's earliest document)."""
    first_of: dict[Any, int] = {}
    out: dict[int, int] = {}
    for d in _ordered(docs):
        group = d.get("reprint_group")
        if group is None:
            continue
        if group in first_of:
            out[int(d["id"])] = first_of[group]
        else:
            first_of[group] = int(d["id"])
    return out


def is_hot(d: dict[str, Any], hot_sources: set[str] | frozenset[str] = frozenset()) -> bool:
    return d.get("platform") == HOTLIST_PLATFORM or d.get("source") in hot_sources


@dataclass(frozen=True)
class Step:
    """One document on the timeline: its stage and, for a reprint, the id of the original."""

    doc: dict[str, Any]
    stage: str
    original: int | None = None


def timeline(
    docs: Sequence[dict[str, Any]], first_doc_id: int | None, hot_sources: set[str] | frozenset[str] = frozenset()
) -> list[Step]:
    """Every document, oldest first, with its stage (首发 / 登上热榜 / 转载 / 报道)."""
    reprint_of = originals(docs)
    ordered = _ordered(docs)
    first = first_doc_id if any(int(d["id"]) == first_doc_id for d in ordered) else None
    if first is None and ordered:
        first = int(ordered[0]["id"])
    steps = []
    for d in ordered:
        i = int(d["id"])
        if i == first:
            steps.append(Step(d, STAGE_FIRST))
        elif is_hot(d, hot_sources):
            steps.append(Step(d, STAGE_HOT))
        elif i in reprint_of:
            steps.append(Step(d, STAGE_REPRINT, reprint_of[i]))
        else:
            steps.append(Step(d, STAGE_REPORT))
    return steps


def cumulative_by_level(docs: Sequence[dict[str, Any]]) -> list[tuple[datetime, str | None, int]]:
    """(time, level, documents of that level so far) at each document, oldest first (a step chart)."""
    seen: dict[str | None, int] = {}
    out = []
    for d in _ordered(docs):
        level = d.get("level")
        seen[level] = seen.get(level, 0) + 1
        out.append((doc_time(d), level, seen[level]))
    return out


@dataclass
class Node:
    """One source's part in the spread."""

    source: str
    level: str | None
    documents: int = 0
    reprinted: int = 0  # 被转载: later reprints of this source's originals
    reprints: int = 0  # 转载: this source's documents that reprint an earlier one
    engagement: int = 0  # reposts + comments + likes
    reads: int = 0
    hot: int = 0  # hot-list appearances
    first_at: datetime | None = None
    is_first: bool = False  # published the 首发
    doc_ids: list[int] = field(default_factory=list)


def nodes(
    docs: Sequence[dict[str, Any]], first_doc_id: int | None, hot_sources: set[str] | frozenset[str] = frozenset()
) -> list[Node]:
    """Every source of the event as a Node, ranked (see the module docstring)."""
    steps = timeline(docs, first_doc_id, hot_sources)
    by_id = {int(s.doc["id"]): s.doc for s in steps}
    out: dict[str, Node] = {}
    for s in steps:
        d = s.doc
        node = out.setdefault(d["source"], Node(source=d["source"], level=d.get("level")))
        node.documents += 1
        node.doc_ids.append(int(d["id"]))
        node.engagement += engagement(d)
        node.reads += int(d.get("reads") or 0)
        node.hot += s.stage == STAGE_HOT
        node.is_first = node.is_first or s.stage == STAGE_FIRST
        if node.first_at is None:
            node.first_at = doc_time(d)
        if s.original is not None:
            node.reprints += 1
            out_source = by_id[s.original]["source"]
            out.setdefault(out_source, Node(source=out_source, level=by_id[s.original].get("level")))
            out[out_source].reprinted += 1
    return sorted(
        out.values(),
        key=lambda n: (-n.reprinted, -n.engagement, -n.reads, level_rank(n.level), n.first_at, n.source),
    )
