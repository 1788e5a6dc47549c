"""Signals stop every child (issue 11, item 6): SIGTERM / SIGINT to `yuqing dashboard` and `yuqing demo` stop
Streamlit too and free its port; killing `yuqing analyze` in stage 2 leaves no pool worker behind. Each test:
after the signal, within 10 s, no process the command started is left and the ports are free."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from tests.conftest import ROOT
from tests.processes import descendants, free_port, gone_within, healthy, reap, wait_until


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    return {**env, "PYTHONPATH": str(ROOT), **extra}


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_signal_to_dashboard_stops_streamlit_and_frees_the_port(tmp_path, sig):
    """SIGTERM / SIGINT are forwarded and waited for; after a SIGKILL (nothing to forward) the kernel's
    parent-death signal stops Streamlit."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "yuqing.cli", "dashboard", "--port", str(port)], cwd=str(ROOT),
                            env=_env(MONITOR_DB_URL=f"sqlite:///{tmp_path / 'd.db'}"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    family: set[int] = set()
    try:
        wait_until(lambda: healthy(port), 90, "the dashboard answering", proc)
        family = descendants(proc.pid)
        assert family, "Streamlit is not a child process"
        proc.send_signal(sig)
        left, held = gone_within({proc.pid, *family}, [port], 10)
        assert not left, f"processes left behind: {left}"
        assert not held, "the dashboard port is still held"
        assert proc.wait(timeout=1) == (-signal.SIGKILL if sig == signal.SIGKILL else 0)
    finally:
        reap(proc, family)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_to_demo_stops_streamlit_sites_and_catchers(tmp_path, sig):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "yuqing.cli", "demo", "--data-dir", str(tmp_path),
                             "--port-base", "0", "--port", str(port)], cwd=str(ROOT), env=_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    family: set[int] = set()
    try:
        wait_until(lambda: healthy(port), 240, "the demo dashboard answering", proc)
        family = descendants(proc.pid)
        assert family, "Streamlit is not a child process"
        site_ports = _listening_ports(proc.pid)
        assert len(site_ports) >= 5, site_ports  # the demo sites and the catchers, served by the demo process
        proc.send_signal(sig)
        left, held = gone_within({proc.pid, *family}, [port, *site_ports], 10)
        assert not left, f"processes left behind: {left}"
        assert not held, f"ports still held: {held}"
        assert proc.wait(timeout=1) == 0
    finally:
        reap(proc, family)


def _listening_ports(pid: int) -> list[int]:
    """TCP ports on 127.0.0.1 that process `pid` listens on (its socket inodes matched in /proc/net/tcp)."""
    inodes = set()
    for fd in (f"/proc/{pid}/fd/{n}" for n in os.listdir(f"/proc/{pid}/fd")):
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = []
    with open("/proc/net/tcp") as fh:
        for line in fh.readlines()[1:]:
            f = line.split()
            if f[3] == "0A" and f[9] in inodes:  # LISTEN
                ports.append(int(f[1].split(":")[1], 16))
    return ports


# --------------------------------------------------------------------------- the stage-2 worker pool
POOL_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from analysis import text
    from config.resources import load_text_resources
    from jobs.analysis import _feature_pool
    text.configure(load_text_resources())
    pool = _feature_pool(2)
    doc = {"id": 1, "title": "审计署", "body": "北京市审计局发布审计报告", "published_at": None,
           "first_seen_at": None, "source": None, "platform": None}
    from analysis.opinion.placement import document_facts
    list(pool.map(document_facts, [doc] * 4))
    print("ready", flush=True)
    time.sleep(120)
    """
)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_stage2_pool_workers_die_with_their_parent(sig):
    proc = subprocess.Popen([sys.executable, "-c", POOL_SCRIPT], cwd=str(ROOT), env=_env(),
                            stdout=subprocess.PIPE, text=True)  # fmt: skip
    workers: set[int] = set()
    try:
        assert proc.stdout.readline().strip() == "ready"
        workers = descendants(proc.pid)
        assert len(workers) >= 2, workers
        proc.send_signal(sig)
        proc.wait(timeout=10)
        left, _ = gone_within(workers, [], 10)
        assert not left, f"pool workers left behind: {left}"
    finally:
        proc.stdout.close()
        reap(proc, workers)


@pytest.fixture()
def stage2_backlog(tmp_path):
    """A database with 3,000 documents through stage 1 and waiting for stage 2 (enough for the worker pool)."""
    from sqlalchemy import text

    from analysis.opinion.documents import analysis_version
    from store.db import open_store
    from tests import factories

    db = tmp_path / "a.db"
    engine = open_store(f"sqlite:///{db}")
    body = "市审计局通报专项审计发现的问题，涉及资金使用、项目管理和整改落实情况。" * 20
    # stage 1 done: `yuqing analyze` goes straight to stage 2
    done = factories.analysed(analysis_version=analysis_version("project"), analyzed_at=factories.FETCHED)
    factories.insert_documents(engine, [
        factories.document(i, title=f"审计整改通报第{i}号", body=f"{body}{i}", analysis=done)
        for i in range(3000)
    ])  # fmt: skip
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from documents where stage2_at is null "
                                 "and analyzed_at is not null")).scalar_one() == 3000  # fmt: skip
    engine.dispose()
    return f"sqlite:///{db}"


def _analyze_until_pool(db_url: str, **popen) -> tuple[subprocess.Popen, set[int]]:
    proc = subprocess.Popen([sys.executable, "-m", "yuqing.cli", "analyze"], cwd=str(ROOT),
                            env=_env(MONITOR_DB_URL=db_url), stdout=subprocess.DEVNULL, **popen)  # fmt: skip
    workers: set[int] = set()
    deadline = time.monotonic() + 120
    while len(workers) < 2:  # stage 2 has started its pool
        if proc.poll() is not None or time.monotonic() > deadline:
            reap(proc, workers)
            raise AssertionError("no pool worker seen while analyze ran")
        workers = descendants(proc.pid)
        time.sleep(0.02)
    return proc, workers


@pytest.mark.slow
def test_sigterm_to_analyze_in_stage_2_leaves_no_worker(stage2_backlog):
    proc, workers = _analyze_until_pool(stage2_backlog, stderr=subprocess.DEVNULL)
    try:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
        left, _ = gone_within(workers, [], 10)
        assert not left, f"pool workers left behind: {left}"
    finally:
        reap(proc, workers)


@pytest.mark.slow
def test_ctrl_c_to_analyze_in_stage_2_is_one_line_and_leaves_no_worker(stage2_backlog, tmp_path):
    with (tmp_path / "err.txt").open("w") as err:
        proc, workers = _analyze_until_pool(stage2_backlog, stderr=err, start_new_session=True)
    try:
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole foreground group
        assert proc.wait(timeout=10) == 130
        left, _ = gone_within(workers, [], 10)
        assert not left, f"pool workers left behind: {left}"
    finally:
        reap(proc, workers)
    assert (tmp_path / "err.txt").read_text().strip() == "已中断。"


# --------------------------------------------------------------------------- yuqing serve killed outright
@pytest.fixture()
def slow_pages():
    """A local site whose article pages take 0.4 s each (tests/test_cli_serve.py's)."""
    from tests.test_cli_serve import _site

    server, _, url = _site(0.4)
    yield url
    server.shutdown()


@pytest.mark.slow
def test_job_children_stop_when_serve_is_killed(tmp_path, slow_pages):
    """kill -9 on the scheduler: its crawl child (own process group) gets SIGTERM from the kernel and ends."""
    from tests.test_cli_serve import _config, _query

    url = slow_pages
    cfg = _config(tmp_path, url)
    proc = subprocess.Popen([sys.executable, "-m", "yuqing.cli", "--config", cfg, "serve"], cwd=str(ROOT),
                            env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    family: set[int] = set()
    try:
        wait_until(lambda: bool(_query(tmp_path / "serve.db", "select 1 from documents limit 1")), 120,
                   "the crawl child storing documents", proc)  # fmt: skip
        family = descendants(proc.pid)
        assert family, "no job child"
        proc.kill()
        proc.wait(timeout=5)
        left, _ = gone_within(family, [], 10)
        assert not left, f"job children left behind: {left}"
    finally:
        reap(proc, family)
