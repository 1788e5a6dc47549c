"""store.events: analysis state round trip, stage-2 batches in time order with keyset paging, event
upserts that keep people's columns, regrouping reprints."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from store import events as q
from store.schema import documents, events
from tests.factories import STORY_NOW as NOW
from tests.factories import event, insert_documents, story


def test_state_round_trip_and_replace(stories) -> None:
    engine, _ = stories
    with engine.begin() as conn:
        assert q.get_state(conn, "k") is None
        q.put_state(conn, "k", {"a": [1, 2]}, NOW)
        q.put_state(conn, "k", {"a": [3]}, NOW)
    with engine.connect() as conn:
        assert q.get_state(conn, "k") == {"a": [3]}


def test_stage2_batches_follow_publication_time_then_first_seen(stories) -> None:
    engine, ids = stories
    undated = story("u1", "无日期", "正文", "某网", None, NOW - timedelta(hours=5, minutes=30))
    unanalysed = story("n1", "未分析", "正文", "某网", NOW, NOW)
    insert_documents(engine, [undated])
    with engine.begin() as conn:
        q.put_state(conn, "x", {}, NOW)
        conn.execute(update(documents).where(documents.c.content_hash == "u1").values(published_at=None))
    insert_documents(engine, [unanalysed])
    with engine.begin() as conn:
        conn.execute(update(documents).where(documents.c.content_hash == "n1").values(analyzed_at=None))
    with engine.connect() as conn:
        assert q.count_stage2_pending(conn) == 6  # n1 waits for stage 1
        first = q.fetch_stage2_batch(conn, 3)
        key = (first[-1]["published_at"] or first[-1]["first_seen_at"], first[-1]["id"])
        rest = q.fetch_stage2_batch(conn, 10, after=key)
    order = [r["title"] for r in first + rest]
    assert order[0] == "平山县扶贫资金被挪用1260万" and order[1] == "无日期"  # a2 at t, u1 seen at t+30min
    assert len(first + rest) == 6 and ids["a2"] == first[0]["id"]
    with engine.begin() as conn:
        assert q.mark_stage2_done(conn, key, NOW) == 3
        assert q.count_stage2_pending(conn) == 3


def test_upsert_events_refreshes_computed_columns_only(stories) -> None:
    engine, ids = stories
    row = event(ids["a1"], title="旧标题", first_seen_at=NOW, last_seen_at=NOW, heat=10.0, updated_at=NOW)
    with engine.begin() as conn:
        q.upsert_events(conn, [row])
        conn.execute(update(events).values(status="处置中", assignee="张三", notes="跟进"))
        q.upsert_events(conn, [dict(row, title="新标题", heat=20.0)])
    with engine.connect() as conn:
        ev = q.get_event(conn, ids["a1"])
    assert (ev["title"], ev["heat"], ev["status"], ev["assignee"], ev["notes"]) == (
        "新标题",
        20.0,
        "处置中",
        "张三",
        "跟进",
    )


def test_regroup_and_status_guard(stories) -> None:
    engine, ids = stories
    with engine.begin() as conn:
        conn.execute(
            update(documents)
            .where(documents.c.id.in_([ids["a2"], ids["a3"]]))
            .values(reprint_group=ids["a2"])
        )
        assert q.regroup_reprints(conn, [ids["a2"]], ids["a1"]) == 2
        groups = set(
            conn.execute(
                select(documents.c.reprint_group).where(documents.c.reprint_group.is_not(None))
            ).scalars()
        )
        assert groups == {ids["a1"]}
        q.upsert_events(conn, [event(1, first_seen_at=NOW, last_seen_at=NOW, updated_at=NOW)])
        assert q.set_status(conn, 1, "待研判", "处置中", NOW)
        assert not q.set_status(conn, 1, "待研判", "无需回应", NOW)  # someone changed it meanwhile
        assert len(q.event_audit_log(conn, 1)) == 0  # audit rows are the workflow's (test_jobs_workflows)


def test_list_events_ranks_by_urgency_overdue_first_then_nearest_deadline_then_heat(store) -> None:
    from analysis.opinion.response import urgency_key

    h = timedelta(hours=1)
    rows = [  # id: (status, deadline, heat)
        event(1, heat=90.0, status="待研判"),  # no deadline, hottest
        event(2, heat=10.0, status="处置中", deadline_at=NOW + 5 * h),
        event(3, heat=20.0, status="待研判", deadline_at=NOW - 2 * h),  # overdue longest
        event(4, heat=30.0, status="待研判", deadline_at=NOW + 1 * h),
        event(5, heat=80.0, status="无需回应", deadline_at=NOW - 9 * h),  # closed: its deadline no longer runs
        event(6, heat=50.0, status="待研判", deadline_at=NOW - 1 * h),
        event(7, heat=95.0, status="已回应"),
    ]
    with store.begin() as conn:
        q.upsert_events(conn, rows)
        ranked = q.list_events(conn)["id"].tolist()
    assert ranked == [3, 6, 4, 2, 7, 1, 5]
    by_key = sorted(rows, key=lambda r: urgency_key(r["status"], r.get("deadline_at"), r["heat"]))
    assert [r["id"] for r in by_key] == ranked  # the pure rule and the SQL agree
