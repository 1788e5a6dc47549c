"""Child processes that never outlive the process that started them.

Two tools, used by every entry point that starts children outside `jobs.runner`:

- `die_with_parent(sig, parent_pid)`: run in a child (a pool initializer, or a `preexec_fn`) — the kernel
  sends `sig` to the child when its parent ends, however it ends (Linux `PR_SET_PDEATHSIG`; elsewhere a
  no-op). Stage 2's fork pool uses it, so killing `yuqing analyze` leaves no worker holding the database.
- `run_foreground(cmd, ...)`: run a long-lived child (Streamlit for `yuqing dashboard` and `yuqing demo`) in
  its own process group while this process waits: SIGTERM, SIGINT and SIGHUP are forwarded to the group,
  the child gets `grace` seconds, then the group gets SIGKILL; the child also dies with us if we are killed.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence

logger = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def _find_prctl():
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _find_prctl()  # looked up once, in the parent: after a fork the child only calls it


def die_with_parent(sig: int = signal.SIGKILL, parent_pid: int | None = None) -> bool:
    """Have the kernel send `sig` to this process when its parent ends; returns whether that is arranged.
    With `parent_pid`: if the parent already ended before this ran (we were re-parented), exit at once."""
    arranged = _PRCTL is not None and _PRCTL(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(1)
    return arranged


def _killpg(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def run_foreground(cmd: Sequence[str], *, cwd: str | None = None, env: Mapping[str, str] | None = None,
                   grace: float = 5.0) -> int:  # fmt: skip
    """Run `cmd` until it exits or we are told to stop; returns its exit code (0 when a forwarded SIGTERM,
    SIGINT or SIGHUP stopped it). Nothing it started is left running when this returns."""
    proc = subprocess.Popen(
        list(cmd), cwd=cwd, env=dict(env) if env is not None else None,
        process_group=0,  # its own group: one signal reaches Streamlit and whatever it starts
        preexec_fn=functools.partial(die_with_parent, signal.SIGTERM, os.getpid()),
    )  # fmt: skip
    stop: dict[str, float] = {}

    def forward(signum, _frame) -> None:
        if "at" not in stop:
            logger.info("received %s: stopping child %d", signal.Signals(signum).name, proc.pid)
            stop["at"] = time.monotonic()
        _killpg(proc.pid, signum)

    previous = {}
    try:
        for sig in FORWARDED:
            previous[sig] = signal.signal(sig, forward)
    except ValueError:  # not the main thread: no handlers, the caller stops the child
        previous.clear()
    try:
        while True:
            try:
                rc = proc.wait(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                if "at" in stop and time.monotonic() - stop["at"] > grace:
                    logger.warning("child %d did not stop within %.1f s: SIGKILL", proc.pid, grace)
                    _killpg(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:  # an exception in this process (not a signal we forwarded)
            _killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
        _killpg(proc.pid, signal.SIGKILL)  # whatever the child left in its group
        proc.wait()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if "at" in stop and rc in (0, -signal.SIGTERM, -signal.SIGINT, -signal.SIGHUP):
        return 0
    return rc if rc >= 0 else 128 - rc  # killed by a signal: the shell's convention
