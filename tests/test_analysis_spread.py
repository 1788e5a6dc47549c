"""analysis.opinion.spread: stages along the timeline (首发, 转载 with its original, 登上热榜, 报道), cumulative
documents by level, and the ranking of the 核心传播节点 (被转载, engagement, reads, level, first seen)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from analysis.opinion import spread as sp

T = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def doc(i, source, level, hours, group=None, platform="news", published=True, **eng):
    when = T + timedelta(hours=hours)
    return {"id": i, "source": source, "level": level, "platform": platform, "reprint_group": group,
            "published_at": when if published else None, "first_seen_at": when, **eng}  # fmt: skip


DOCS = [
    doc(3, "人民网", "central", 1, group=10, reposts=5),
    doc(10, "新华网", "central", 0, group=10, reads=900),
    doc(4, "大众网", "provincial", 2, group=10),
    doc(5, "微博热搜", "central", 3, platform="hotlist"),
    doc(6, "某自媒体", "self-media", 4, likes=50, comments=30),
    doc(7, "某自媒体", "self-media", 5, group=6),  # group of one: not a reprint
    doc(8, "大众网", "provincial", 6, published=False),
]


def test_timeline_names_first_reprints_and_hot_list():
    steps = sp.timeline(DOCS, first_doc_id=10)
    assert [(s.doc["id"], s.stage, s.original) for s in steps] == [
        (10, "首发", None), (3, "转载", 10), (4, "转载", 10), (5, "登上热榜", None), (6, "报道", None),
        (7, "报道", None), (8, "报道", None),
    ]  # fmt: skip
    # a hot-list source named by configuration counts as a hot-list appearance too
    assert sp.timeline(DOCS, 10, {"某自媒体"})[4].stage == "登上热榜"
    # an unknown 首发 id falls back to the earliest document
    assert sp.timeline(DOCS, 999)[0].doc["id"] == 10


def test_cumulative_by_level_counts_per_level_in_time_order():
    assert [(lv, n) for _t, lv, n in sp.cumulative_by_level(DOCS)] == [
        ("central", 1), ("central", 2), ("provincial", 1), ("central", 3), ("self-media", 1),
        ("self-media", 2), ("provincial", 2),
    ]  # fmt: skip


def test_nodes_rank_by_reprinted_then_engagement():
    nodes = sp.nodes(DOCS, 10)
    assert [n.source for n in nodes] == ["新华网", "某自媒体", "人民网", "微博热搜", "大众网"]
    first = nodes[0]
    assert (first.reprinted, first.reprints, first.reads, first.is_first, first.doc_ids) == (2, 0, 900, True, [10])
    media = nodes[1]
    assert (media.documents, media.engagement, media.reprinted) == (2, 80, 0)
    dazhong = next(n for n in nodes if n.source == "大众网")
    assert (dazhong.documents, dazhong.reprints, dazhong.doc_ids) == (2, 1, [4, 8])
    assert next(n for n in nodes if n.source == "微博热搜").hot == 1
    assert sp.nodes([], None) == []
