"""The analysis job (jobs.analysis) on a small store. Stage 1: idempotent, re-scores on a new model. Stage 2:
reprints and 首发, events, counts, class and deadline, incremental runs that keep people's statuses, a killed
run redone from the previous state. The stories (tests/factories.py) run on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from analysis.opinion.documents import analysis_version
from jobs.analysis import STATE_EVENTS, STATE_REPRINTS, analyze, run_stage2
from jobs.workflows import change_event_status
from store.events import get_event, get_state
from store.schema import documents
from store.users import console_user
from tests.factories import AUDIT_BODY, doc_rows, document, insert_documents, story
from tests.factories import STORY_NOW as NOW


def test_reprints_share_group_event_and_first_publisher_is_earliest(stories) -> None:
    engine, ids = stories
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


def test_emergency_is_class_a_with_five_hour_deadline_from_first_detection(stories) -> None:
    engine, _ = stories
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


def test_second_run_does_nothing_and_new_document_joins_keeping_status(stories) -> None:
    engine, ids = stories
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
    insert_documents(engine, [story("a4", "平山县扶贫资金挪用追踪", AUDIT_BODY + "记者追踪报道。", "南方网", later - timedelta(minutes=30),
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


def test_heat_refresh_of_untouched_live_events_only_when_due(stories) -> None:
    engine, _ = stories
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


def test_killed_run_is_redone_from_previous_state(stories, monkeypatch) -> None:
    engine, _ = stories
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


def test_analyze_is_idempotent_and_rescores_when_the_model_changes(store):
    insert_documents(store, [
        document(1, title="审计发现某县挪用扶贫资金3000万元 多名干部被问责", body="审计署公告显示，某县挪用扶贫资金。" * 5),
        document(2, title="", body="审计局的整改监督形同虚设，问题年年查年年有！", platform="weibo"),
    ])  # fmt: skip
    first = analyze(store, stage2=False)
    assert first.documents == 2
    assert analyze(store, stage2=False).documents == 0
    with store.connect() as conn:
        rows = conn.execute(
            select(documents.c.sentiment_label, documents.c.analysis_version, documents.c.target)
        ).all()
    assert {r.analysis_version for r in rows} == {analysis_version("project")}
    assert {r.target for r in rows} <= {"office", "audited", "other"}
    # documents analysed by other weights (an older model) are analysed again
    with store.begin() as conn:
        conn.execute(update(documents).values(analysis_version="1:project-0000000000"))
    assert analyze(store, stage2=False).documents == 2


QUESTION = "审计机关的整改监督是不是形同虚设？"


def test_question_criticising_the_office_is_negative_and_counted_in_its_event(store):
    """Issue 13: the sentiment model reads this calm rhetorical question as neutral; the target rules see
    criticism of the office, so it is stored negative and the event counts it (负面占比, 涉及审计机关批评)."""
    from analysis.sentiment import get_model

    proba = get_model("project").predict_proba([QUESTION], domain="social")[0]
    insert_documents(store, [
        document("q1", title="", body=QUESTION, platform="weibo", source="微博"),
    ])  # fmt: skip
    analyze(store, now=NOW)
    row = doc_rows(store)["q1"]
    assert (row["target"], row["sentiment_label"]) == ("office", "neg")
    assert row["sentiment_score"] <= min(-0.5, float(proba[2] - proba[0])) + 1e-9
    with store.connect() as conn:
        event = get_event(conn, row["event_id"])
    assert event["office_critical_count"] == 1
    assert event["negative_share"] == pytest.approx(1.0)
    assert event["response_class"] == "B"  # criticism of the office itself: answer first


def test_office_news_that_is_not_criticism_does_not_make_class_b(store):
    insert_documents(store, [
        document("n1", title="市审计局开展普法宣传活动", body="市审计局工作人员走进社区，开展审计法宣传。"),
    ])  # fmt: skip
    analyze(store, now=NOW)
    row = doc_rows(store)["n1"]
    assert row["target"] == "office" and row["sentiment_label"] != "neg"
    with store.connect() as conn:
        event = get_event(conn, row["event_id"])
    assert event["office_critical_count"] == 0 and event["response_class"] != "B"


def test_an_answered_event_raised_to_class_a_is_reopened_with_the_press_conference_due(store) -> None:
    """Re-analysis can raise a class (B → A): an event already 已回应 then owes the press conference, so it goes
    back to 处置中 (logged as the system's change) and its deadline shows again; one not owing anything stays."""
    from sqlalchemy import select

    from config.vocabulary import EVENT_HANDLING, EVENT_RESPONDED, KIND_AUTHORITATIVE_INFO
    from jobs.analysis import REOPEN_NOTE, _reopen_raised
    from store.events import add_response, upsert_events
    from store.schema import audit_log
    from tests.factories import event

    seen = NOW - timedelta(hours=2)
    with store.begin() as conn:
        upsert_events(conn, [event(1, status=EVENT_RESPONDED, response_class="A", first_seen_at=seen),
                             event(2, status=EVENT_RESPONDED, response_class="B", first_seen_at=seen)])  # fmt: skip
        add_response(conn, 1, KIND_AUTHORITATIVE_INFO, None, seen, "李四", seen)
        add_response(conn, 2, KIND_AUTHORITATIVE_INFO, None, seen, "李四", seen)
        _reopen_raised(conn, [{"id": 1, "response_class": "A"}, {"id": 2, "response_class": "B"}], NOW)
    with store.connect() as conn:
        assert get_event(conn, 1)["status"] == EVENT_HANDLING
        assert get_event(conn, 2)["status"] == EVENT_RESPONDED
        log = conn.execute(select(audit_log).where(audit_log.c.entity_id == 1)).mappings().all()
    assert [(r["old_value"], r["new_value"], r["note"]) for r in log] == [(EVENT_RESPONDED, EVENT_HANDLING, REOPEN_NOTE)]
