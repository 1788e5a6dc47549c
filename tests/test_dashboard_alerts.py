"""Alerts on the dashboard under AppTest: the 信源健康 page's 预警发送 section shows failed and retrying
messages with their errors (crawled subjects kept in table cells), and an alert's ?event=ID link opens that
event on 热点与回应."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest
from test_jobs_alerts import add_event, config, run

from tests.pages import APP
from yuqing.demo.catchers import WebhookCatcher

XSS = "<script>alert(1)</script>"


# every page here is seen by a logged-in 处置人员 (nothing renders before a login)
pytestmark = pytest.mark.usefixtures("fresh_caches", "logged_in")


@pytest.fixture
def db(tmp_path, monkeypatch):
    """The team gets two messages (class A on its own, then class B), the leader's class-A message fails."""
    from store.db import open_store

    url = f"sqlite:///{tmp_path / 'al.db'}"
    engine = open_store(url)
    now = datetime.now(UTC)
    add_event(engine, 1, cls="A", title=XSS + "坍塌事故", at=now - timedelta(minutes=5))
    add_event(engine, 2, cls="B", title="审计整改被指走过场", at=now - timedelta(minutes=4))
    with WebhookCatcher() as hooks:
        env: dict[str, str] = {}
        cfg = config(hooks, env, delivery={"allow_private_networks": ["127.0.0.0/8"], "max_attempts": 1,
                                           "timeout_seconds": 5})  # fmt: skip
        hooks.fail_next("leader", 5, status=502)
        run(engine, cfg, env, now)
    engine.dispose()
    monkeypatch.setenv("MONITOR_DB_URL", url)
    return url


def test_sources_page_shows_failed_alerts(db) -> None:
    at = AppTest.from_file(APP, default_timeout=30)
    at.switch_page("views/sources.py").run()
    assert not at.exception, [e.message for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["已送达"] == "2" and metrics["发送失败"] == "1" and metrics["失败待重试"] == "0"
    assert any("发送失败" in e.value for e in at.error)
    failed = at.get_by_key("alerts_failed").dataframe[0].value
    assert failed["收件人"].tolist() == ["王主任"] and failed["状态"].tolist() == ["发送失败"]
    assert failed["错误"].iloc[0].startswith("webhook 返回 HTTP 502")
    latest = at.get_by_key("alerts_latest").dataframe[0].value
    assert len(latest) == 3 and any(XSS in s for s in latest["主题"])
    assert all(XSS not in m.value for m in at.markdown)


def test_event_link_from_an_alert_opens_the_event(db) -> None:
    at = AppTest.from_file(APP, default_timeout=30)
    at.switch_page("views/events.py").run()
    assert at.selectbox(key="hs_event").value == 1  # the most urgent first: class A's 5-hour deadline
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["event"] = "2"
    at.switch_page("views/events.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.selectbox(key="hs_event").value == 2
