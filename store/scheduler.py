"""The scheduler's state in the store: one row per scheduled job (last and next run, result, failure counts),
the heartbeat of the one `yuqing serve` process, and the lock that keeps it the only one per database
(PostgreSQL: an advisory lock held by a dedicated connection; SQLite: an flock on a file beside the database).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, text, update
from sqlalchemy.engine import Connection, Engine, make_url

from config.vocabulary import SCHEDULER_JOB_LABELS, SCHEDULER_RESULT_LABELS, scheduler_job_label
from store.queries import _insert
from store.schema import scheduler_jobs, scheduler_state, sources

logger = logging.getLogger(__name__)

# job results as stored in scheduler_jobs.last_status
RUNNING, OK, FAILED, TIMEOUT, INTERRUPTED = "running", "ok", "failed", "timeout", "interrupted"
FAILURES = (FAILED, TIMEOUT)

# pg_try_advisory_lock(classid, objid): a fixed class for this application, the schema's hash as object
_PG_LOCK_CLASS = 0x5951  # "YQ"


# what people read (yuqing status, the 信源健康 page)
JOB_LABELS = SCHEDULER_JOB_LABELS
RESULT_LABELS = SCHEDULER_RESULT_LABELS
job_label = scheduler_job_label  # 采集：<信源>, 分析, 预警 …


# --------------------------------------------------------------------------- jobs
def record_job_start(conn: Connection, name: str, when: datetime) -> None:
    """Mark a job running (inserting its row on first use) and count the run."""
    stmt = _insert(conn, scheduler_jobs).values(
        name=name, last_started_at=when, last_status=RUNNING, runs=1, failures=0, consecutive_failures=0,
        updated_at=when,
    )  # fmt: skip
    stmt = stmt.on_conflict_do_update(
        index_elements=[scheduler_jobs.c.name],
        set_={
            "last_started_at": when,
            "last_status": RUNNING,
            "runs": scheduler_jobs.c.runs + 1,
            "updated_at": when,
        },
    )
    conn.execute(stmt)


def record_job_end(
    conn: Connection,
    name: str,
    *,
    started_at: datetime,
    finished_at: datetime,
    status: str,
    error: str | None = None,
    summary: str | None = None,
) -> None:
    """Store a run's result: success resets the consecutive failures, a failure or timeout counts one, an
    interrupted run (the scheduler was stopped) counts neither."""
    values: dict[str, Any] = {
        "last_finished_at": finished_at,
        "last_status": status,
        "last_summary": (summary or "")[:2000] or None,
        "updated_at": finished_at,
    }
    if status == OK:
        values.update(last_ok_at=started_at, consecutive_failures=0, last_error=None)
    elif status in FAILURES:
        values.update(
            consecutive_failures=scheduler_jobs.c.consecutive_failures + 1,
            failures=scheduler_jobs.c.failures + 1,
            last_error=(error or status)[:2000],
        )
    elif error:
        values["last_error"] = error[:2000]
    conn.execute(update(scheduler_jobs).where(scheduler_jobs.c.name == name).values(**values))


def set_next_runs(conn: Connection, next_runs: Mapping[str, datetime | None], when: datetime) -> None:
    """Store each job's next run time (creating rows for jobs that never ran)."""
    for name, at in next_runs.items():
        stmt = _insert(conn, scheduler_jobs).values(
            name=name, next_run_at=at, runs=0, failures=0, consecutive_failures=0, updated_at=when
        )
        conn.execute(
            stmt.on_conflict_do_update(index_elements=[scheduler_jobs.c.name], set_={"next_run_at": at})
        )


def forget_jobs(conn: Connection, keep: Iterable[str]) -> int:
    """Delete the rows of jobs no longer scheduled (a source removed from sources.yaml); returns how many."""
    keep = list(keep)
    res = conn.execute(delete(scheduler_jobs).where(scheduler_jobs.c.name.not_in(keep)))
    return int(res.rowcount or 0)


def interrupt_running_jobs(conn: Connection, when: datetime) -> int:
    """Mark the jobs a stopped or killed scheduler left `running` as interrupted; returns how many."""
    res = conn.execute(
        update(scheduler_jobs)
        .where(scheduler_jobs.c.last_status == RUNNING)
        .values(last_status=INTERRUPTED, last_finished_at=when, updated_at=when)
    )
    return int(res.rowcount or 0)


def job_rows(conn: Connection) -> list[dict[str, Any]]:
    """Every job row, by name."""
    rows = conn.execute(select(scheduler_jobs).order_by(scheduler_jobs.c.name)).mappings().all()
    return [dict(r) for r in rows]


def source_last_success(conn: Connection) -> dict[str, datetime | None]:
    """Each source's last successful crawl as recorded by the crawler (sources.last_success_at)."""
    return {name: at for name, at in conn.execute(select(sources.c.name, sources.c.last_success_at))}


# --------------------------------------------------------------------------- heartbeat
def beat(
    conn: Connection, *, mode: str, host: str, pid: int, started_at: datetime, when: datetime, interval: int
) -> None:
    """Write the scheduler's heartbeat (the single row id 1)."""
    row = {
        "id": 1, "mode": mode, "host": host[:200], "pid": pid, "started_at": started_at, "heartbeat_at": when,
        "heartbeat_seconds": interval, "stopped_at": None,
    }  # fmt: skip
    stmt = _insert(conn, scheduler_state).values(**row)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[scheduler_state.c.id], set_={k: v for k, v in row.items() if k != "id"}
        )
    )


def mark_stopped(conn: Connection, when: datetime) -> None:
    conn.execute(update(scheduler_state).where(scheduler_state.c.id == 1).values(stopped_at=when))


@dataclass
class SchedulerStatus:
    """The heartbeat row (None: no scheduler ever ran), whether it is alive now, and the job rows."""

    state: dict[str, Any] | None
    alive: bool
    jobs: list[dict[str, Any]] = field(default_factory=list)


def is_alive(state: Mapping[str, Any] | None, now: datetime) -> bool:
    """A scheduler is running when it has not stopped and its heartbeat is younger than twice its interval."""
    if not state or state.get("stopped_at") is not None:
        return False
    return now - state["heartbeat_at"] < timedelta(seconds=2 * int(state["heartbeat_seconds"]))


def scheduler_status(conn: Connection, now: datetime | None = None) -> SchedulerStatus:
    now = now or datetime.now(UTC)
    row = conn.execute(select(scheduler_state).where(scheduler_state.c.id == 1)).mappings().first()
    state = dict(row) if row else None
    return SchedulerStatus(state=state, alive=is_alive(state, now), jobs=job_rows(conn))


# --------------------------------------------------------------------------- one scheduler per database
class SchedulerLockBusy(RuntimeError):
    """Another scheduler holds the lock of this database; the message says which (in Chinese)."""


class SchedulerLock:
    """Held for the process lifetime; `release()` (or process exit) frees it."""

    def __init__(self, kind: str, *, conn: Connection | None = None, fh=None, path: Path | None = None):
        self.kind, self._conn, self._fh, self.path = kind, conn, fh, path

    def alive(self) -> bool:
        """False when the PostgreSQL connection holding the lock has been lost (the lock with it)."""
        if self._conn is None:
            return self._fh is not None or self.kind == "memory"
        try:
            self._conn.execute(text("SELECT 1"))
            self._conn.commit()  # never leave the lock's session idle in a transaction
            return True
        except Exception as exc:  # noqa: BLE001 - any driver error means the session (and lock) is gone
            logger.error("scheduler lock connection lost: %s", exc)
            return False

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()  # ends the session, which releases its advisory locks
            except Exception:  # noqa: BLE001
                pass
            self._conn = None
        if self._fh is not None:
            import fcntl

            try:
                fcntl.flock(self._fh, fcntl.LOCK_UN)
            finally:
                self._fh.close()
                self._fh = None


def lock_file_for(db_url: str) -> Path | None:
    """The lock file beside a SQLite database file (None for in-memory databases)."""
    url = make_url(db_url)
    if not url.database or url.database == ":memory:":
        return None
    return Path(url.database).with_name(Path(url.database).name + ".serve.lock")


def acquire_scheduler_lock(engine: Engine) -> SchedulerLock:
    """Take this database's scheduler lock or raise SchedulerLockBusy (never waits)."""
    if engine.dialect.name == "postgresql":
        conn = engine.connect()
        conn.detach()  # its own session, never returned to the pool: closing it ends the session and the lock
        try:
            got = conn.execute(
                text(
                    "SELECT pg_try_advisory_lock(:cls, hashtext(current_database() || '.' || current_schema()))"
                ),
                {"cls": _PG_LOCK_CLASS},
            ).scalar_one()
            conn.commit()
        except Exception:
            conn.close()
            raise
        if not got:
            conn.close()
            raise SchedulerLockBusy("另一个调度器（yuqing serve）正在使用此 PostgreSQL 数据库，本进程退出。")
        return SchedulerLock("postgresql", conn=conn)
    path = lock_file_for(str(engine.url))
    if path is None:
        return SchedulerLock("memory")
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    fh = open(path, "a+")  # noqa: SIM115 - held open for the process lifetime
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.seek(0)
        holder = fh.read().strip()
        fh.close()
        who = f"（进程 {holder}）" if holder else ""
        raise SchedulerLockBusy(
            f"另一个调度器（yuqing serve）{who}正在使用此数据库（锁文件 {path}），本进程退出。"
        ) from None
    fh.seek(0)
    fh.truncate()
    fh.write(f"{os.getpid()}\n")
    fh.flush()
    return SchedulerLock("sqlite", fh=fh, path=path)
