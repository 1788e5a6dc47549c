"""Accounts and logins (jobs.auth) and the role checks on every workflow write (jobs.workflows.PERMISSIONS):
argon2 hashes only, lockout per account and per client, every outcome in the audit log, no password in any
log, and read-only roles refused by the workflow functions themselves (nothing written)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from jobs import auth
from jobs.analysis import run_stage2
from jobs.sitewatch import rebaseline
from jobs.workflows import (
    PERMISSIONS,
    WorkflowError,
    add_candidate,
    can,
    change_candidate_status,
    change_event_status,
    record_response,
)
from store.db import open_store
from store.schema import audit_log, site_candidates, users
from store.sitewatch import upsert_candidate
from store.users import ROLES, User, console_user, user_log
from tests.factories import STORY_NOW, doc_rows, insert_documents, story_documents

PW = "correct horse 1"
T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


@pytest.fixture
def fast_hashes(monkeypatch):
    """Cheap argon2 parameters for tests that verify many passwords (the defaults take ~0.7 s each here)."""
    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def engine(tmp_path):
    engine = open_store(f"sqlite:///{tmp_path / 'auth.db'}")
    yield engine
    engine.dispose()


def log_rows(engine) -> list[tuple]:
    with engine.connect() as conn:
        return [(r["action"], r["by_whom"], r["new_value"], r["note"]) for r in reversed(user_log(conn))]


def test_create_user_stores_only_an_argon2id_hash(engine, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    user = auth.create_user(engine, "zhang", PW, "handler", display_name="张三", now=T0)
    assert (user.username, user.display_name, user.role, user.label) == (
        "zhang",
        "张三",
        "handler",
        "张三（zhang）",
    )
    with engine.connect() as conn:
        row = conn.execute(select(users)).mappings().one()
        logged = conn.execute(select(audit_log)).mappings().all()
    assert row["password_hash"].startswith("$argon2id$") and PW not in row["password_hash"]
    assert PasswordHasher().verify(row["password_hash"], PW)
    assert (row["failed_count"], row["disabled"], row["locked_until"]) == (0, False, None)
    assert all(PW not in str(dict(r)) for r in logged) and PW not in caplog.text
    assert [u["username"] for u in auth.list_users(engine)] == ["zhang"]
    assert "password_hash" not in auth.list_users(engine)[0]


@pytest.mark.parametrize(
    ("username", "password", "role", "message"),
    [("zhang", PW, "handler", "已存在"), ("bad name", PW, "handler", "用户名"), ("li", "short", "handler", "至少 8"),
     ("li", PW, "superuser", "未知角色")],
)  # fmt: skip
def test_create_user_refuses_bad_input_in_chinese(
    fast_hashes, engine, username, password, role, message
) -> None:
    auth.create_user(engine, "zhang", PW, "handler")
    with pytest.raises(auth.AuthError, match=message):
        auth.create_user(engine, username, password, role)


def test_login_ok_then_wrong_password_counts_down_and_locks(fast_hashes, engine, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    auth.create_user(engine, "zhang", PW, "handler", now=T0)
    ok = auth.authenticate(engine, "zhang", PW, client="10.0.0.1", now=T0)
    assert ok.user is not None and ok.user.username == "zhang"
    messages = [
        auth.authenticate(
            engine, "zhang", f"wrong-{i}", client=f"10.0.0.{i + 2}", now=T0 + timedelta(minutes=i)
        )
        for i in range(5)
    ]
    assert [m.remaining for m in messages] == [4, 3, 2, 1, 0]
    assert messages[0].message == "用户名或密码错误（还可尝试 4 次）"
    assert "账号已锁定 15 分钟" in messages[-1].message
    # locked: even the right password is refused until the lock ends, then it works again
    locked = auth.authenticate(engine, "zhang", PW, client="10.0.0.9", now=T0 + timedelta(minutes=10))
    assert locked.user is None and "已被锁定" in locked.message
    later = auth.authenticate(engine, "zhang", PW, client="10.0.0.9", now=T0 + timedelta(minutes=20))
    assert later.user is not None
    actions = [a for a, *_ in log_rows(engine)]
    assert actions == ["add", "login"] + ["login_failed"] * 5 + ["login_locked", "login_locked", "login"]
    assert all(PW not in str(r) and "wrong-" not in str(r) for r in log_rows(engine))
    assert PW not in caplog.text and "wrong-" not in caplog.text


def test_client_with_five_failures_is_refused_for_every_username(fast_hashes, engine) -> None:
    auth.create_user(engine, "zhang", PW, "handler")
    for i in range(5):
        r = auth.authenticate(engine, f"guess{i}", "x" * 8, client="203.0.113.7", now=T0)
        assert r.user is None and r.message.startswith("用户名或密码错误") or r.remaining == 0
    refused = auth.authenticate(engine, "zhang", PW, client="203.0.113.7", now=T0 + timedelta(minutes=1))
    assert refused.user is None and "次数过多" in refused.message
    other = auth.authenticate(engine, "zhang", PW, client="198.51.100.1", now=T0 + timedelta(minutes=1))
    assert other.user is not None  # another client is not locked out, nor is the account
    after = auth.authenticate(engine, "zhang", PW, client="203.0.113.7", now=T0 + timedelta(minutes=16))
    assert after.user is not None  # the window has passed


def test_unknown_and_disabled_accounts_get_the_wrong_password_message(fast_hashes, engine) -> None:
    auth.create_user(engine, "zhang", PW, "handler")
    assert auth.set_disabled(engine, "zhang") and not auth.set_disabled(engine, "zhang")
    disabled = auth.authenticate(engine, "zhang", PW, client="c1", now=T0)
    unknown = auth.authenticate(engine, "nobody", PW, client="c2", now=T0)
    assert disabled.user is None and unknown.user is None
    assert disabled.message == unknown.message == "用户名或密码错误（还可尝试 4 次）"
    assert auth.active_user(engine, "zhang") is None
    assert auth.set_disabled(engine, "zhang", False) and auth.active_user(engine, "zhang") is not None


def test_new_password_replaces_the_old_and_lifts_a_lock(fast_hashes, engine) -> None:
    auth.create_user(engine, "zhang", PW, "handler")
    for _ in range(5):
        auth.authenticate(engine, "zhang", "nope-nope", client="c", now=T0)
    auth.set_password(engine, "zhang", "another pass 2", now=T0)
    assert auth.authenticate(engine, "zhang", PW, client="d", now=T0).user is None
    assert auth.authenticate(engine, "zhang", "another pass 2", client="d", now=T0).user is not None
    with pytest.raises(auth.AuthError, match="没有用户"):
        auth.set_password(engine, "nobody", "another pass 2")


def test_outdated_hash_is_rehashed_at_login(engine) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    with engine.begin() as conn:
        conn.execute(users.insert().values(username="old", display_name="old", role="analyst",
                                           password_hash=weak.hash(PW), disabled=False, created_at=T0,
                                           failed_count=0))  # fmt: skip
    assert auth.authenticate(engine, "old", PW, client="c", now=T0).user is not None
    with engine.connect() as conn:
        stored = conn.execute(select(users.c.password_hash)).scalar_one()
    assert "m=8," not in stored and PasswordHasher().verify(stored, PW)


def test_logout_is_logged_with_the_user(fast_hashes, engine) -> None:
    user = auth.create_user(engine, "zhang", PW, "handler", display_name="张三")
    auth.logout(engine, user, reason="超时自动退出", now=T0)
    assert log_rows(engine)[-1] == ("logout", "张三（zhang）", None, "超时自动退出")


# ------------------------------------------------------------------------------------ permissions


def test_permission_table_matches_the_roles() -> None:
    assert set(PERMISSIONS) == {*ROLES, "console"}
    handler, leader, analyst, admin = (
        User("u", "u", r) for r in ("handler", "duty_leader", "analyst", "admin")
    )
    assert can(handler, "event_status") and can(handler, "rebaseline") and can(handler, "candidate_status")
    assert can(leader, "acknowledge") and not can(leader, "event_status") and not can(leader, "export")
    assert can(analyst, "export") and not can(analyst, "response")
    assert can(admin, "users") and not can(admin, "event_status")
    assert not can(None, "read") and not can(User("u", "u", "intruder"), "read")


@pytest.mark.parametrize("role", ["analyst", "duty_leader", "admin"])
def test_roles_without_the_right_are_refused_by_every_workflow_write(sqlite_store, role) -> None:
    engine = sqlite_store
    insert_documents(engine, story_documents())
    run_stage2(engine, now=STORY_NOW)
    eid = doc_rows(engine)["b1"]["event_id"]
    with engine.begin() as conn:
        cid, _ = upsert_candidate(conn, "http://fake.cn/", method="manual", now=STORY_NOW)
        before = conn.execute(select(func.count()).select_from(audit_log)).scalar_one()
    forged = User(username="reader", display_name="读者", role=role)
    label = {"analyst": "分析员", "duty_leader": "值班领导", "admin": "管理员"}[role]
    for write in (
        lambda: change_event_status(engine, eid, "处置中", forged, now=STORY_NOW),
        lambda: record_response(engine, eid, "澄清", forged, now=STORY_NOW),
        lambda: change_candidate_status(engine, cid, "已报送", forged, now=STORY_NOW),
        lambda: add_candidate(engine, "http://other.cn/", forged, now=STORY_NOW),
        lambda: rebaseline(engine, by=forged, now=STORY_NOW),
    ):
        with pytest.raises(WorkflowError, match=f"^{label}无权"):
            write()
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(audit_log)).scalar_one() == before
        assert conn.execute(select(func.count()).select_from(site_candidates)).scalar_one() == 1
    assert (
        change_event_status(engine, eid, "处置中", User("h", "处置员", "handler"), now=STORY_NOW) == "待研判"
    )
    assert change_event_status(engine, eid, "无需回应", console_user("值班员"), now=STORY_NOW) == "处置中"
    engine.dispose()


def test_free_text_is_not_an_acting_user(engine) -> None:
    with pytest.raises(TypeError, match="store.users.User"):
        change_event_status(engine, 1, "处置中", "张三")  # type: ignore[arg-type]
