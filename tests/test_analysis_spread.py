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


def test_spread_of_a_stored_event_on_both_backends(stories):
    """The audit story after stage 2 (SQLite and PostgreSQL): 新华网 published first, 人民网 and 大众网 reprinted
    it, so 新华网 leads the 核心传播节点 with two reprints."""
    from jobs.analysis import run_stage2
    from store import events as store_events
    from tests.factories import STORY_NOW

    engine, ids = stories
    run_stage2(engine, now=STORY_NOW)
    with engine.connect() as conn:
        event_id = conn.exec_driver_sql(f"SELECT event_id FROM documents WHERE id = {ids['a2']}").scalar()
        event = store_events.get_event(conn, event_id)
        docs = store_events.event_documents(conn, [event_id])[event_id]
    nodes = sp.nodes(docs, event["first_doc_id"])
    assert [(n.source, n.reprinted, n.reprints, n.is_first) for n in nodes] == [
        ("新华网", 2, 0, True), ("人民网", 0, 1, False), ("大众网", 0, 1, False),
    ]  # fmt: skip
    assert [s.stage for s in sp.timeline(docs, event["first_doc_id"])] == ["首发", "转载", "转载"]
