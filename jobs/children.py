"""Child processes that never outlive the process that started them.

Tools used by every entry point that starts children:

- `die_with_parent(sig, parent_pid)`: run in a child (a pool initializer, or a child's own start-up) — the
  kernel sends `sig` to the child when its parent ends, however it ends (Linux `PR_SET_PDEATHSIG`; elsewhere a
  no-op). Stage 2's fork pool uses it, so killing `yuqing analyze` leaves no worker holding the database.
- `guard_group(parent_pid, grace)`: run first thing in a child that leads its own process group (single-
  threaded: it forks). A watchdog process in the group waits for `parent_pid` to end, then gives the group
  `grace` seconds (the child got its parent-death signal and may be shutting down) and SIGKILLs the whole
  group: a shutdown that hangs, or whatever the child started, is not left running (Linux only).
- `run_foreground(cmd, ...)`: run a long-lived child (Streamlit for `yuqing dashboard` and `yuqing demo`) in
  its own process group while this process waits: SIGTERM, SIGINT and SIGHUP are forwarded to the group,
  the child gets `grace` seconds, then the group gets SIGKILL; the child also dies with us if we are killed.

No `preexec_fn`: the parent may have threads (the scheduler's), and Python code between fork and exec can
then deadlock. A child is put in its own group by `subprocess` (`process_group=0` / `start_new_session`),
and arranges its own death signal when it starts: `jobs.runner`'s child calls the tools above, and any
other command is started through this module (`python -m jobs.children PARENT_PID GRACE SIGNAL -- cmd ...`: set
the death signal, start the watchdog, exec the command; `exec` keeps the death signal).
"""

from __future__ import annotations

import ctypes
import logging
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence

logger = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
try:
    MAX_FD = max(os.sysconf("SC_OPEN_MAX"), 256)
except (AttributeError, ValueError, OSError):
    MAX_FD = 1 << 16


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


def _alive(pid: int) -> bool:
    """A running process (not a zombie waiting to be reaped)."""
    try:
        os.kill(pid, 0)
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _wait_for_exit(pid: int, pidfd: int) -> None:
    """Block until `pid` has ended: its pidfd becomes readable (no pidfds on kernels before 5.3: poll)."""
    if pidfd >= 0:
        poller = select.poll()
        poller.register(pidfd, select.POLLIN)
        while not poller.poll():
            pass
        return
    while _alive(pid):
        time.sleep(0.5)


def _kill_own_group() -> None:
    os.killpg(0, signal.SIGKILL)
    os._exit(137)  # not reached: SIGKILL reaches this process too


def guard_group(parent_pid: int, grace: float) -> int | None:
    """Fork a watchdog into this process's group: once `parent_pid` ends, it waits `grace` seconds and then
    SIGKILLs the group (this process, whatever it started, and itself). Returns the watchdog's pid, or None
    where there is nothing to do (not Linux, not a group leader). If `parent_pid` has already ended, the group
    is killed now. Call it while this process has a single thread (at start-up): it forks."""
    if _PRCTL is None or os.getpgrp() != os.getpid():
        return None
    pidfd = -1
    try:
        pidfd = os.pidfd_open(parent_pid) if hasattr(os, "pidfd_open") else -1
    except ProcessLookupError:
        _kill_own_group()
    except OSError:  # an old kernel without pidfds: the watchdog polls instead
        pidfd = -1
    if os.getppid() != parent_pid:  # it ended before we could watch it: we were re-parented
        _kill_own_group()
    watchdog = os.fork()
    if watchdog:
        if pidfd >= 0:
            os.close(pidfd)
        return watchdog
    try:  # the watchdog: holds none of the child's pipes (its parent reads them to EOF), ignores the group's
        # stop signals (a normal stop ends it with the group's SIGKILL), and outlives the child if it must
        for sig in FORWARDED:
            signal.signal(sig, signal.SIG_IGN)
        import fcntl  # POSIX only, like this branch

        if pidfd >= 0:
            pidfd = fcntl.fcntl(pidfd, fcntl.F_DUPFD_CLOEXEC, 3)
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        if pidfd >= 0:
            os.closerange(3, pidfd)
            os.closerange(pidfd + 1, MAX_FD)
        else:
            os.closerange(3, MAX_FD)
        _wait_for_exit(parent_pid, pidfd)
        time.sleep(grace)
        os.killpg(0, signal.SIGKILL)
    finally:
        os._exit(0)


def guarded_command(cmd: Sequence[str], grace: float, sig: int = signal.SIGTERM) -> list[str]:
    """`cmd` started through this module, so that it gets `sig` when this process ends and its group is
    SIGKILLed `grace` seconds later (Linux); `cmd` itself elsewhere. For a child in its own process group;
    the watchdog stays in that group until then, so SIGKILL the group once the child is done (as
    `run_foreground` and `jobs.runner.ChildRunner` do)."""
    if _PRCTL is None:
        return list(cmd)
    return [sys.executable, "-m", "jobs.children", str(os.getpid()), f"{grace:g}", str(int(sig)), "--", *cmd]


def main(argv: Sequence[str]) -> None:
    """`python -m jobs.children PARENT_PID GRACE SIGNAL -- cmd ...`: die with PARENT_PID, guard the group,
    exec `cmd` (in the child, single-threaded: nothing to deadlock)."""
    if len(argv) < 5 or argv[3] != "--":
        sys.exit("usage: python -m jobs.children PARENT_PID GRACE SIGNAL -- command ...")
    parent_pid, grace, sig = int(argv[0]), float(argv[1]), int(argv[2])
    die_with_parent(sig, parent_pid)
    guard_group(parent_pid, grace)
    os.execvp(argv[4], list(argv[4:]))


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
        guarded_command(cmd, grace), cwd=cwd, env=dict(env) if env is not None else None,
        process_group=0,  # its own group: one signal reaches Streamlit and whatever it starts
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


if __name__ == "__main__":
    main(sys.argv[1:])
