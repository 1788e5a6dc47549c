"""The alert job (jobs.alerts.run_alerts) against a real store and a real local HTTP receiver: every trigger,
the 方案 / 本地 / heat filters, merging, delivery windows and limits, escalation, retry with backoff, and the
outbox's exactly-once behaviour when the process dies between commit and send, or between send and mark.
The helpers here (store builders, a config factory) are shared by the other alert tests."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from config.alerts import AlertsConfig
from config.loader import load_settings
from jobs.alert_channels import send_part
from jobs.alerts import CURSOR_KEY, run_alerts
from jobs.workflows import acknowledge_event, change_event_status, record_response
from store import alerts as q
from store import events as store_events
from store.db import open_store
from store.queries import record_source_health, sync_sources, upsert_documents
from store.schema import (
    alert_messages,
    alerts_sent,
    audit_log,
    documents,
    integrity_findings,
    site_candidates,
)
from store.users import console_user
from yuqing.demo.catchers import WebhookCatcher

# Monday 2026-11-23 10:00 in Asia/Shanghai
T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
SETTINGS = load_settings()


# --------------------------------------------------------------------------------------------- helpers
@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.requires_postgres)])
def any_engine(request, tmp_path):
    url = (
        f"sqlite:///{tmp_path}/a.db"
        if request.param == "sqlite"
        else request.getfixturevalue("pg_schema_url")
    )
    eng = open_store(url)
    yield eng
    eng.dispose()


@pytest.fixture
def engine(tmp_path):
    eng = open_store(f"sqlite:///{tmp_path}/a.db")
    yield eng
    eng.dispose()


@pytest.fixture
def hooks():
    with WebhookCatcher() as c:
        yield c


def add_doc(engine, doc_id_key: str, *, title: str = "文档", at: datetime = T0, source: str = "澎湃新闻",
            plans: tuple[str, ...] = ("审计署全国",), event_id: int | None = None, target: str = "other",
            sentiment: str = "neu", region_code: str | None = None, county: str | None = None) -> int:  # fmt: skip
    """A document after stage 1 and 2; returns its id."""
    row = {"url": f"https://news.example.cn/{doc_id_key}.html", "source": source, "title": title, "body": title,
           "published_at": at, "first_seen_at": at, "fetched_at": at, "content_hash": doc_id_key,
           "plans": list(plans), "terms": ["审计"]}  # fmt: skip
    with engine.begin() as conn:
        upsert_documents(conn, [row])
        conn.execute(
            update(documents).where(documents.c.content_hash == doc_id_key)
            .values(event_id=event_id, target=target, sentiment_label=sentiment, analyzed_at=at, stage2_at=at,
                    region_code=region_code, region_county=county, region_province="山东省" if region_code else None)
        )  # fmt: skip
        return int(
            conn.execute(select(documents.c.id).where(documents.c.content_hash == doc_id_key)).scalar_one()
        )


def add_event(engine, eid: int, *, cls: str | None = "A", title: str = "莒南县工地坍塌 3人死亡", at: datetime = T0,
              status: str = "待研判", heat: float = 50.0, deadline: datetime | None = None,
              plans: tuple[str, ...] = ("审计署全国",), region_code: str | None = None) -> int:  # fmt: skip
    """An event with one document (its 首发); returns the event id."""
    doc = add_doc(engine, f"ev{eid}", title=title, at=at, plans=plans, event_id=eid, region_code=region_code)
    if deadline is None and cls:
        deadline = at + (timedelta(hours=5) if cls == "A" else timedelta(hours=48))
    with engine.begin() as conn:
        store_events.upsert_events(conn, [dict(
            id=eid, title=title, keywords=["坍塌"], first_seen_at=at, first_doc_id=doc, first_source="澎湃新闻",
            last_seen_at=at, doc_count=1, reprint_count=0, source_count=1, heat=heat, heat_components={},
            heat_history=[], is_burst=False, response_class=cls, response_reason="规则说明：死亡3人",
            response_terms=["坍塌", "死亡"], deadline_at=deadline, status=status, updated_at=at,
        )])  # fmt: skip
    return eid


def config(
    hooks: WebhookCatcher | None = None, env: dict[str, str] | None = None, **overrides: Any
) -> AlertsConfig:
    """A config with three webhook recipients (team 处置人员, leader 值班领导, analyst 分析员) on the catcher,
    no windows and no limits; `overrides` replace top-level keys."""
    env = env if env is not None else {}
    channels = {}
    for name in ("team", "leader", "analyst"):
        channels[name] = {"type": "webhook", "url_env": f"URL_{name.upper()}"}
        if hooks is not None:
            env[f"URL_{name.upper()}"] = hooks.expect(name, "webhook")
    data: dict[str, Any] = {
        "local_area": "莒南县",
        "delivery": {"allow_private_networks": ["127.0.0.0/8"], "backoff_seconds": 60, "backoff_max_seconds": 3600,
                     "max_attempts": 4, "lease_seconds": 120, "timeout_seconds": 5},
        "channels": channels,
        "recipients": [
            {"name": "处置群", "role": "处置人员", "channels": ["team"]},
            {"name": "王主任", "role": "值班领导", "channels": ["leader"]},
            {"name": "分析员", "role": "分析员", "channels": ["analyst"]},
        ],
        "rules": [
            {"name": "A类事件", "trigger": "event_class_a", "roles": ["处置人员", "值班领导"], "urgent": True},
            {"name": "B类事件", "trigger": "event_class_b", "roles": ["处置人员"]},
        ],
    }  # fmt: skip
    data.update(overrides)
    return AlertsConfig.model_validate(data)


def run(engine, cfg: AlertsConfig, env: dict[str, str], at: datetime, **kw):
    return run_alerts(SETTINGS, engine, now=at, config=cfg, env=env, **kw)


def received(hooks: WebhookCatcher, name: str | None = None) -> list:
    return [r for r in hooks.received if name is None or r.name == name]


def messages(engine) -> list[dict]:
    with engine.connect() as conn:
        return [
            dict(r) for r in conn.execute(select(alert_messages).order_by(alert_messages.c.id)).mappings()
        ]


def items(engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(alerts_sent).order_by(alerts_sent.c.id)).mappings()]


# ------------------------------------------------------------------------------- class A, exactly once
def test_class_a_event_arrives_once_at_each_recipient_and_never_again(any_engine, hooks):
    env: dict[str, str] = {}
    cfg = config(hooks, env)
    add_event(any_engine, 1, cls="A")
    first = run(any_engine, cfg, env, T0 + timedelta(minutes=1))
    assert first.new_items == {"event_class_a": 2} and first.delivered == 2
    assert sorted(r.name for r in hooks.received) == ["leader", "team"]
    body = received(hooks, "team")[0].body
    assert body["items"][0]["key"] == "event_class_a:1" and body["urgent"] is True
    assert (
        "A类" in body["text"]
        and "events?event=1" in body["text"]
        and "https://news.example.cn/ev1.html" in body["text"]
    )
    assert "2026-11-23 15:00" in body["text"]  # deadline in local time (10:00 + 5 h)
    # later runs (and a re-read of the overlap) send nothing again
    for minutes in (2, 30, 90):
        again = run(any_engine, cfg, env, T0 + timedelta(minutes=minutes))
        assert again.new_items == {} and again.delivered == 0
    assert len(hooks.received) == 2
    assert all(m["status"] == "sent" for m in messages(any_engine))
    assert all(i["status"] == "sent" and i["sent_at"] is not None for i in items(any_engine))


def test_disabled_config_does_nothing(engine, hooks):
    env: dict[str, str] = {}
    add_event(engine, 1)
    result = run(engine, config(hooks, env, enabled=False), env, T0)
    assert result.disabled and not hooks.received and not items(engine)


def test_reclassified_event_alerts_again_for_the_new_class(engine, hooks):
    env: dict[str, str] = {}
    cfg = config(hooks, env)
    add_event(engine, 1, cls="B")
    run(engine, cfg, env, T0)
    with engine.begin() as conn:
        conn.execute(update(store_events.events).where(store_events.events.c.id == 1)
                     .values(response_class="A", updated_at=T0 + timedelta(minutes=20)))  # fmt: skip
    run(engine, cfg, env, T0 + timedelta(minutes=21))
    keys = [r.body["items"][0]["key"] for r in received(hooks, "team")]
    assert keys == ["event_class_b:1", "event_class_a:1"]


def test_cursor_bounds_the_scan_and_the_overlap_catches_late_commits(engine, hooks):
    env: dict[str, str] = {}
    cfg = config(hooks, env)
    run(engine, cfg, env, T0)
    with engine.connect() as conn:
        assert store_events.get_state(conn, CURSOR_KEY)["evaluated_at"].startswith("2026-11-23T02:00")
    # an analysis run that started before the last evaluation and committed after it
    add_event(engine, 2, cls="A", at=T0 - timedelta(minutes=5))
    run(engine, cfg, env, T0 + timedelta(minutes=10))
    assert {r.body["items"][0]["key"] for r in hooks.received} == {"event_class_a:2"}
    # older than the lookback: never alerted on a first run
    add_event(engine, 3, cls="A", at=T0 - timedelta(days=3))
    run(engine, cfg, env, T0 + timedelta(minutes=11))
    assert "event_class_a:3" not in {r.body["items"][0]["key"] for r in hooks.received}


# ------------------------------------------------------------------------------------ crash windows
class Killed(BaseException):
    """Stands for kill -9: nothing after it runs."""


def test_crash_between_commit_and_send_delivers_once_on_the_next_run(any_engine, hooks):
    env: dict[str, str] = {}
    cfg = config(hooks, env)
    add_event(any_engine, 1)
    run(any_engine, cfg, env, T0, deliver=False)  # decided and committed, then the process died
    assert not hooks.received and {m["status"] for m in messages(any_engine)} == {"pending"}
    run(any_engine, cfg, env, T0 + timedelta(seconds=30))
    run(any_engine, cfg, env, T0 + timedelta(seconds=60))
    assert sorted(r.name for r in hooks.received) == ["leader", "team"]


def test_crash_after_claim_before_send_waits_for_the_lease_then_sends_once(engine, hooks):
    env: dict[str, str] = {}
    cfg = config(hooks, env)
    add_event(engine, 1)

    def dies_before_sending(*a, **kw):
        raise Killed

    with pytest.raises(Killed):
        run(engine, cfg, env, T0, sender=dies_before_sending)
    assert not hooks.received and {m["status"] for m in messages(engine)} == {"sending", "pending"}
    run(
        engine, cfg, env, T0 + timedelta(seconds=60)
    )  # the other message goes; the claimed one keeps its lease
    assert [r.name for r in hooks.received] == ["leader"]
    run(engine, cfg, env, T0 + timedelta(seconds=125))  # lease (120 s) expired: taken again
    run(engine, cfg, env, T0 + timedelta(seconds=400))
    assert sorted(r.name for r in hooks.received) == ["leader", "team"]
    assert all(m["status"] == "sent" for m in messages(engine))


def test_crash_between_send_and_mark_resends_only_the_unmarked_part(engine, hooks):
    """The documented window: a part the channel accepted but the process did not record is sent again after
    the lease, carrying the same message key; parts already recorded are never sent again."""
    env = {"URL_WECOM": hooks.expect("wc", "wecom", token="k")}
    cfg = config(None, env, channels={"wc": {"type": "wecom", "url_env": "URL_WECOM"}},
                 recipients=[{"name": "处置群", "role": "处置人员", "channels": ["wc"]}],
                 rules=[{"name": "批评审计机关", "trigger": "office_criticism", "roles": ["处置人员"]}])  # fmt: skip
    for i in range(60):  # 60 separate documents: a message of several 4096-byte parts
        add_doc(
            engine,
            f"o{i}",
            title=f"网友质疑莒南县审计局第{i}件事" + "审计走过场" * 8,
            target="office",
            sentiment="neg",
        )
    calls = {"n": 0}

    def dies_after_second_part(channel, part, **kw):
        send_part(channel, part, **kw)
        calls["n"] += 1
        if calls["n"] == 2:
            raise Killed  # accepted by the robot, not yet recorded

    with pytest.raises(Killed):
        run(engine, cfg, env, T0, sender=dies_after_second_part)
    (msg,) = messages(engine)
    total = len(msg["parts"])
    assert total >= 3 and msg["parts_sent"] == 1 and msg["status"] == "sending"
    run(engine, cfg, env, T0 + timedelta(seconds=121))
    parts = [(r.key, r.part) for r in hooks.received]
    assert parts.count((msg["message_key"], 1)) == 1  # recorded before the kill: never again
    assert parts.count((msg["message_key"], 2)) == 2  # the window: sent again with the same key, flagged
    again = [r for r in hooks.received if r.part == 2][1]
    assert again.body["markdown"]["content"].startswith("（补发：上次发送时进程中断，如已收到请忽略）")
    assert all("补发" not in r.text for r in hooks.received if r.part != 2)
    assert sorted(set(parts)) == [(msg["message_key"], p) for p in range(1, total + 1)]
    assert messages(engine)[0]["status"] == "sent" and not hooks.rejected


def test_concurrent_runs_send_each_message_once(any_engine, hooks):
    env: dict[str, str] = {}
    cfg = config(hooks, env)
    for eid in range(1, 31):
        add_event(any_engine, eid, cls="A" if eid % 2 else "B", title=f"事件{eid}")
    errors: list[BaseException] = []

    def worker():
        try:
            for k in range(3):
                run(any_engine, cfg, env, T0 + timedelta(seconds=k))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    got = [(r.name, item["key"]) for r in hooks.received for item in r.body["items"]]
    expected = {("team", f"event_class_{'a' if e % 2 else 'b'}:{e}") for e in range(1, 31)}
    expected |= {("leader", f"event_class_a:{e}") for e in range(1, 31, 2)}
    assert len(got) == len(set(got)) and set(got) == expected


# ------------------------------------------------------------------------------------ retry, backoff
def test_failed_send_retries_with_exponential_backoff_then_succeeds(engine, hooks):
    env: dict[str, str] = {}
    cfg = config(hooks, env)
    add_event(engine, 1, cls="B")
    hooks.fail_next("team", 2, status=503)
    r1 = run(engine, cfg, env, T0)
    assert r1.retrying == 1 and "HTTP 503" in r1.errors[0]
    (m,) = messages(engine)
    assert m["attempts"] == 1 and abs((m["next_attempt_at"] - T0).total_seconds() - 60) < 5
    run(engine, cfg, env, T0 + timedelta(seconds=30))  # not due yet
    assert messages(engine)[0]["attempts"] == 1
    run(engine, cfg, env, T0 + timedelta(seconds=61))  # second failure: wait doubles
    m = messages(engine)[0]
    assert m["attempts"] == 2 and abs((m["next_attempt_at"] - T0).total_seconds() - (61 + 120)) < 5
    run(engine, cfg, env, T0 + timedelta(seconds=61 + 121))
    m = messages(engine)[0]
    assert m["status"] == "sent" and m["attempts"] == 3 and len(received(hooks, "team")) == 1


def test_send_fails_for_good_after_max_attempts_and_is_listed(engine, hooks):
    env: dict[str, str] = {}
    cfg = config(hooks, env)
    add_event(engine, 1, cls="B")
    hooks.fail_next("team", 99)
    at = T0
    for _ in range(4):
        result = run(engine, cfg, env, at)
        at += timedelta(hours=2)
    assert result.failed == 1
    (m,) = messages(engine)
    assert m["status"] == "failed" and m["attempts"] == 4 and "HTTP 500" in m["last_error"]
    assert {i["status"] for i in items(engine)} == {"failed"}
    with engine.connect() as conn:
        assert [x["id"] for x in q.list_messages(conn, failed_only=True)] == [m["id"]]
    with engine.begin() as conn:  # the channel is fixed: requeue
        assert q.requeue_failed(conn, [m["id"]], at) == 1
    hooks.fail_next("team", 0)
    run(engine, cfg, env, at)
    assert messages(engine)[0]["status"] == "sent" and len(received(hooks, "team")) == 1


def test_missing_environment_variable_is_a_retryable_failure(engine, hooks):
    env: dict[str, str] = {}
    cfg = config(hooks, env)
    del env["URL_TEAM"]
    add_event(engine, 1, cls="B")
    result = run(engine, cfg, env, T0)
    assert result.retrying == 1 and "URL_TEAM" in result.errors[0]


# --------------------------------------------------------------------------- windows, interval, cap
def test_quiet_hours_hold_class_b_while_class_a_goes_through(engine, hooks):
    env: dict[str, str] = {}
    cfg = config(hooks, env, recipients=[
        {"name": "处置群", "role": "处置人员", "channels": ["team"], "quiet_hours": "22:00-07:00"},
        {"name": "王主任", "role": "值班领导", "channels": ["leader"]},
    ])  # fmt: skip
    night = datetime(2026, 11, 23, 15, 30, tzinfo=UTC)  # 23:30 local
    add_event(engine, 1, cls="B", title="B类事件", at=night)
    add_event(engine, 2, cls="A", title="A类事件", at=night)
    result = run(engine, cfg, env, night + timedelta(minutes=1))
    assert result.waiting == 1
    got = [r.body["items"][0]["key"] for r in received(hooks, "team")]
    assert got == ["event_class_a:2"]
    (held,) = [i for i in items(engine) if i["status"] == "pending"]
    assert held["note"] == "等待：免打扰时段"
    run(engine, cfg, env, datetime(2026, 11, 23, 22, 30, tzinfo=UTC))  # 06:30 local: still quiet
    assert len(received(hooks, "team")) == 1
    run(engine, cfg, env, datetime(2026, 11, 23, 23, 5, tzinfo=UTC))  # 07:05 local
    assert [r.body["items"][0]["key"] for r in received(hooks, "team")] == [
        "event_class_a:2",
        "event_class_b:1",
    ]


def test_weekday_schedule_holds_weekend_alerts_until_monday(engine, hooks):
    env: dict[str, str] = {}
    cfg = config(hooks, env, recipients=[{"name": "处置群", "role": "处置人员", "channels": ["team"],
                                          "schedule": [{"days": ["mon", "tue", "wed", "thu", "fri"], "hours": "08:00-22:00"}]},
                                         {"name": "王主任", "role": "值班领导", "channels": ["leader"]}])  # fmt: skip
    saturday = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)  # Saturday 11:00 local
    add_event(engine, 1, cls="B", at=saturday)
    run(engine, cfg, env, saturday)
    assert not received(hooks, "team")
    assert items(engine)[0]["note"] == "等待：不在接收时段"
    run(engine, cfg, env, datetime(2026, 11, 22, 23, 30, tzinfo=UTC))  # Monday 07:30 local
    assert not received(hooks, "team")
    run(engine, cfg, env, datetime(2026, 11, 23, 0, 1, tzinfo=UTC))  # Monday 08:01 local
    assert len(received(hooks, "team")) == 1


def test_min_interval_merges_what_arrives_in_between(engine, hooks):
    env: dict[str, str] = {}
    cfg = config(hooks, env, recipients=[
        {"name": "处置群", "role": "处置人员", "channels": ["team"], "min_interval_minutes": 30},
        {"name": "王主任", "role": "值班领导", "channels": ["leader"]},
    ])  # fmt: skip
    add_event(engine, 1, cls="B", title="第一件")
    run(engine, cfg, env, T0)
    for eid, minutes in ((2, 5), (3, 10)):
        add_event(engine, eid, cls="B", title=f"第{eid}件", at=T0 + timedelta(minutes=minutes))
        run(engine, cfg, env, T0 + timedelta(minutes=minutes))
    assert len(received(hooks, "team")) == 1
    assert {i["note"] for i in items(engine) if i["status"] == "pending"} == {
        "等待：距上一条消息不足 30 分钟"
    }
    run(engine, cfg, env, T0 + timedelta(minutes=31))
    second = received(hooks, "team")[1].body
    assert [i["key"] for i in second["items"]] == ["event_class_b:2", "event_class_b:3"]
    assert second["subject"].startswith("【舆情预警】2 条")


def test_daily_cap_holds_the_rest_until_the_next_local_day(engine, hooks):
    env: dict[str, str] = {}
    cfg = config(hooks, env, recipients=[
        {"name": "处置群", "role": "处置人员", "channels": ["team"], "daily_cap": 2},
        {"name": "王主任", "role": "值班领导", "channels": ["leader"]},
    ])  # fmt: skip
    for k in range(4):
        add_event(engine, k + 1, cls="B", at=T0 + timedelta(hours=k))
        run(engine, cfg, env, T0 + timedelta(hours=k, minutes=1))
    assert len(received(hooks, "team")) == 2
    assert "今日已达上限 2 条" in items(engine)[-1]["note"]
    add_event(engine, 9, cls="A", at=T0 + timedelta(hours=5))  # urgent: not capped
    run(engine, cfg, env, T0 + timedelta(hours=5, minutes=1))
    assert len(received(hooks, "team")) == 3
    run(engine, cfg, env, datetime(2026, 11, 23, 16, 1, tzinfo=UTC))  # 00:01 next local day
    last = received(hooks, "team")[-1].body
    assert len(received(hooks, "team")) == 4 and {i["key"] for i in last["items"]} == {
        "event_class_b:3",
        "event_class_b:4",
    }


# ------------------------------------------------------------------------------------------- merging
def test_documents_of_one_event_merge_into_one_alert_with_a_count(engine, hooks):
    env: dict[str, str] = {}
    cfg = config(
        hooks, env, rules=[{"name": "批评审计机关", "trigger": "office_criticism", "roles": ["处置人员"]}]
    )
    add_event(engine, 7, cls="B", title="审计局被指走过场")
    for i, src in enumerate(("微博搜索", "大众网", "微博搜索")):
        add_doc(
            engine,
            f"c{i}",
            title=f"网友质疑审计局{i}",
            source=src,
            event_id=7,
            target="office",
            sentiment="neg",
        )
    add_doc(engine, "lonely", title="另一条批评", target="office", sentiment="neg")
    add_doc(engine, "praise", title="审计局获表扬", target="office", sentiment="pos")
    run(engine, cfg, env, T0 + timedelta(minutes=1))
    (msg,) = received(hooks, "team")
    text = msg.body["text"]
    assert "审计局被指走过场" in text and "3 篇批评审计机关的负面信息" in text and "1 篇批评" in text
    assert "信源：微博搜索、大众网" in text and "获表扬" not in text
    assert len(msg.body["items"]) == 4 and msg.body["subject"].startswith("【舆情预警】2 条")


# ------------------------------------------------------------------------------------------ filters
def test_rule_filters_by_plan_local_area_and_heat(engine, hooks):
    env: dict[str, str] = {}
    cfg = config(hooks, env, rules=[
        {"name": "本地热点", "trigger": "event_class_b", "roles": ["处置人员"], "plans": ["莒南本地"],
         "local_only": True, "min_heat": 40},
    ])  # fmt: skip
    add_event(engine, 1, cls="B", plans=("莒南本地",), region_code="371327", heat=60)  # 莒南县: passes
    add_event(engine, 2, cls="B", plans=("莒南本地",), region_code="371327", heat=20)  # too cold
    add_event(engine, 3, cls="B", plans=("审计署全国",), region_code="371327", heat=60)  # other plan
    add_event(engine, 4, cls="B", plans=("莒南本地",), region_code="110101", heat=60)  # 北京: not local
    run(engine, cfg, env, T0 + timedelta(minutes=1))
    assert [i["key"] for r in hooks.received for i in r.body["items"]] == ["event_class_b:1"]


# --------------------------------------------------------------------------------------- escalation
def escalation_config(hooks, env):
    return config(hooks, env, rules=[{"name": "A类事件", "trigger": "event_class_a", "roles": ["处置人员"],
                                      "urgent": True}],
                  escalation=[{"name": "A类30分钟未研判", "classes": ["A"], "after_minutes": 30, "roles": ["值班领导"]}])  # fmt: skip


def test_escalation_fires_when_nobody_acts_and_is_recorded(engine, hooks):
    env: dict[str, str] = {}
    cfg = escalation_config(hooks, env)
    add_event(engine, 1, cls="A")
    run(engine, cfg, env, T0 + timedelta(minutes=1))
    assert [r.name for r in hooks.received] == ["team"]
    assert run(engine, cfg, env, T0 + timedelta(minutes=30)).escalations == 0  # 29 min after delivery
    result = run(engine, cfg, env, T0 + timedelta(minutes=32))
    assert result.escalations == 1
    (up,) = received(hooks, "leader")
    assert up.body["items"][0]["key"] == "escalation:1:A类30分钟未研判" and "升级提醒" in up.body["text"]
    assert "仍为「待研判」" in up.body["text"] and up.body["urgent"] is True
    with engine.connect() as conn:
        log = [
            dict(r)
            for r in conn.execute(select(audit_log).where(audit_log.c.action == "escalate")).mappings()
        ]
    assert len(log) == 1 and log[0]["entity_id"] == 1 and "王主任" in log[0]["new_value"]
    assert run(engine, cfg, env, T0 + timedelta(hours=3)).escalations == 0  # once per step
    assert len(received(hooks, "leader")) == 1


def test_no_escalation_after_the_status_changed(engine, hooks):
    env: dict[str, str] = {}
    cfg = escalation_config(hooks, env)
    add_event(engine, 1, cls="A")
    run(engine, cfg, env, T0 + timedelta(minutes=1))
    change_event_status(engine, 1, "处置中", console_user("李四"), now=T0 + timedelta(minutes=10))
    assert run(engine, cfg, env, T0 + timedelta(minutes=45)).escalations == 0
    assert not received(hooks, "leader")


def test_no_escalation_once_the_leader_on_duty_acknowledged(engine, hooks):
    env: dict[str, str] = {}
    cfg = escalation_config(hooks, env)
    add_event(engine, 1, cls="A")
    run(engine, cfg, env, T0 + timedelta(minutes=1))
    acknowledge_event(engine, 1, console_user("王主任"), now=T0 + timedelta(minutes=5))  # still 待研判
    assert run(engine, cfg, env, T0 + timedelta(minutes=45)).escalations == 0
    assert not received(hooks, "leader")


def test_pending_escalation_is_cancelled_when_the_event_is_handled_before_it_goes_out(engine, hooks):
    env: dict[str, str] = {}
    cfg = escalation_config(hooks, env)
    cfg.escalation[0].urgent = False
    cfg.recipients[1].quiet_hours = "00:00-23:59"  # the leader is in quiet hours all day
    add_event(engine, 1, cls="A")
    run(engine, cfg, env, T0 + timedelta(minutes=1))
    run(engine, cfg, env, T0 + timedelta(minutes=32))
    assert [i["status"] for i in items(engine) if i["trigger"] == "escalation"] == ["pending"]
    change_event_status(engine, 1, "处置中", console_user("李四"), now=T0 + timedelta(minutes=40))
    result = run(engine, cfg, env, T0 + timedelta(minutes=41))
    assert result.cancelled == 1 and not received(hooks, "leader")


# ----------------------------------------------------------------------------------------- deadlines
def test_deadline_soon_and_passed_without_a_response(engine, hooks):
    env: dict[str, str] = {}
    cfg = config(hooks, env, rules=[
        {"name": "回应时限将到", "trigger": "deadline_soon", "roles": ["处置人员"], "lead_minutes": 60},
        {"name": "回应已超时", "trigger": "deadline_passed", "roles": ["值班领导"], "urgent": True},
    ])  # fmt: skip
    add_event(engine, 1, cls="B", at=T0 - timedelta(hours=47, minutes=20))  # due in 40 min
    add_event(engine, 2, cls="B", at=T0 - timedelta(hours=48, minutes=10))  # 10 min overdue
    add_event(engine, 3, cls="B", at=T0 - timedelta(hours=40))  # due in 8 h: nothing yet
    run(engine, cfg, env, T0)
    (soon,) = received(hooks, "team")
    assert soon.body["items"][0]["key"].startswith("deadline_soon:1:")
    assert re.search("剩余 0小时(39|40)分", soon.body["text"])
    (late,) = received(hooks, "leader")
    assert (
        late.body["items"][0]["key"].startswith("deadline_passed:2:")
        and "已超时 0小时10分" in late.body["text"]
    )
    run(engine, cfg, env, T0 + timedelta(minutes=5))
    assert len(hooks.received) == 2


def test_deadline_alert_waiting_for_its_window_is_cancelled_once_a_response_is_recorded(engine, hooks):
    env: dict[str, str] = {}
    cfg = config(hooks, env, recipients=[
        {"name": "处置群", "role": "处置人员", "channels": ["team"], "quiet_hours": "00:00-23:59"},
        {"name": "王主任", "role": "值班领导", "channels": ["leader"]},
    ], rules=[{"name": "回应时限将到", "trigger": "deadline_soon", "roles": ["处置人员"]}])  # fmt: skip
    add_event(engine, 1, cls="B", at=T0 - timedelta(hours=47, minutes=30))
    run(engine, cfg, env, T0)
    record_response(
        engine,
        1,
        "澄清",
        console_user("李四"),
        url="https://www.audit.gov.cn/x",
        now=T0 + timedelta(minutes=5),
    )
    result = run(engine, cfg, env, T0 + timedelta(minutes=6))
    assert result.cancelled == 1 and not hooks.received


# ------------------------------------------------------------------------------------ other triggers
def test_source_failing_alerts_once_per_failure_streak(engine, hooks):
    env: dict[str, str] = {}
    cfg = config(hooks, env, rules=[{"name": "信源连续失败", "trigger": "source_failing", "roles": ["分析员"],
                                     "failures": 3}])  # fmt: skip
    with engine.begin() as conn:
        sync_sources(conn, [{"name": "人民网", "kind": "rss", "url": "https://x.cn/rss", "level": "central"}])
        record_source_health(conn, "人民网", ok=True, when=T0 - timedelta(days=1))
        for k in range(4):
            record_source_health(
                conn, "人民网", ok=False, when=T0 + timedelta(minutes=k), error="HTTP 403 被封禁"
            )
    run(engine, cfg, env, T0 + timedelta(minutes=5))
    run(engine, cfg, env, T0 + timedelta(minutes=6))
    (msg,) = received(hooks, "analyst")
    assert "连续失败：4 次" in msg.body["text"] and "HTTP 403" in msg.body["text"]
    with engine.begin() as conn:
        record_source_health(conn, "人民网", ok=True, when=T0 + timedelta(hours=1))
        for k in range(3):
            record_source_health(
                conn, "人民网", ok=False, when=T0 + timedelta(hours=2, minutes=k), error="timeout"
            )
    run(engine, cfg, env, T0 + timedelta(hours=3))
    assert len(received(hooks, "analyst")) == 2


def test_site_act_and_high_integrity_findings(engine, hooks):
    env: dict[str, str] = {}
    cfg = config(hooks, env, rules=[
        {"name": "仿冒网站", "trigger": "site_act", "roles": ["处置人员"]},
        {"name": "网站安全高危", "trigger": "integrity_high", "roles": ["值班领导"], "urgent": True},
    ])  # fmt: skip
    with engine.begin() as conn:
        for host, tier, status in (("cnao-audit.cn", "act", "待核实"), ("maybe.cn", "review", "待核实"),
                                   ("done.cn", "act", "误报")):  # fmt: skip
            conn.execute(site_candidates.insert().values(
                host=host, url=f"http://{host}/", found_by=[], signals=[{"code": "name", "label": "冒用审计署名称"}],
                evidence={}, status=status, first_seen_at=T0, score=90 if tier == "act" else 60, tier=tier,
                last_checked_at=T0, title=f"{host} 首页"))  # fmt: skip
        for sev in ("high", "low"):
            conn.execute(integrity_findings.insert().values(
                url="https://www.audit.gov.cn/", kind="hidden_link", severity=sev, summary=f"暗链（{sev}）",
                evidence={}, found_at=T0))  # fmt: skip
    run(engine, cfg, env, T0 + timedelta(minutes=1))
    (site,) = received(hooks, "team")
    assert [i["key"] for i in site.body["items"]] == ["site_act:1"] and "冒用审计署名称" in site.body["text"]
    (finding,) = received(hooks, "leader")
    assert "暗链（high）" in finding.body["text"] and "low" not in finding.body["text"]


def test_plan_volume_burst_alerts_once_a_day(engine, hooks):
    env: dict[str, str] = {}
    cfg = config(hooks, env, rules=[{"name": "方案声量突增", "trigger": "plan_burst", "roles": ["分析员"],
                                     "plans": ["莒南本地"]}])  # fmt: skip
    for day in range(1, 15):
        add_doc(engine, f"h{day}", at=T0 - timedelta(days=day), plans=("莒南本地", "审计署全国"))
    for k in range(9):
        add_doc(engine, f"t{k}", at=T0 - timedelta(minutes=k), plans=("莒南本地", "审计署全国"))
    run(engine, cfg, env, T0)
    run(engine, cfg, env, T0 + timedelta(hours=1))
    (msg,) = received(hooks, "analyst")
    assert [i["key"] for i in msg.body["items"]] == ["plan_burst:莒南本地:2026-11-23"]
    assert "今日 9 篇" in msg.body["text"]


def test_recipient_removed_from_config_cancels_its_waiting_items(engine, hooks):
    env: dict[str, str] = {}
    cfg = config(hooks, env, recipients=[
        {"name": "处置群", "role": "处置人员", "channels": ["team"], "quiet_hours": "00:00-23:59"},
        {"name": "王主任", "role": "值班领导", "channels": ["leader"]},
    ])  # fmt: skip
    add_event(engine, 1, cls="B")
    run(engine, cfg, env, T0)
    smaller = config(hooks, env, recipients=[  # the group's robot is gone from its entry
        {"name": "处置群", "role": "处置人员", "channels": ["analyst"]},
        {"name": "王主任", "role": "值班领导", "channels": ["leader"]},
    ])  # fmt: skip
    result = run(engine, smaller, env, T0 + timedelta(minutes=1))
    assert result.cancelled == 1 and items(engine)[0]["status"] == "cancelled" and not received(hooks, "team")


def test_integrity_finding_flapping_the_same_day_alerts_once(engine, hooks):
    from store.sitewatch import sync_findings

    env: dict[str, str] = {}
    cfg = config(
        hooks, env, rules=[{"name": "网站安全高危", "trigger": "integrity_high", "roles": ["值班领导"]}]
    )
    url = "https://www.audit.gov.cn/"
    finding = {"kind": "hidden_link", "severity": "high", "summary": "暗链", "evidence": {"region": "footer"}}
    for at, present in ((T0, True), (T0 + timedelta(hours=1), False), (T0 + timedelta(hours=2), True),
                        (T0 + timedelta(days=1), False), (T0 + timedelta(days=1, hours=1), True)):  # fmt: skip
        with engine.begin() as conn:
            sync_findings(conn, url, [finding] if present else [], now=at)
        run(engine, cfg, env, at + timedelta(minutes=1))
    assert len(received(hooks, "leader")) == 2  # day one (found, resolved, found again), and day two


def test_a_backlog_analysed_today_is_not_news(engine, hooks):
    env: dict[str, str] = {}
    cfg = config(
        hooks, env, rules=[{"name": "批评审计机关", "trigger": "office_criticism", "roles": ["处置人员"]}]
    )
    add_doc(engine, "old", title="三天前的批评", at=T0 - timedelta(days=3), target="office", sentiment="neg")
    with engine.begin() as conn:  # placed in events only now (a backlog, or a re-analysis)
        conn.execute(update(documents).values(stage2_at=T0))
    add_doc(engine, "new", title="今天的批评", at=T0, target="office", sentiment="neg")
    run(engine, cfg, env, T0 + timedelta(minutes=1))
    assert [i["key"] for r in hooks.received for i in r.body["items"]] == ["office_criticism:doc2"]
