"""store.scheduler on SQLite and (marked) PostgreSQL: one scheduler per database, job rows and the heartbeat."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from store import scheduler as ss
from store.db import open_store

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.requires_postgres)])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/store.db"
    return request.getfixturevalue("pg_schema_url")


@pytest.fixture
def engines(db_url):
    opened = []

    def _open():
        engine = open_store(db_url)
        opened.append(engine)
        return engine

    yield _open
    for e in opened:
        e.dispose()


def test_second_scheduler_on_the_same_database_is_refused_until_the_first_releases(engines):
    first = ss.acquire_scheduler_lock(engines())
    try:
        with pytest.raises(ss.SchedulerLockBusy, match="另一个调度器") as exc:
            ss.acquire_scheduler_lock(engines())  # another engine: another session / open file
        assert "\n" not in str(exc.value)
        assert first.alive()
    finally:
        first.release()
    again = ss.acquire_scheduler_lock(engines())
    again.release()


def test_sqlite_lock_file_sits_beside_the_database_and_names_the_holder(tmp_path):
    engine = open_store(f"sqlite:///{tmp_path}/m.db")
    lock = ss.acquire_scheduler_lock(engine)
    try:
        assert lock.path == tmp_path / "m.db.serve.lock"
        with pytest.raises(ss.SchedulerLockBusy, match=r"进程 \d+"):
            ss.acquire_scheduler_lock(engine)
    finally:
        lock.release()
        engine.dispose()


@pytest.mark.requires_postgres
def test_postgres_lock_is_per_schema(pg_schema_url):
    """Two stores in two schemas of one database each get their own scheduler."""
    import uuid

    from sqlalchemy import create_engine, text

    from tests.conftest import POSTGRES_URL

    schema = f"t_lock_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    a = open_store(pg_schema_url)
    b = open_store(f"{POSTGRES_URL}?options=-csearch_path%3D{schema}")
    try:
        la = ss.acquire_scheduler_lock(a)
        lb = ss.acquire_scheduler_lock(b)
        la.release()
        lb.release()
    finally:
        a.dispose()
        b.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_job_rows_count_runs_and_failures(engines):
    engine = engines()
    with engine.begin() as conn:
        ss.set_next_runs(conn, {"analysis": T0, "crawl:a": T0}, T0)
        for i, status in enumerate(["failed", "timeout", "interrupted", "ok", "failed"]):
            start = T0 + timedelta(minutes=10 * i)
            ss.record_job_start(conn, "crawl:a", start)
            ss.record_job_end(conn, "crawl:a", started_at=start, finished_at=start + timedelta(minutes=1),
                              status=status, error=f"e{i}", summary=f"s{i}")  # fmt: skip
        rows = {r["name"]: r for r in ss.job_rows(conn)}
    a = rows["crawl:a"]
    assert (a["runs"], a["failures"], a["consecutive_failures"]) == (5, 3, 1)
    assert (
        a["last_ok_at"] == T0 + timedelta(minutes=30)
        and a["last_error"] == "e4"
        and a["last_summary"] == "s4"
    )
    assert (
        a["next_run_at"] == T0 and rows["analysis"]["runs"] == 0 and rows["analysis"]["last_status"] is None
    )
    with engine.begin() as conn:
        assert ss.forget_jobs(conn, ["crawl:a"]) == 1
        ss.record_job_start(conn, "crawl:a", T0 + timedelta(hours=1))
        assert ss.interrupt_running_jobs(conn, T0 + timedelta(hours=2)) == 1
        assert [r["last_status"] for r in ss.job_rows(conn)] == ["interrupted"]


def test_heartbeat_alive_within_twice_its_interval(engines):
    engine = engines()
    with engine.begin() as conn:
        assert ss.scheduler_status(conn, T0).state is None
        ss.beat(conn, mode="local", host="h", pid=42, started_at=T0, when=T0, interval=30)
    with engine.connect() as conn:
        assert ss.scheduler_status(conn, T0 + timedelta(seconds=59)).alive
        assert not ss.scheduler_status(conn, T0 + timedelta(seconds=61)).alive
    with engine.begin() as conn:
        ss.mark_stopped(conn, T0 + timedelta(seconds=5))
        st = ss.scheduler_status(conn, T0 + timedelta(seconds=10))
    assert not st.alive and st.state["pid"] == 42 and st.state["stopped_at"] == T0 + timedelta(seconds=5)
