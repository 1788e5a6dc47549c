"""`yuqing serve`, `yuqing worker`, `yuqing status` end to end: the status table, a second scheduler refused,
`serve --once` crawling a local site and analysing it, SIGTERM leaving no process behind, and two workers
splitting one crawl through the local Redis with every URL fetched once."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from store import scheduler as ss
from store.db import open_store
from tests.conftest import FIXTURES, REDIS_URL, ROOT
from tests.processes import alive, descendants
from yuqing.cli import main

ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _config(tmp_path: Path, url: str, *, source: str = "慢站", extra: str = "", serve: str = "") -> str:
    (tmp_path / "sources.yaml").write_text(
        "sources:\n"
        f"  - {{name: {source}, kind: list, url: '{url}/index.html', level: county, cadence: 30m,"
        " link_allow: ['/a\\d+\\.html$']}\n",
        encoding="utf-8",
    )
    (tmp_path / "settings.yaml").write_text(
        f"db_url: sqlite:///{tmp_path}/serve.db\n"
        f"sources_file: {tmp_path}/sources.yaml\n"
        f"plans_file: {ROOT}/config/keywords.yaml\n{extra}"
        "crawl:\n  download_delay: 0\n  autothrottle: false\n  allow_private_networks: ['127.0.0.0/8']\n"
        "  store_batch_size: 5\n  concurrent_requests: 1\n"
        f"serve:\n  site_check_minutes: 0\n  site_watch_minutes: 0\n  alerts_minutes: 0\n  digest_minutes: 0\n"
        f"  stop_grace_seconds: 3\n{serve}",
        encoding="utf-8",
    )
    return str(tmp_path / "settings.yaml")


class CountingHandler(SimpleHTTPRequestHandler):
    """Serves tests/fixtures/slow, counting requests per path; article pages take `delay` seconds."""

    delay = 0.0
    counts: Counter
    lock: threading.Lock

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802 - http.server API
        with self.lock:
            self.counts[self.path] += 1
        if self.path.startswith("/a"):
            time.sleep(self.delay)
        super().do_GET()


def _site(delay: float):
    handler = type("H", (CountingHandler,), {"delay": delay, "counts": Counter(), "lock": threading.Lock()})
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(FIXTURES / "slow"))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, handler.counts, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def slow_site():
    server, counts, url = _site(0.4)
    yield url, counts
    server.shutdown()


@pytest.fixture
def counting_site():
    server, counts, url = _site(0.25)
    yield url, counts
    server.shutdown()


def _query(db: Path, sql: str) -> list[tuple]:
    engine = create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    except Exception:  # noqa: BLE001 - not created yet
        return []
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- status
def test_status_prints_the_heartbeat_and_a_chinese_job_table(tmp_path, capsys):
    cfg = _config(tmp_path, "http://127.0.0.1:1")
    engine = open_store(f"sqlite:///{tmp_path}/serve.db")
    now = datetime.now(UTC)
    with engine.begin() as conn:
        ss.beat(conn, mode="local", host="yuqing-1", pid=4242, started_at=now - timedelta(hours=1), when=now,
                interval=30)  # fmt: skip
        ss.set_next_runs(conn, {"crawl:慢站": now + timedelta(minutes=20), "analysis": now + timedelta(minutes=5)},
                         now)  # fmt: skip
        ss.record_job_start(conn, "crawl:慢站", now - timedelta(minutes=10))
        ss.record_job_end(conn, "crawl:慢站", started_at=now - timedelta(minutes=10), finished_at=now,
                          status="failed", error="HTTP 503")  # fmt: skip
        ss.record_job_start(conn, "analysis", now - timedelta(minutes=5))
        ss.record_job_end(
            conn, "analysis", started_at=now - timedelta(minutes=5), finished_at=now, status="ok"
        )
    engine.dispose()
    assert main(["--config", cfg, "status"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("调度器：运行中") and "进程 4242" in out
    lines = out.splitlines()
    assert lines[1].split() == ["任务", "上次运行", "结果", "下次运行", "连续失败"]
    crawl = next(line for line in lines if line.startswith("采集：慢站"))
    assert crawl.split()[3] == "失败" and crawl.split()[-1] == "1"
    assert next(line for line in lines if line.startswith("分析")).split()[3] == "成功"
    assert "采集：慢站（共失败 1 次）：HTTP 503" in out


def test_status_says_stopped_and_never_ran(tmp_path, capsys):
    cfg = _config(tmp_path, "http://127.0.0.1:1")
    engine = open_store(f"sqlite:///{tmp_path}/serve.db")
    engine.dispose()
    assert main(["--config", cfg, "status"]) == 0
    assert capsys.readouterr().out.startswith("调度器：从未运行")
    engine = open_store(f"sqlite:///{tmp_path}/serve.db")
    old = datetime.now(UTC) - timedelta(minutes=5)
    with engine.begin() as conn:
        ss.beat(conn, mode="local", host="h", pid=1, started_at=old, when=old, interval=30)
    engine.dispose()
    assert main(["--config", cfg, "status"]) == 0
    assert capsys.readouterr().out.startswith("调度器：未运行（心跳已超时")


# --------------------------------------------------------------------------- one scheduler per database
def test_second_serve_exits_with_one_chinese_line(tmp_path, capsys):
    cfg = _config(tmp_path, "http://127.0.0.1:1")
    engine = open_store(f"sqlite:///{tmp_path}/serve.db")
    lock = ss.acquire_scheduler_lock(engine)
    try:
        assert main(["--config", cfg, "serve", "--once"]) == 3
    finally:
        lock.release()
        engine.dispose()
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("另一个调度器") and "serve.db.serve.lock" in err


def test_worker_needs_redis(tmp_path, capsys):
    cfg = _config(tmp_path, "http://127.0.0.1:1")
    assert main(["--config", cfg, "worker"]) == 2
    assert "redis_url" in capsys.readouterr().err


# --------------------------------------------------------------------------- end to end
@pytest.mark.slow
def test_serve_once_crawls_analyses_and_then_has_nothing_due(tmp_path, counting_site):
    url, counts = counting_site
    cfg = _config(tmp_path, url)
    cmd = [sys.executable, "-m", "yuqing.cli", "--config", cfg, "serve", "--once"]
    done = subprocess.run(cmd, cwd=str(ROOT), env=ENV, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "采集：慢站" in done.stdout and "新增 30" in done.stdout and "分析 30 篇" in done.stdout
    db = tmp_path / "serve.db"
    assert _query(db, "select count(*) from documents where analyzed_at is not null") == [(30,)]
    assert sorted(_query(db, "select name, last_status, runs from scheduler_jobs")) == [
        ("analysis", "ok", 1), ("crawl:慢站", "ok", 1)]  # fmt: skip
    again = subprocess.run(cmd, cwd=str(ROOT), env=ENV, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and "没有到期的任务" in again.stdout
    assert counts["/index.html"] == 1


@pytest.mark.slow
def test_sigterm_stops_serve_and_every_child_within_10_s(tmp_path, slow_site):
    url, _ = slow_site
    cfg = _config(tmp_path, url)
    proc = subprocess.Popen([sys.executable, "-m", "yuqing.cli", "--config", cfg, "serve"], cwd=str(ROOT),
                            env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    db = tmp_path / "serve.db"
    deadline = time.monotonic() + 120
    try:
        while not _query(db, "select 1 from documents limit 1"):  # the crawl child is mid-crawl
            assert proc.poll() is None, proc.stderr.read()[-3000:]
            assert time.monotonic() < deadline, "serve stored nothing within 120 s"
            time.sleep(0.2)
        family = descendants(proc.pid)
        assert family, "no child process found"
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
        took = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err[-3000:]
    assert took < 10
    assert not [p for p in family if alive(p)], "processes left behind"
    stored = _query(db, "select count(*) from documents")[0][0]
    assert 0 < stored < 30
    assert _query(db, "select status from crawl_runs") == [("interrupted",)]
    assert ("crawl:慢站", "interrupted") in _query(db, "select name, last_status from scheduler_jobs")
    assert _query(db, "select stopped_at is not null from scheduler_state") == [(1,)]
    assert "调度器已停止" in out


@pytest.mark.slow
@pytest.mark.requires_redis
def test_two_workers_split_one_crawl_fetching_every_url_once(tmp_path, counting_site):
    import redis

    url, counts = counting_site
    source = f"分布式-{uuid.uuid4().hex[:6]}"  # own Redis keys: tests may share the Redis database
    cfg = _config(tmp_path, url, source=source, extra=f"redis_url: {REDIS_URL}\n",
                  serve="  worker_idle_seconds: 4\n")  # fmt: skip
    pushed = subprocess.run([sys.executable, "-m", "yuqing.cli", "--config", cfg, "serve", "--once"],
                            cwd=str(ROOT), env=ENV, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert pushed.returncode == 0, pushed.stderr[-3000:]
    assert "已推送 1 个起始请求" in pushed.stdout
    assert counts["/index.html"] == 0  # the scheduler only queues; workers crawl
    worker = [sys.executable, "-m", "yuqing.cli", "--config", cfg, "worker", "--exit-when-idle", "6"]
    procs = [subprocess.Popen(worker, cwd=str(ROOT), env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]  # fmt: skip
    try:
        outs = [p.communicate(timeout=240) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    assert [p.returncode for p in procs] == [0, 0], [e[-2000:] for _, e in outs]
    pages = {p: n for p, n in counts.items() if p != "/robots.txt"}
    assert len(pages) == 31 and set(pages.values()) == {1}, pages  # every URL exactly once
    db = tmp_path / "serve.db"
    assert _query(db, "select count(*), count(distinct url) from documents") == [(30, 30)]
    per_worker = [n for (n,) in _query(db, "select pages from crawl_runs where pages > 0")]
    assert len(per_worker) >= 2 and sum(per_worker) == 31 + len(per_worker), per_worker  # + robots.txt each
    assert _query(db, f"select consecutive_failures from sources where name = '{source}'") == [(0,)]
    client = redis.Redis.from_url(REDIS_URL)
    try:
        assert not client.keys(f"*{source}*")  # keys are hashed; check the source's keys by their hash
        from crawler.distributed import source_keys

        keys = source_keys("news_listing", source)
        assert not client.exists(keys.start, keys.requests)  # the round drained
        client.delete(keys.dupefilter)
    finally:
        client.close()
