"""Jobs in child processes (jobs.runner): the result comes back, a failure is one line, a job past its timeout
is stopped with everything it started, and a stop request ends a running child."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from config.loader import load_settings
from jobs.runner import ChildRunner, JobResult


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
