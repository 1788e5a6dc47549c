"""The workflows (jobs.workflows): event status and responses, candidate status and hand-added candidates —
one transition table per entity, one error type, the acting user required, and every change written to
the audit log by the one writer (store.audit.log_action), never a refused one."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

import jobs.workflows as wf
from jobs.analysis import run_stage2
from jobs.workflows import (
    ENTITY_CANDIDATE,
    ENTITY_EVENT,
    WorkflowError,
    add_candidate,
    can_transition,
    change_candidate_status,
    change_event_status,
    next_statuses,
    record_response,
)
from store import events as q
from store.audit import log_action
from store.events import get_event, list_responses
from store.schema import audit_log
from store.sitewatch import get_candidate, history, upsert_candidate
from store.users import User, console_user
from tests.factories import STORY_NOW as NOW
from tests.factories import doc_rows

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


@pytest.fixture
def engine(store):
    """conftest's store (SQLite and PostgreSQL), by the name these tests use."""
    return store


def _audit_rows(engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(audit_log).order_by(audit_log.c.id)).mappings()]


# ------------------------------------------------------------------------------------------ tables


def test_event_status_transitions():
    assert can_transition(ENTITY_EVENT, "待研判", "处置中") and can_transition(
        ENTITY_EVENT, "处置中", "已回应"
    )
    assert can_transition(ENTITY_EVENT, "已回应", "已结束")
    assert can_transition(ENTITY_EVENT, "待研判", "无需回应") and can_transition(
        ENTITY_EVENT, "处置中", "无需回应"
    )
    assert not can_transition(ENTITY_EVENT, "待研判", "已回应")
    assert not can_transition(ENTITY_EVENT, "已结束", "处置中")
    assert not can_transition(ENTITY_EVENT, "无需回应", "已结束")
    assert not can_transition(ENTITY_EVENT, "未知", "处置中")
    assert next_statuses(ENTITY_EVENT, "待研判") == ("处置中", "无需回应")  # in workflow order


def test_candidate_status_transitions():
    assert next_statuses(ENTITY_CANDIDATE, "待核实") == ("已报送", "误报")
    assert next_statuses(ENTITY_CANDIDATE, "已报送") == ("已处置", "误报", "待核实")
    assert next_statuses(ENTITY_CANDIDATE, "已处置") == ("待核实",) == next_statuses(ENTITY_CANDIDATE, "误报")
    assert not can_transition(ENTITY_CANDIDATE, "待核实", "已处置")
    assert next_statuses(ENTITY_CANDIDATE, "未知") == ()


# ------------------------------------------------------------------------------------------ events


def test_status_workflow_is_validated_and_logged(stories) -> None:
    engine, _ = stories
    run_stage2(engine, now=NOW)
    eid = doc_rows(engine)["b1"]["event_id"]
    with pytest.raises(WorkflowError, match="不能"):
        change_event_status(engine, eid, "已结束", console_user("张三"), now=NOW)
    with pytest.raises(WorkflowError, match="操作人"):
        change_event_status(engine, eid, "处置中", console_user("  "), now=NOW)
    assert change_event_status(engine, eid, "处置中", console_user("张三"), now=NOW) == "待研判"
    with engine.connect() as conn:
        log = conn.execute(select(audit_log)).mappings().all()
    assert [(r["old_value"], r["new_value"], r["by_whom"]) for r in log] == [("待研判", "处置中", "张三")]


def test_concurrent_status_change_is_refused_and_not_logged(stories, monkeypatch) -> None:
    engine, _ = stories
    run_stage2(engine, now=NOW)
    eid = doc_rows(engine)["b1"]["event_id"]
    real_get_event = q.get_event

    def stale_read(conn, event_id, **kw):  # someone else moved the event after we read it
        event = real_get_event(conn, event_id, **kw)
        assert q.set_status(conn, event_id, "待研判", "处置中", NOW)
        log_action(conn, ENTITY_EVENT, event_id, "status", "待研判", "处置中", "张三", NOW)
        return event

    monkeypatch.setattr(wf.events_store, "get_event", stale_read)
    with pytest.raises(WorkflowError, match="已被他人修改"):
        change_event_status(engine, eid, "无需回应", console_user("李四"), now=NOW)
    monkeypatch.undo()
    # the refused change wrote nothing (its transaction, the simulated rival's change with it, rolled back);
    # the store's conditional update applies once, and only the workflow writes the audit row
    with engine.begin() as conn:
        assert q.set_status(conn, eid, "待研判", "处置中", NOW)
        assert not q.set_status(conn, eid, "待研判", "无需回应", NOW)  # someone changed it meanwhile
    change_event_status(engine, eid, "无需回应", console_user("李四"), now=NOW)
    with engine.connect() as conn:
        assert len(q.event_audit_log(conn, eid)) == 1


def test_response_moves_deadline_and_status(stories) -> None:
    engine, _ = stories
    run_stage2(engine, now=NOW)
    rows = doc_rows(engine)
    eid = rows["b1"]["event_id"]
    with pytest.raises(WorkflowError):
        record_response(engine, eid, "发布权威信息", console_user("李四"), url="javascript:alert(1)", now=NOW)
    with pytest.raises(WorkflowError):
        record_response(engine, eid, "发朋友圈", console_user("李四"), now=NOW)
    record_response(
        engine, eid, "发布权威信息", console_user("李四"), url="https://www.example.gov.cn/r.html", now=NOW
    )
    with engine.connect() as conn:
        event = get_event(conn, eid)
        responses = list_responses(conn, [eid])
    # authoritative information discharges the 5-hour deadline; the press conference (24 h) is still due, so
    # the class-A event stays 处置中 with the 24-hour countdown running
    assert event["response_class"] == "A"
    assert event["deadline_at"] == rows["b1"]["first_seen_at"] + timedelta(hours=24)
    assert event["status"] == "处置中"
    assert responses["kind"].tolist() == ["发布权威信息"] and responses["by_whom"].tolist() == ["李四"]
    with pytest.raises(WorkflowError, match="尚未记录召开新闻发布会"):
        change_event_status(engine, eid, "已回应", console_user("李四"), now=NOW)
    record_response(engine, eid, "新闻发布会", console_user("王五"), now=NOW + timedelta(hours=1))
    with engine.connect() as conn:
        event = get_event(conn, eid)
    assert event["status"] == "已回应" and event["deadline_at"] is None
    log = _audit_rows(engine)
    assert [(r["action"], r["old_value"], r["new_value"], r["by_whom"], r["note"]) for r in log] == [
        ("response", None, "发布权威信息 https://www.example.gov.cn/r.html", "李四", None),
        ("status", "待研判", "处置中", "李四", "记录回应"),
        ("response", None, "新闻发布会", "王五", None),
        ("status", "处置中", "已回应", "王五", "记录回应"),
    ]


def test_class_b_event_is_answered_by_one_response(stories) -> None:
    engine, _ = stories
    run_stage2(engine, now=NOW)
    eid = doc_rows(engine)["c1"]["event_id"]
    with engine.connect() as conn:
        assert get_event(conn, eid)["response_class"] == "B"
    change_event_status(engine, eid, "处置中", console_user("李四"), now=NOW)
    with pytest.raises(WorkflowError, match="尚未记录作出回应"):  # no response yet: not 已回应 by hand either
        change_event_status(engine, eid, "已回应", console_user("李四"), now=NOW)
    record_response(engine, eid, "澄清", console_user("李四"), now=NOW)
    with engine.connect() as conn:
        event = get_event(conn, eid)
    assert event["status"] == "已回应" and event["deadline_at"] is None


def test_response_time_in_the_future_is_refused(stories) -> None:
    engine, _ = stories
    run_stage2(engine, now=NOW)
    eid = doc_rows(engine)["b1"]["event_id"]
    before = _audit_rows(engine)
    with pytest.raises(WorkflowError, match="回应时间不能晚于当前时间"):
        record_response(engine, eid, "新闻发布会", console_user("李四"), now=NOW,
                        responded_at=datetime(2030, 1, 1, tzinfo=UTC))  # fmt: skip
    with pytest.raises(WorkflowError, match="回应时间不能晚于当前时间"):
        record_response(engine, eid, "新闻发布会", console_user("李四"), now=NOW,
                        responded_at=NOW + timedelta(minutes=6))  # fmt: skip
    with engine.connect() as conn:
        event = get_event(conn, eid)
        assert list_responses(conn, [eid]).empty
    assert event["status"] == "待研判" and event["deadline_at"] is not None and _audit_rows(engine) == before
    # a clock a little fast is tolerated
    record_response(engine, eid, "新闻发布会", console_user("李四"), now=NOW, responded_at=NOW + timedelta(minutes=3))
    with engine.connect() as conn:
        assert get_event(conn, eid)["status"] == "已回应"


def _account(engine, username: str, role: str, name: str, disabled: bool = False) -> User:
    from store import users

    with engine.begin() as conn:
        uid = users.add_user(conn, username=username, display_name=name, role=role, password_hash="x", now=NOW)
        if disabled:
            users.update_user(conn, uid, disabled=True)
    return User(username, name, role, uid)


def test_assignment_is_checked_and_logged(stories) -> None:
    engine, _ = stories
    run_stage2(engine, now=NOW)
    eid = doc_rows(engine)["b1"]["event_id"]
    zhang = _account(engine, "zhang", "handler", "张三")
    admin = _account(engine, "admin1", "admin", "管理员甲")
    leader = _account(engine, "leader", "duty_leader", "值班领导甲")
    analyst = _account(engine, "ana", "analyst", "分析甲")
    _account(engine, "gone", "handler", "离职者", disabled=True)
    assert [u.username for u in wf.assignable_users(engine)] == ["zhang"]
    for by, who, msg in (
        (leader, "zhang", "值班领导无权分派"), (analyst, "zhang", "分析员无权分派"),
        (zhang, "nobody", "没有账号“nobody”"), (zhang, "gone", "已停用"), (zhang, "ana", "请指派给处置人员"),
    ):  # fmt: skip
        with pytest.raises(WorkflowError, match=msg):
            wf.assign_event(engine, eid, who, by, now=NOW)
    assert wf.assign_event(engine, eid, "zhang", admin, now=NOW) is None
    with pytest.raises(WorkflowError, match="已指派给“张三（zhang）”"):
        wf.assign_event(engine, eid, "zhang", zhang, now=NOW)
    assert wf.assign_event(engine, eid, "", zhang, now=NOW + timedelta(minutes=1)) == "zhang"
    with pytest.raises(WorkflowError, match="尚未指派"):
        wf.assign_event(engine, eid, None, zhang, now=NOW)
    wf.assign_event(engine, eid, "zhang", zhang, now=NOW + timedelta(minutes=2))
    with engine.connect() as conn:
        event = get_event(conn, eid)
    assert (event["assignee"], event["assigned_by"], event["assigned_at"]) == (
        "zhang", "张三（zhang）", NOW + timedelta(minutes=2)
    )
    assert [(r["action"], r["old_value"], r["new_value"], r["by_whom"]) for r in _audit_rows(engine)] == [
        ("assign", None, "zhang", "管理员甲（admin1）"),
        ("assign", "zhang", None, "张三（zhang）"),
        ("assign", None, "zhang", "张三（zhang）"),
    ]


def test_acknowledgement_by_the_duty_leader_is_recorded_once(stories) -> None:
    engine, _ = stories
    run_stage2(engine, now=NOW)
    eid = doc_rows(engine)["b1"]["event_id"]
    leader = _account(engine, "leader", "duty_leader", "值班领导甲")
    handler = _account(engine, "zhang", "handler", "张三")
    with pytest.raises(WorkflowError, match="处置人员无权确认知悉"):
        wf.acknowledge_event(engine, eid, handler, now=NOW)
    wf.acknowledge_event(engine, eid, leader, now=NOW)
    with pytest.raises(WorkflowError, match="已由 值班领导甲（leader） 确认知悉"):
        wf.acknowledge_event(engine, eid, leader, now=NOW + timedelta(hours=1))
    with engine.connect() as conn:
        event = get_event(conn, eid)
    assert (event["acknowledged_by"], event["acknowledged_at"]) == ("值班领导甲（leader）", NOW)
    assert event["status"] == "待研判"  # seeing is not handling
    assert [(r["action"], r["new_value"], r["by_whom"], r["at"]) for r in _audit_rows(engine)] == [
        ("acknowledge", "值班领导甲（leader）", "值班领导甲（leader）", NOW)
    ]


# ------------------------------------------------------------------------------------- concurrency


def _race(engine, monkeypatch, actions) -> tuple[list, int]:
    """Run each action (a function of nothing) in its own thread, all started together, each holding the
    event it read until the others had the chance to read it too: after its read, a writer waits (at most
    1 s) for the others at a barrier. Returns (each action's result or exception, how many writers met at the
    barrier: 0 when the read locks the event, so no two writers are between read and commit at once)."""
    real_get_event = wf.events_store.get_event
    meet = threading.Barrier(len(actions), timeout=1.0)
    met: list[int] = []

    def read_then_wait(conn, event_id, **kw):
        event = real_get_event(conn, event_id, **kw)
        try:
            meet.wait()
            met.append(1)
        except threading.BrokenBarrierError:
            pass
        return event

    monkeypatch.setattr(wf.events_store, "get_event", read_then_wait)
    start = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = actions[i]()
        except Exception as exc:  # noqa: BLE001 - handed back to the test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    monkeypatch.undo()
    return results, len(met)


@pytest.mark.parametrize(
    "kinds, final",
    [(("发布权威信息", "新闻发布会"), "已回应"), (("发布权威信息", "发布权威信息"), "处置中")],
)
def test_two_responses_recorded_at_once_leave_the_right_status(stories, monkeypatch, kinds, final) -> None:
    engine, _ = stories
    run_stage2(engine, now=NOW)
    eid = doc_rows(engine)["b1"]["event_id"]  # class A: authoritative information AND a press conference
    people = (console_user("李四"), console_user("王五"))
    results, met = _race(engine, monkeypatch, [
        lambda k=k, by=by: record_response(engine, eid, k, by, now=NOW) for k, by in zip(kinds, people, strict=True)
    ])  # fmt: skip
    assert all(isinstance(r, int) for r in results), results
    with engine.connect() as conn:
        event = get_event(conn, eid)
        assert sorted(list_responses(conn, [eid])["kind"]) == sorted(kinds)
    # 已回应 exactly when both due responses are recorded, whoever came second
    assert event["status"] == final
    assert (event["deadline_at"] is None) == (final == "已回应")
    steps = [(r["old_value"], r["new_value"]) for r in _audit_rows(engine) if r["action"] == "status"]
    assert steps == [("待研判", "处置中"), ("处置中", "已回应")][: 2 if final == "已回应" else 1]
    assert met == 0  # the second writer read the event only after the first had committed


def test_two_assignments_at_once_log_a_consistent_chain(stories, monkeypatch) -> None:
    engine, _ = stories
    run_stage2(engine, now=NOW)
    eid = doc_rows(engine)["b1"]["event_id"]
    zhang = _account(engine, "zhang", "handler", "张三")
    _account(engine, "wang", "handler", "王五")
    results, met = _race(engine, monkeypatch, [
        lambda who=who: wf.assign_event(engine, eid, who, zhang, now=NOW) for who in ("zhang", "wang")
    ])  # fmt: skip
    log = [(r["old_value"], r["new_value"]) for r in _audit_rows(engine) if r["action"] == "assign"]
    # the second assignment replaced the first, and both its return value and its log line say so (not
    # "nobody" -> it, as when both read the event before either wrote)
    assert len(log) == 2 and log[0][0] is None and log[1][0] == log[0][1]
    assert sorted(results, key=str) == sorted([None, log[0][1]], key=str)
    with engine.connect() as conn:
        assert get_event(conn, eid)["assignee"] == log[1][1]
    assert met == 0


# -------------------------------------------------------------------------------------- candidates


def test_status_workflow_logs_who_and_when_and_refuses_skips(engine):
    with engine.begin() as conn:
        cid, _ = upsert_candidate(conn, "http://fake.cn/", method="manual", now=T0)
    change_candidate_status(
        engine, cid, "已报送", console_user("王五"), now=T0 + timedelta(hours=1), note="网信办 2026-118"
    )
    change_candidate_status(engine, cid, "已处置", console_user("赵六"), now=T0 + timedelta(days=3))
    for bad, msg in (("误报", "不能从“已处置”改为“误报”"), ("已处置", "状态已是"), ("已删除", "未知状态")):
        with pytest.raises(WorkflowError, match=msg):
            change_candidate_status(engine, cid, bad, console_user("王五"), now=T0)
    with pytest.raises(WorkflowError, match="操作人"):
        change_candidate_status(engine, cid, "待核实", console_user("  "), now=T0)
    with pytest.raises(WorkflowError, match="没有编号为 999 的候选网站"):
        change_candidate_status(engine, 999, "已报送", console_user("王五"), now=T0)
    assert (
        change_candidate_status(engine, cid, "待核实", console_user("王五"), now=T0 + timedelta(days=4))
        == "已处置"
    )  # reopened
    with engine.connect() as conn:
        row = get_candidate(conn, cid)
        log = history(conn, ENTITY_CANDIDATE, cid)
        n_log = len(conn.execute(select(audit_log.c.id)).all())
    assert (
        row["status"] == "待核实"
        and row["status_by"] == "王五"
        and row["status_at"] == T0 + timedelta(days=4)
    )
    assert row["note"] == "网信办 2026-118"
    assert [(h["old_value"], h["new_value"], h["by_whom"], h["at"]) for h in log] == [
        ("待核实", "已报送", "王五", T0 + timedelta(hours=1)),
        ("已报送", "已处置", "赵六", T0 + timedelta(days=3)),
        ("已处置", "待核实", "王五", T0 + timedelta(days=4)),
    ]
    assert log[0]["note"] == "网信办 2026-118" and n_log == 3  # refused changes wrote nothing


def test_hand_added_candidate_is_logged_and_needs_a_user(engine):
    with pytest.raises(WorkflowError, match="请填写操作人"):
        add_candidate(engine, "www.other.cn", console_user(" "), detail="群众举报", now=T0)
    with pytest.raises(ValueError):
        add_candidate(engine, "ftp://bad", console_user("张三"), now=T0)
    cid, created = add_candidate(engine, "www.other.cn", console_user("张三"), detail="群众举报", now=T0)
    again, created_again = add_candidate(engine, "http://WWW.OTHER.CN/x", console_user("李四"), now=T0)
    with engine.connect() as conn:
        logged = history(conn, ENTITY_CANDIDATE, cid)
        row = get_candidate(conn, cid)
    assert (created, created_again, again) == (True, False, cid)
    assert [(h["action"], h["by_whom"], h["new_value"], h["note"]) for h in logged] == [
        ("add", "张三", "http://www.other.cn/", "群众举报"),
        ("add", "李四", "http://www.other.cn/x", None),
    ]
    assert row["status"] == "待核实" and [f["detail"] for f in row["found_by"]] == ["群众举报", ""]


# -------------------------------------------------------------------------------------- one module


def test_both_workflows_share_one_error_type_and_one_audit_writer(stories, monkeypatch) -> None:
    engine, _ = stories
    run_stage2(engine, now=NOW)
    eid = doc_rows(engine)["b1"]["event_id"]
    calls: list[tuple] = []

    def spy(conn, *args, **kwargs):
        calls.append(args[:3])
        return log_action(conn, *args, **kwargs)

    monkeypatch.setattr(wf, "log_action", spy)
    cid, _ = add_candidate(engine, "http://fake.cn/", console_user("王五"), now=NOW)
    change_candidate_status(engine, cid, "已报送", console_user("王五"), now=NOW)
    change_event_status(engine, eid, "处置中", console_user("张三"), now=NOW)
    record_response(engine, eid, "新闻发布会", console_user("李四"), now=NOW)
    errors = []
    for bad in (
        lambda: change_event_status(engine, eid, "待研判", console_user("张三"), now=NOW),
        lambda: change_event_status(engine, 10**6, "处置中", console_user("张三"), now=NOW),
        lambda: record_response(engine, eid, "新闻发布会", console_user(""), now=NOW),
        lambda: change_candidate_status(engine, cid, "已处置", console_user(""), now=NOW),
        lambda: change_candidate_status(engine, cid, "已报送", console_user("王五"), now=NOW),
        lambda: add_candidate(engine, "http://x.cn/", console_user(""), now=NOW),
    ):
        with pytest.raises(WorkflowError) as exc:
            bad()
        errors.append(str(exc.value))
    assert errors == [
        "状态不能从「已回应」改为「待研判」", f"事件 {10**6} 不存在", "请填写回应人", "请填写操作人",
        "状态已是“已报送”", "请填写操作人",
    ]  # fmt: skip
    rows = _audit_rows(engine)
    # every audit row was written through the one writer, and only for changes that were made
    assert (
        [(r["entity"], r["entity_id"], r["action"]) for r in rows]
        == calls
        == [
            (ENTITY_CANDIDATE, cid, "add"),
            (ENTITY_CANDIDATE, cid, "status"),
            (ENTITY_EVENT, eid, "status"),
            (ENTITY_EVENT, eid, "response"),
            (ENTITY_EVENT, eid, "status"),
        ]
    )
    assert [r["by_whom"] for r in rows] == ["王五", "王五", "张三", "李四", "李四"]
    assert issubclass(WorkflowError, ValueError)  # the dashboard's add form catches ValueError


# ------------------------------------------------------------------------------------- site watch


def test_candidate_acknowledgement_is_recorded_once_and_logged(engine):
    with engine.begin() as conn:
        cid, _ = upsert_candidate(conn, "http://fake.cn/", method="manual", now=T0)
    with pytest.raises(WorkflowError, match="值班领导无权确认或标记误报"):
        wf.acknowledge_candidate(engine, cid, User("l", "领导", "duty_leader"), now=T0)
    wf.acknowledge_candidate(engine, cid, console_user("王五"), now=T0)
    with pytest.raises(WorkflowError, match="已由 王五 确认知悉"):
        wf.acknowledge_candidate(engine, cid, console_user("赵六"), now=T0 + timedelta(hours=1))
    with pytest.raises(WorkflowError, match="没有编号为 999"):
        wf.acknowledge_candidate(engine, 999, console_user("王五"), now=T0)
    with engine.connect() as conn:
        row = get_candidate(conn, cid)
        log = history(conn, ENTITY_CANDIDATE, cid)
    assert (row["acknowledged_by"], row["acknowledged_at"], row["status"]) == ("王五", T0, "待核实")
    assert [(h["action"], h["by_whom"], h["at"]) for h in log] == [("acknowledge", "王五", T0)]


def test_finding_review_transitions_who_and_when_and_survives_the_next_check(engine):
    from store.sitewatch import ENTITY_FINDING, get_finding, list_findings, sync_findings

    page = "https://www.audit.gov.cn/"
    finding = {"kind": "hidden_link", "severity": "high", "summary": "暗链", "evidence": {"links": []}}
    with engine.begin() as conn:
        sync_findings(conn, page, [finding], now=T0)
        fid = list_findings(conn)[0]["id"]
    with pytest.raises(WorkflowError, match="分析员无权确认或标记误报"):
        wf.review_finding(engine, fid, "false_positive", User("a", "分析", "analyst"), now=T0)
    with pytest.raises(WorkflowError, match="未知核查标记"):
        wf.review_finding(engine, fid, "deleted", console_user("王五"), now=T0)
    with pytest.raises(WorkflowError, match="已是“待确认”"):
        wf.review_finding(engine, fid, None, console_user("王五"), now=T0)
    assert wf.review_finding(engine, fid, "false_positive", console_user("王五"), now=T0, note="测试链接") is None
    with engine.begin() as conn:  # the next check sees the same problem: same row, the review stays
        sync_findings(conn, page, [finding], now=T0 + timedelta(hours=1))
        assert [f["id"] for f in list_findings(conn, include_false=False)] == []
        assert [f["id"] for f in list_findings(conn)] == [fid]
    assert wf.review_finding(engine, fid, "acknowledged", console_user("赵六"), now=T0 + timedelta(hours=2)) == (
        "false_positive"
    )
    with engine.connect() as conn:
        row = get_finding(conn, fid)
        log = history(conn, ENTITY_FINDING, fid)
    assert (row["review"], row["review_by"], row["review_at"]) == ("acknowledged", "赵六", T0 + timedelta(hours=2))
    assert [(h["action"], h["old_value"], h["new_value"], h["by_whom"], h["note"]) for h in log] == [
        ("review", "待确认", "误报", "王五", "测试链接"),
        ("review", "误报", "已确认", "赵六", None),
    ]
