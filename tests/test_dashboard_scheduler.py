"""The 调度器 section of 信源健康 under AppTest: heartbeat time, 是否在运行 (heartbeat younger than twice its
interval), and each job's last and next run, read through dashboard.data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from streamlit.testing.v1 import AppTest

from store import scheduler as ss
from store.db import open_store
from tests.pages import APP

TZ = "Asia/Shanghai"


# every page here is seen by a logged-in 处置人员 (nothing renders before a login)
pytestmark = pytest.mark.usefixtures("fresh_caches", "logged_in")


def _db(tmp_path, monkeypatch, *, beat_age: timedelta | None) -> datetime:
    url = f"sqlite:///{tmp_path}/monitor.db"
    engine = open_store(url)
    now = datetime.now(UTC).replace(microsecond=0)
    with engine.begin() as conn:
        if beat_age is not None:
            ss.beat(conn, mode="local", host="h", pid=7, started_at=now - timedelta(hours=2), when=now - beat_age,
                    interval=30)  # fmt: skip
            ss.set_next_runs(conn, {"crawl:审计署网站": now + timedelta(minutes=25)}, now)
            ss.record_job_start(conn, "crawl:审计署网站", now - timedelta(minutes=5))
            ss.record_job_end(conn, "crawl:审计署网站", started_at=now - timedelta(minutes=5), finished_at=now,
                              status="failed", error="<b>HTTP 503</b>")  # fmt: skip
    engine.dispose()
    monkeypatch.setenv("MONITOR_DB_URL", url)
    return now


def _sources_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.switch_page("views/sources.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _local(value: datetime) -> str:
    return value.astimezone(ZoneInfo(TZ)).strftime("%Y-%m-%d %H:%M")


def test_running_scheduler_shows_heartbeat_and_jobs(tmp_path, monkeypatch):
    now = _db(tmp_path, monkeypatch, beat_age=timedelta(seconds=10))
    at = _sources_page()
    assert "调度器" in [h.value for h in at.subheader]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["是否在运行"] == "运行中" and metrics["心跳时间"] == _local(now - timedelta(seconds=10))
    jobs = at.get_by_key("src_scheduler").dataframe[0].value
    assert list(jobs["任务"]) == ["采集：审计署网站"] and list(jobs["结果"]) == ["失败"]
    assert jobs.loc[0, "下次运行"] == _local(now + timedelta(minutes=25)) and jobs.loc[0, "连续失败"] == 1
    assert jobs.loc[0, "最近错误"] == "<b>HTTP 503</b>"  # crawled text stays text in a table cell
    assert not any("心跳" in w.value for w in at.warning)


def test_stale_heartbeat_is_shown_as_not_running(tmp_path, monkeypatch):
    _db(tmp_path, monkeypatch, beat_age=timedelta(seconds=61))
    at = _sources_page()
    assert {m.label: m.value for m in at.metric}["是否在运行"] == "未运行"
    assert any("心跳已超过两个周期" in w.value for w in at.warning)


def test_no_scheduler_yet_says_how_to_start_one(tmp_path, monkeypatch):
    _db(tmp_path, monkeypatch, beat_age=None)
    at = _sources_page()
    assert any("yuqing serve" in i.value for i in at.info)
    assert not {"是否在运行", "心跳时间"} & {m.label for m in at.metric}  # the alert metrics below stay
