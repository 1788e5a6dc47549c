"""Jobs in child processes (jobs.runner): the result comes back, a failure is one line, a job past its timeout
is stopped with everything it started, a stop request ends a running child, and a scheduler killed outright
(even in the middle of a stop that hangs) leaves nothing running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from config.loader import load_settings
from jobs.runner import ChildRunner, JobResult
from tests.conftest import ROOT
from tests.processes import alive, descendants, gone_within, group, reap, wait_until


# ----------------------------------------------------------------- functions the children run (by import path)
def child_importable(func):
    """pytest imports this file as `test_jobs_runner`; the child (cwd = the repo root) as `tests.…`."""
    func.__module__ = "tests.test_jobs_runner"
    return func


@child_importable
def finishes(settings, *, n: int) -> JobResult:
    return JobResult(ok=True, summary=f"did {n} with {settings.analysis.batch_size}", changed=n)


@child_importable
def raises(settings) -> JobResult:
    raise ValueError("bad config value")


@child_importable
def hangs(settings, *, pid_file: str) -> JobResult:
    """Starts a grandchild that would outlive us, records both pids, then hangs."""
    grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    Path(pid_file).write_text(f"{os.getpid()} {grandchild.pid}")
    time.sleep(120)
    return JobResult(ok=True)


@child_importable
def stop_hangs(settings, *, pid_file: str, die_on_term: bool) -> JobResult:
    """Starts a grandchild that ignores SIGTERM, records both pids, then runs until killed. `die_on_term`:
    SIGTERM ends this process at once (a job without a shutdown of its own), leaving the grandchild; else
    a SIGTERM starts a shutdown that never ends (Scrapy waiting for a download that does not come)."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # inherited by the grandchild from its first instruction
    grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    if die_on_term:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    else:
        signal.signal(signal.SIGTERM, lambda *_: Path(pid_file + ".term").touch())
    Path(pid_file).write_text(f"{os.getpid()} {grandchild.pid}")
    while True:
        time.sleep(1)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(") ", 1)[1].startswith("Z")  # a zombie is gone too


def _gone_soon(pid: int, within: float = 5.0) -> bool:
    """Gone, allowing the kernel a moment: a SIGKILLed process is not gone the instant kill() returns."""
    deadline = time.monotonic() + within
    while not _gone(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _settings():
    s = load_settings()
    return s.model_copy(update={"analysis": s.analysis.model_copy(update={"batch_size": 77})})


def test_child_returns_its_result_and_gets_the_settings():
    res = ChildRunner().run(finishes, _settings(), {"n": 3}, timeout=60)
    assert res.ok and res.summary == "did 3 with 77" and res.changed == 3


def test_child_exception_is_a_failed_result_not_a_crash():
    res = ChildRunner().run(raises, _settings(), timeout=60)
    assert not res.ok and res.error == "ValueError: bad config value" and not res.timed_out


def test_timeout_stops_the_child_and_everything_it_started(tmp_path):
    pid_file = tmp_path / "pids"
    t0 = time.monotonic()
    res = ChildRunner().run(hangs, _settings(), {"pid_file": str(pid_file)}, timeout=4, grace=1)
    assert time.monotonic() - t0 < 15
    assert res.timed_out and not res.ok and "超时" in res.error
    child, grandchild = map(int, pid_file.read_text().split())
    assert _gone_soon(child) and _gone_soon(grandchild)


def test_stop_all_ends_a_running_child_as_interrupted(tmp_path):
    pid_file = tmp_path / "pids"
    runner = ChildRunner()
    out: dict[str, JobResult] = {}
    t = threading.Thread(
        target=lambda: out.setdefault(
            "r", runner.run(hangs, _settings(), {"pid_file": str(pid_file)}, timeout=120)
        )
    )
    t.start()
    deadline = time.monotonic() + 30
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline, "child did not start"
        time.sleep(0.05)
    runner.stop_all(grace=1.0)
    t.join(10)
    assert not t.is_alive()
    assert out["r"].interrupted and not out["r"].ok
    assert all(_gone_soon(int(p)) for p in pid_file.read_text().split())
    assert runner.run(finishes, _settings(), {"n": 1}, timeout=60).interrupted  # no new child once stopping


SCHEDULER = textwrap.dedent("""
    import sys, threading, time
    from pathlib import Path
    from config.loader import load_settings
    from jobs.runner import ChildRunner
    from tests.test_jobs_runner import stop_hangs
    pid_file, die_on_term = sys.argv[1], sys.argv[2] == "1"
    runner = ChildRunner()
    threading.Thread(target=runner.run, args=(stop_hangs, load_settings(),
                     {"pid_file": pid_file, "die_on_term": die_on_term}), kwargs={"timeout": 300, "grace": 2},
                     daemon=True).start()
    while not Path(pid_file).exists() or not Path(pid_file).read_text():
        time.sleep(0.05)
    runner.request_stop()  # SIGTERM to the child's group; the SIGKILL would follow after the grace ...
    Path(pid_file + ".stopping").touch()
    time.sleep(300)  # ... but the test kills this process first
""")


@pytest.mark.slow
@pytest.mark.parametrize("die_on_term", [False, True], ids=["shutdown-hangs", "child-dies-grandchild-stays"])
def test_scheduler_killed_during_a_stop_leaves_no_child(tmp_path, die_on_term):
    """The worst moment: the scheduler has sent SIGTERM and is waiting out the grace before its SIGKILL when
    it is killed itself (kill -9). The child's shutdown hangs (or the child is gone and the process it started
    ignores SIGTERM); nobody is left to send the SIGKILL but the watchdog in the child's group, `grace` s after
    the scheduler died."""
    pid_file = tmp_path / "pids"
    proc = subprocess.Popen([sys.executable, "-c", SCHEDULER, str(pid_file), "1" if die_on_term else "0"],
                            cwd=str(ROOT), env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    family: set[int] = set()
    try:
        wait_until(lambda: Path(f"{pid_file}.stopping").exists(), 60, "the child started and told to stop", proc)
        child, grandchild = map(int, pid_file.read_text().split())
        family = descendants(proc.pid) | group(child)  # the child's group, re-parented if the child has ended
        assert {child, grandchild} <= family
        if not die_on_term:
            wait_until(lambda: Path(f"{pid_file}.term").exists(), 10, "the child's shutdown starting")
        time.sleep(0.5)
        assert alive(grandchild) and alive(child) != die_on_term  # the stop is under way, and stuck
        proc.kill()
        proc.wait(timeout=5)
        left, _ = gone_within(family, [], 10)
        assert not left, f"processes left behind: {left}"
    finally:
        reap(proc, family)
