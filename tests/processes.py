"""Process helpers for tests that stop `yuqing` with a signal: a process's descendants and a process group's
members (read from /proc; psutil is not installed), whether a pid is still a live process, and whether a port
is free."""

from __future__ import annotations

import os
import signal
import socket
import time
import urllib.request
from pathlib import Path


def descendants(pid: int) -> set[int]:
    """Every process below `pid` now."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = set(), [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            if c not in found:
                found.add(c)
                todo.append(c)
    return found


def group(pgid: int) -> set[int]:
    """Every process in the process group `pgid` now (wherever it was re-parented)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            found.add(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    """A running process (a zombie waiting to be reaped does not count)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_free(port: int) -> bool:
    """Nothing listens on 127.0.0.1:`port` (a bind would succeed)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_until(check, timeout: float, what: str, proc=None) -> None:
    """Poll `check()` until true; fail naming `what` (and the process's exit) on timeout."""
    deadline = time.monotonic() + timeout
    while not check():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"{what}: the process exited with {proc.returncode}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(0.1)


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as r:
            return r.status == 200
    except OSError:
        return False


def gone_within(pids: set[int], ports: list[int], timeout: float) -> tuple[list[int], list[int]]:
    """Wait up to `timeout` for every pid to end and every port to be free; returns what is left."""
    deadline = time.monotonic() + timeout
    while True:
        left = [p for p in pids if alive(p)]
        held = [p for p in ports if not port_free(p)]
        if (not left and not held) or time.monotonic() > deadline:
            return left, held
        time.sleep(0.1)


def reap(proc, pids) -> None:
    """Test clean-up: SIGKILL `proc` and whatever of `pids` a failed test left running, then wait for `proc`."""
    for pid in [proc.pid, *pids]:
        if alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:  # ended between the check and the kill
                pass
    proc.wait()
