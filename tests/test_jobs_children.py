"""Children that never outlive their parent (jobs.children): a command run in the foreground is started without
`preexec_fn` (the parent may have threads), sets its own parent-death signal through the module's wrapper,
and is SIGKILLed with its whole group `grace` seconds after its parent is killed outright, even when it
ignores the SIGTERM; elsewhere than Linux the command runs as given."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from jobs import children
from tests.conftest import ROOT
from tests.processes import descendants, gone_within, group, reap, wait_until

# Records what the kernel will send it when its parent ends (PR_GET_PDEATHSIG) and its group, then ignores
# SIGTERM and starts a grandchild that ignores it too (inherited), and waits.
STUBBORN = textwrap.dedent("""
    import ctypes, os, signal, subprocess, sys, time
    sig = ctypes.c_int(0)
    ctypes.CDLL(None).prctl(2, ctypes.byref(sig), 0, 0, 0)  # PR_GET_PDEATHSIG
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(f"{os.getpid()} {grandchild.pid} {os.getpgrp()} {sig.value}")
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    time.sleep(300)
""")

FOREGROUND = textwrap.dedent("""
    import sys, threading, time
    from jobs.children import run_foreground
    threading.Thread(target=time.sleep, args=(300,), daemon=True).start()  # a parent with threads, as serve
    run_foreground([sys.executable, "-c", sys.argv[1], sys.argv[2]], grace=2)
""")


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
def test_foreground_child_sets_its_death_signal_and_its_group_dies_with_the_parent(tmp_path):
    info = tmp_path / "info"
    proc = subprocess.Popen([sys.executable, "-c", FOREGROUND, STUBBORN, str(info)], cwd=str(ROOT),
                            env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    family: set[int] = set()
    try:
        wait_until(info.exists, 60, "the child started", proc)
        child, grandchild, pgid, deathsig = map(int, info.read_text().split())
        family = descendants(proc.pid) | group(child)
        assert {child, grandchild} <= family
        assert pgid == child  # its own process group (process_group=0)
        assert deathsig == signal.SIGTERM  # set by the child itself, kept across exec
        proc.kill()
        proc.wait(timeout=5)
        left, _ = gone_within(family, [], 10)  # SIGTERM is ignored: the watchdog's SIGKILL after 2 s
        assert not left, f"processes left behind: {left}"
    finally:
        reap(proc, family)


def test_run_foreground_uses_no_preexec_fn(monkeypatch):
    seen: dict = {}
    real = subprocess.Popen

    def spy(cmd, **kwargs):
        seen.update(kwargs, cmd=list(cmd))
        return real(cmd, **kwargs)

    monkeypatch.setattr(children.subprocess, "Popen", spy)
    assert children.run_foreground([sys.executable, "-c", "pass"], cwd=str(ROOT), grace=1) == 0
    assert seen.get("preexec_fn") is None and seen["process_group"] == 0
    assert seen["cmd"][-3:] == [sys.executable, "-c", "pass"]
    if children._PRCTL is not None:  # Linux: through the wrapper that sets the death signal in the child
        assert seen["cmd"][:3] == [sys.executable, "-m", "jobs.children"] and seen["cmd"][-4] == "--"


def test_without_prctl_the_command_runs_as_given_and_nothing_is_guarded(monkeypatch):
    """What other platforms get (no PR_SET_PDEATHSIG): the command itself, no watchdog, no death signal."""
    monkeypatch.setattr(children, "_PRCTL", None)
    cmd = [sys.executable, "-c", "pass"]
    assert children.guarded_command(cmd, 5.0) == cmd
    assert children.guard_group(os.getppid(), 5.0) is None
    assert children.die_with_parent(signal.SIGTERM) is False
    assert children.run_foreground(cmd, cwd=str(ROOT), grace=1) == 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
def test_wrapper_refuses_a_malformed_command_line():
    out = subprocess.run([sys.executable, "-m", "jobs.children", str(os.getpid()), "5"], cwd=str(ROOT),
                         capture_output=True, text=True)  # fmt: skip
    assert out.returncode != 0 and "usage" in out.stderr
