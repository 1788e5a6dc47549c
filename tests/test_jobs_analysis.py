"""The analysis job (jobs.analysis) on a small store. Stage 1: idempotent, re-scores on a new model. Stage 2:
reprints and 首发, events, counts, class and deadline, incremental runs that keep people's statuses, a killed
run redone from the previous state. The document factory here is shared by other store-backed tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from analysis.documents import analysis_version
from jobs.analysis import STATE_EVENTS, STATE_REPRINTS, analyze, run_stage2
from jobs.workflows import change_event_status
from store.db import open_store
from store.hotspots import get_event, get_state
from store.queries import upsert_documents
from store.schema import documents
from store.users import console_user

NOW = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)

AUDIT_BODY = (
    "审计署12日公布审计结果公告，河北省平山县扶贫办将1260万元扶贫专项资金转入县城投公司，用于道路改造和"
    "办公楼装修。审计还发现平山县虚报易地扶贫搬迁人口，套取搬迁补助资金410万元。平山县表示将立即整改，"
    "追回被挪用资金，并对相关责任人严肃问责。县纪委已介入调查，整改情况将向社会公开。"
)
BLAST_BODY = (
    "10日上午9时许，江苏省盐城市响水县陈家港镇一化工企业发生爆炸事故，事故已造成6人死亡、30余人受伤，"
    "另有3人失联。应急管理部已派出工作组赶赴现场，当地正全力开展搜救和伤员救治工作，事故原因正在调查中。"
)
OFFICE_BODY = (
    "网友发帖称，莒南县审计局在对某乡镇的审计中走过场，审计人员收受被审计单位宴请，对发现的问题"
    "不予披露，帖子引发大量转发。莒南县审计局尚未回应。"
)


def doc(key: str, title: str, body: str, source: str, published: datetime | None, seen: datetime, *,
        level: str = "provincial", sentiment: str = "neu", target: str = "other") -> dict:  # fmt: skip
    return {
        "url": f"https://news.example.cn/{key}.html", "source": source, "platform": "news", "level": level,
        "title": title, "body": body, "published_at": published, "fetched_at": seen, "first_seen_at": seen,
        "plans": ["审计署全国"], "terms": ["审计"], "content_hash": key,
        "_analysis": {"sentiment_label": sentiment, "target": target, "analyzed_at": seen, "analysis_version": "t"},
    }  # fmt: skip


def base_documents() -> list[dict]:
    t = NOW - timedelta(hours=6)
    return [
        # the audit story: published by 新华网 first, crawled from 人民网 first; reprinted twice
        doc("a1", "审计署公告：平山县挪用扶贫资金1260万元", AUDIT_BODY, "人民网", t + timedelta(hours=1),
            t + timedelta(hours=1, minutes=5), level="central", sentiment="neg", target="audited"),
        doc("a2", "平山县扶贫资金被挪用1260万", AUDIT_BODY, "新华网", t, t + timedelta(hours=2), level="central",
            sentiment="neg", target="audited"),
        doc("a3", "转载：平山县挪用扶贫资金", "来源：大众网\n" + AUDIT_BODY, "大众网", t + timedelta(hours=2),
            t + timedelta(hours=2, minutes=30), sentiment="neu", target="audited"),
        # an emergency
        doc("b1", "响水县化工企业爆炸事故致6人死亡", BLAST_BODY, "澎湃新闻", t + timedelta(hours=3),
            t + timedelta(hours=3, minutes=10), sentiment="neg"),
        # criticism of the audit office itself
        doc("c1", "网友质疑莒南县审计局审计走过场", OFFICE_BODY, "微博搜索", t + timedelta(hours=4),
            t + timedelta(hours=4, minutes=1), level="self-media", sentiment="neg", target="office"),
    ]  # fmt: skip


def insert(engine, rows: list[dict]) -> None:
    with engine.begin() as conn:
        upsert_documents(conn, [{k: v for k, v in r.items() if k != "_analysis"} for r in rows])
        for r in rows:
            conn.execute(
                update(documents)
                .where(documents.c.content_hash == r["content_hash"])
                .values(**r["_analysis"])
            )


def build_store(path) -> tuple[object, dict[str, int]]:
    """A store with base_documents() after stage 1; returns the engine and key -> document id."""
    engine = open_store(f"sqlite:///{path}")
    insert(engine, base_documents())
    return engine, ids_by_key(engine)


def ids_by_key(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {h: i for i, h in conn.execute(select(documents.c.id, documents.c.content_hash))}


def doc_rows(engine) -> dict[str, dict]:
    with engine.connect() as conn:
        return {r["content_hash"]: dict(r) for r in conn.execute(select(documents)).mappings()}


@pytest.fixture()
def store(tmp_path):
    engine, ids = build_store(tmp_path / "t.db")
    yield engine, ids
    engine.dispose()


def test_reprints_share_group_event_and_first_publisher_is_earliest(store) -> None:
    engine, ids = store
    stats = run_stage2(engine, now=NOW)
    assert stats.documents == 5
    rows = doc_rows(engine)
    assert rows["a1"]["reprint_group"] == rows["a2"]["reprint_group"] == rows["a3"]["reprint_group"]
    assert rows["a1"]["event_id"] == rows["a2"]["event_id"] == rows["a3"]["event_id"]
    assert rows["b1"]["event_id"] != rows["a1"]["event_id"] != rows["c1"]["event_id"]
    assert all(r["stage2_at"] is not None and r["signature"] for r in rows.values())
    with engine.connect() as conn:
        event = get_event(conn, rows["a1"]["event_id"])
    assert event["first_doc_id"] == ids["a2"] and event["first_source"] == "新华网"  # published first
    # the deadline clock: first *detection* (人民网's copy was stored first), not publication
    assert event["first_seen_at"] == rows["a1"]["first_seen_at"]
    assert (event["doc_count"], event["reprint_count"], event["source_count"]) == (3, 2, 3)
    assert event["negative_share"] == pytest.approx(2 / 3, abs=1e-3)
    assert event["heat"] > 0 and set(event["heat_components"]) >= {"reprints", "sources"}
    assert len(event["heat_history"]) == 1 and event["status"] == "待研判"
    assert "扶贫资金" in "".join(event["keywords"])


def test_emergency_is_class_a_with_five_hour_deadline_from_first_detection(store) -> None:
    engine, _ = store
    run_stage2(engine, now=NOW)
    rows = doc_rows(engine)
    with engine.connect() as conn:
        blast = get_event(conn, rows["b1"]["event_id"])
        office = get_event(conn, rows["c1"]["event_id"])
    assert blast["response_class"] == "A" and blast["response_rule"].startswith("A.")
    assert blast["deadline_at"] == rows["b1"]["first_seen_at"] + timedelta(hours=5)
    assert "6人死亡" in blast["response_reason"]
    assert office["response_class"] == "B" and office["office_critical_count"] == 1
    assert office["deadline_at"] == rows["c1"]["first_seen_at"] + timedelta(hours=48)
    assert office["region"] and "莒南县" in office["region"]
    assert rows["c1"]["region_county"] == "莒南县" and rows["c1"]["region_code"].startswith("3713")


def test_second_run_does_nothing_and_new_document_joins_keeping_status(store) -> None:
    engine, ids = store
    run_stage2(engine, now=NOW)
    rows = doc_rows(engine)
    eid = rows["a1"]["event_id"]
    change_event_status(engine, eid, "处置中", console_user("张三"), now=NOW)
    again = run_stage2(engine, now=NOW + timedelta(minutes=1))
    assert again.documents == 0 and again.events_touched == 0
    with engine.connect() as conn:
        assert len(get_event(conn, eid)["heat_history"]) == 1
        assert get_state(conn, STATE_REPRINTS) and get_state(conn, STATE_EVENTS)
    later = NOW + timedelta(hours=1)
    insert(engine, [doc("a4", "平山县扶贫资金挪用追踪", AUDIT_BODY + "记者追踪报道。", "南方网", later - timedelta(minutes=30),
                        later - timedelta(minutes=20), sentiment="neg", target="audited")])  # fmt: skip
    third = run_stage2(engine, now=later)
    assert third.documents == 1 and third.events_touched == 1 and third.events_new == 0
    rows = doc_rows(engine)
    assert rows["a4"]["event_id"] == eid and rows["a4"]["reprint_group"] == rows["a1"]["reprint_group"]
    with engine.connect() as conn:
        event = get_event(conn, eid)
    assert event["status"] == "处置中"  # never overwritten by analysis
    assert event["doc_count"] == 4 and event["source_count"] == 4
    assert [h for _, h in event["heat_history"]][-1] == event["heat"] and len(event["heat_history"]) == 2


def test_heat_refresh_of_untouched_live_events_only_when_due(store) -> None:
    engine, _ = store
    run_stage2(engine, now=NOW)
    rows = doc_rows(engine)
    soon = run_stage2(engine, now=NOW + timedelta(minutes=10))
    assert soon.events_refreshed == 0
    later = run_stage2(engine, now=NOW + timedelta(hours=12))
    assert later.events_refreshed == 3 and later.documents == 0
    with engine.connect() as conn:
        event = get_event(conn, rows["b1"]["event_id"])
    assert len(event["heat_history"]) == 2 and event["heat_history"][1][1] < event["heat_history"][0][1]
    assert event["response_class"] == "A"  # a class is never lowered as the story cools


def test_killed_run_is_redone_from_previous_state(store, monkeypatch) -> None:
    engine, _ = store
    import jobs.analysis as hs

    def boom(*args, **kwargs):
        raise RuntimeError("killed")

    monkeypatch.setattr(hs, "_summarise_many", boom)
    with pytest.raises(RuntimeError):
        run_stage2(engine, now=NOW)
    assert all(r["stage2_at"] is None for r in doc_rows(engine).values())
    monkeypatch.undo()
    assert run_stage2(engine, now=NOW).documents == 5


# ------------------------------------------------------------------------------------------ stage 1


def _doc(i, title, body, platform="news"):
    now = datetime(2026, 11, 21, tzinfo=UTC)
    return {"url": f"http://a.cn/{i}", "source": "s", "platform": platform, "level": "county", "title": title,
            "body": body, "published_at": now, "fetched_at": now, "plans": ["p"], "terms": [], "content_hash": str(i)}  # fmt: skip


def test_analyze_is_idempotent_and_rescores_when_the_model_changes(tmp_path):
    engine = open_store(f"sqlite:///{tmp_path}/a.db")
    with engine.begin() as conn:
        upsert_documents(conn, [
            _doc(1, "审计发现某县挪用扶贫资金3000万元 多名干部被问责", "审计署公告显示，某县挪用扶贫资金。" * 5),
            _doc(2, "", "审计局的整改监督形同虚设，问题年年查年年有！", "weibo"),
        ])  # fmt: skip
    first = analyze(engine, stage2=False)
    assert first.documents == 2
    assert analyze(engine, stage2=False).documents == 0
    with engine.connect() as conn:
        rows = conn.execute(
            select(documents.c.sentiment_label, documents.c.analysis_version, documents.c.target)
        ).all()
    assert {r.analysis_version for r in rows} == {analysis_version("project")}
    assert {r.target for r in rows} <= {"office", "audited", "other"}
    # documents analysed by other weights (an older model) are analysed again
    with engine.begin() as conn:
        conn.execute(update(documents).values(analysis_version="1:project-0000000000"))
    assert analyze(engine, stage2=False).documents == 2
    engine.dispose()
