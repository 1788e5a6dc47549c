"""The dashboard's door under AppTest: an anonymous visitor sees only the login form (no data, no navigation);
a wrong password shows an error with the attempts left and is logged; a login opens the pages and is logged;
logout and idle timeout end the session; read-only roles get no write widgets, and a forged write through the
workflow with their user is refused."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from dashboard import data_events
from jobs.analysis import run_stage2
from jobs.workflows import WorkflowError
from store.db import open_store
from store.schema import audit_log, events
from store.sitewatch import upsert_candidate
from store.users import User
from tests.conftest import TEST_PASSWORD, make_account
from tests.factories import STORY_NOW, insert_documents, story_documents
from tests.pages import APP

WRITE_KEYS = ("hs_new_status", "hs_apply", "hs_kind", "hs_url", "hs_add_response", "hs_assign", "imp_new_status",
              "imp_apply", "imp_add_url", "imp_add", "imp_ack", "imp_false")  # fmt: skip

pytestmark = pytest.mark.usefixtures("fresh_caches")


def hotspot_store(path: Path) -> str:
    """A store with the analysis test stories moved to now (three events) and one impersonation candidate."""
    now = datetime.now(UTC)
    shift = now - STORY_NOW
    rows = []
    for r in story_documents():
        r = dict(r, _analysis=dict(r["analysis"]))
        for k in ("published_at", "fetched_at", "first_seen_at"):
            r[k] = r[k] + shift if r[k] else None
        r["analysis"]["analyzed_at"] += shift
        rows.append(r)
    url = f"sqlite:///{path}"
    engine = open_store(url)
    insert_documents(engine, rows)
    run_stage2(engine, now=now)
    with engine.begin() as conn:
        upsert_candidate(conn, "http://www.audit-gov.cn/", method="manual", now=now)
    engine.dispose()
    return url


@pytest.fixture
def db(tmp_path, monkeypatch):
    url = hotspot_store(tmp_path / "auth.db")
    monkeypatch.setenv("MONITOR_DB_URL", url)
    return url


def user_log(url: str) -> list[tuple[str, str, str | None]]:
    engine = open_store(url, upgrade=False)
    with engine.connect() as conn:
        rows = conn.execute(select(audit_log).where(audit_log.c.entity == "user").order_by(audit_log.c.id))
        out = [(r.action, r.by_whom, r.note) for r in rows]
    engine.dispose()
    return out


def login(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="login_user").input(username)
    at.text_input(key="login_password").input(password)
    return at.button(key="login_submit").click().run()


def test_anonymous_sees_only_the_login_form(db) -> None:
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["用户名", "密码"] and at.text_input[
        1
    ].proto.type == 1  # PASSWORD
    assert not at.dataframe and not at.metric and not at.selectbox and not at.sidebar.children
    assert [t.value for t in at.title] == ["审计舆情哨兵"]
    # no page of the navigation can be reached without a login
    at.switch_page("views/events.py").run()
    assert not at.dataframe and [t.value for t in at.title] == ["审计舆情哨兵"]


def test_wrong_password_shows_error_with_counter_and_is_logged(db) -> None:
    make_account(db, "zhang", "handler", "张三")
    at = login(AppTest.from_file(APP, default_timeout=30).run(), "zhang", "not-the-password")
    assert [e.value for e in at.error] == ["用户名或密码错误（还可尝试 4 次）"]
    assert not at.dataframe and not at.metric
    at = login(at, "zhang", "still-wrong")
    assert [e.value for e in at.error] == ["用户名或密码错误（还可尝试 3 次）"]
    assert [(a, n) for a, _, n in user_log(db)] == [("login_failed", "用户名或密码错误")] * 2
    assert all("not-the-password" not in str(r) for r in user_log(db))


def test_login_opens_the_pages_and_logout_ends_the_session(db) -> None:
    make_account(db, "zhang", "handler", "张三")
    at = login(AppTest.from_file(APP, default_timeout=30).run(), "zhang", TEST_PASSWORD)
    assert not at.exception and not at.error
    assert [t.value for t in at.title] == ["舆情总览"] and at.metric
    assert any("张三（zhang）· 处置人员" in c.value for c in at.sidebar.caption)
    at.sidebar.button(key="logout").click().run()
    assert [t.label for t in at.text_input] == ["用户名", "密码"] and not at.metric
    assert [a for a, _, _ in user_log(db)] == ["login", "logout"]


def test_idle_session_expires_and_a_disabled_account_is_logged_out(db, login_as) -> None:
    login_as("handler")
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["auth_login"] = {"username": "handler_tester", "seen": time.time() - 31 * 60}
    at.run()
    assert not at.metric and any("超时" in i.value for i in at.info)
    assert user_log(db)[-1] == ("logout", "测试员（handler_tester）", "超时自动退出")
    at = AppTest.from_file(APP, default_timeout=30).run()  # a fresh login works ...
    assert at.metric
    from jobs.auth import set_disabled

    engine = open_store(db, upgrade=False)
    set_disabled(engine, "handler_tester")
    engine.dispose()
    at.run()  # ... until the account is disabled: the next click ends the session
    assert not at.metric and [t.label for t in at.text_input] == ["用户名", "密码"]


@pytest.mark.parametrize("role", ["analyst", "duty_leader"])
def test_read_only_roles_see_no_write_widgets_and_a_forged_write_is_refused(db, login_as, role) -> None:
    login_as(role)
    hs = AppTest.from_file(APP, default_timeout=30)
    hs.switch_page("views/events.py").run()
    hs.get_by_key("hs_view").set_value("全部").run()
    assert not hs.exception and hs.get_by_key("hs_events").dataframe[0].value.shape[0] == 3  # can read
    imp = AppTest.from_file(APP, default_timeout=30)
    imp.switch_page("views/impersonation.py").run()
    assert not imp.exception and imp.get_by_key("imp_table").dataframe
    for at in (hs, imp):
        shown = {w.key for kind in ("selectbox", "button", "text_input") for w in getattr(at, kind)}
        assert not shown & set(WRITE_KEYS), shown & set(WRITE_KEYS)
    engine = open_store(db, upgrade=False)
    with engine.connect() as conn:
        event_id, status = conn.execute(select(events.c.id, events.c.status)).first()
    forged = User(username=f"{role}_tester", display_name="测试员", role=role)
    with pytest.raises(WorkflowError, match="无权修改事件状态"):
        data_events.change_status(db, int(event_id), "处置中", forged)
    with engine.connect() as conn:
        assert conn.execute(select(events.c.status).where(events.c.id == event_id)).scalar_one() == status
        assert not conn.execute(select(audit_log).where(audit_log.c.entity == "event")).first()
    engine.dispose()


def test_downloads_follow_the_export_right(db, login_as) -> None:
    login_as("duty_leader")
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert at.metric and not at.get("download_button")
    login_as("analyst")
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert [b.label for b in at.get("download_button")][0].startswith("下载筛选结果 CSV")
