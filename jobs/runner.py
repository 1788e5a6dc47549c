"""Run one job function in a child process: its own process group, a timeout, and a clean stop.

`yuqing serve` runs every heavy job (crawls, site checks and watch, analysis, alerts) this way: Twisted's
reactor cannot restart inside one process, a child's memory goes back to the system when it ends, and a
stuck job can be stopped without stopping the scheduler. The parent writes one JSON payload to the child's
stdin (the function as `module:name`, its keyword arguments, the loaded settings, the log level); the child
(`python -m jobs.runner`) calls the function and prints one result line. The child's log goes to the
parent's stderr.

Stopping: SIGTERM to the child's process group (Scrapy then closes its crawls and records them as
interrupted), SIGKILL to the group after a grace period. Every process a child starts stays in its group
unless it makes a session of its own, so nothing is left behind. A child whose scheduler dies without
stopping it (kill -9, even in the middle of a stop) gets SIGTERM from the kernel
(`jobs.children.die_with_parent`), and `grace` seconds later a watchdog in its group SIGKILLs the group
(`jobs.children.guard_group`): a shutdown that hangs, or a process the job started, does not outlive it.
The child sets both up itself when it starts (no `preexec_fn`: the scheduler has threads).
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from config.loader import ROOT, Settings

logger = logging.getLogger(__name__)

RESULT_MARK = "YUQING-RESULT "


@dataclass
class JobResult:
    """What a job function returns (as a dict in the child) and what the parent reads back.

    `changed`: how many stored things the run added or changed (documents, events, candidates ...), so the
    scheduler knows whether the next step (analysis after a crawl, alerts after analysis) has work to do.
    `parts`: per-part results of a batch (one entry per source of a crawl batch: ok, error, summary)."""

    ok: bool
    summary: str = ""
    error: str | None = None
    changed: int = 0
    parts: dict[str, dict[str, Any]] = field(default_factory=dict)
    timed_out: bool = False
    interrupted: bool = False

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> JobResult:
        return cls(
            ok=bool(data.get("ok")),
            summary=str(data.get("summary") or ""),
            error=data.get("error"),
            changed=int(data.get("changed") or 0),
            parts=dict(data.get("parts") or {}),
        )

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "summary": self.summary, "error": self.error, "changed": self.changed,
                "parts": self.parts}  # fmt: skip


def func_path(func: Callable) -> str:
    return f"{func.__module__}:{func.__qualname__}"


class ChildRunner:
    """Starts job children and stops them all on request; safe to use from several threads."""

    def __init__(self, *, verbose: int = 0, crawl_overrides: Mapping[str, Any] | None = None):
        self.verbose = verbose
        self.crawl_overrides = dict(crawl_overrides or {})  # Scrapy settings for every crawl a child runs
        self._procs: dict[int, subprocess.Popen] = {}
        self._lock = threading.Lock()
        self.stopping = False
        self.killed = 0  # children that needed SIGKILL
        self.signalled: set[int] = set()  # children sent SIGTERM by a stop (once: a second one forces Scrapy)
        self.started_pids: list[int] = []  # every child pid, for tests and logs

    def run(self, func: Callable, settings: Settings, kwargs: Mapping[str, Any] | None = None, *,
            timeout: float, grace: float = 5.0) -> JobResult:  # fmt: skip
        """Run `func(settings, **kwargs)` in a child; never raises for what happens inside the child."""
        if self.stopping:
            return JobResult(ok=False, error="调度器正在停止", interrupted=True)
        payload = json.dumps(
            {
                "func": func_path(func),
                "kwargs": dict(kwargs or {}),
                "verbose": self.verbose,
                "parent_pid": os.getpid(),
                "grace": grace,
                "crawl_overrides": self.crawl_overrides,
                "settings": settings.model_dump(mode="json"),
            },  # fmt: skip
            ensure_ascii=False,
        )
        proc = subprocess.Popen(
            [sys.executable, "-m", "jobs.runner"],
            cwd=str(ROOT),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None,  # the child's log goes where ours goes
            start_new_session=True,  # its own process group: one signal reaches everything it starts
            text=True,
            encoding="utf-8",
        )
        with self._lock:
            self._procs[proc.pid] = proc
            self.started_pids.append(proc.pid)
            stopping = self.stopping
        if stopping:  # a stop arrived while we were starting: the stopper may have missed this child
            self.request_stop()
        timed_out = False
        try:
            try:
                out, _ = proc.communicate(payload, timeout=timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
                logger.error("job %s timed out after %.0f s: stopping it", func_path(func), timeout)
                self._stop_one(proc, grace)
                try:
                    out, _ = proc.communicate(timeout=grace + 2)
                except subprocess.TimeoutExpired:
                    out = ""
        finally:
            with self._lock:
                self._procs.pop(proc.pid, None)
            self._signal(proc, signal.SIGKILL)  # whatever the child left in its group
        result = _parse(out)
        if timed_out:
            result.ok, result.timed_out = False, True
            result.error = f"超时（{timeout / 60:.0f} 分钟）未完成，已停止"
        elif self.stopping and not result.ok:
            result.ok, result.interrupted = False, True
            result.error = result.error or "调度器停止，任务被中断"
        elif result.error is None and proc.returncode != 0:
            result.ok = False
            result.error = f"子进程异常退出（退出码 {proc.returncode}）"
        return result

    @staticmethod
    def _signal(proc: subprocess.Popen, sig: int) -> bool:
        try:
            os.killpg(proc.pid, sig)
            return True
        except (ProcessLookupError, PermissionError):
            return False

    def _stop_one(self, proc: subprocess.Popen, grace: float) -> None:
        self._signal(proc, signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.killed += 1
            self._signal(proc, signal.SIGKILL)

    def request_stop(self) -> None:
        """SIGTERM to every child group now, once each (safe inside a signal handler: no waiting). Only one:
        a second SIGTERM makes Scrapy stop at once, without recording its runs."""
        self.stopping = True
        for proc in list(self._procs.values()):
            if proc.pid not in self.signalled:
                self.signalled.add(proc.pid)
                self._signal(proc, signal.SIGTERM)

    def stop_all(self, grace: float) -> int:
        """SIGTERM every child group, SIGKILL those still there after `grace` s; returns how many were killed."""
        self.request_stop()
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            with self._lock:
                alive = [p for p in self._procs.values() if p.poll() is None]
            if not alive:
                return 0
            time.sleep(0.05)
        with self._lock:
            alive = [p for p in self._procs.values() if p.poll() is None]
        for proc in alive:
            logger.warning("child %d did not stop within %.1f s: SIGKILL", proc.pid, grace)
            self._signal(proc, signal.SIGKILL)
        self.killed += len(alive)
        return len(alive)

    def running(self) -> int:
        with self._lock:
            return sum(1 for p in self._procs.values() if p.poll() is None)


def _parse(out: str | None) -> JobResult:
    for line in reversed((out or "").splitlines()):
        if line.startswith(RESULT_MARK):
            try:
                return JobResult.from_dict(json.loads(line[len(RESULT_MARK) :]))
            except ValueError:
                break
    return JobResult(ok=False, error=None)


# --------------------------------------------------------------------------- the child
def main() -> int:
    payload = json.loads(sys.stdin.read())
    if payload.get("parent_pid"):
        from jobs.children import die_with_parent, guard_group

        # the scheduler killed (kill -9, OOM): stop as on SIGTERM, never run on alone; and if the stop hangs,
        # a watchdog SIGKILLs the group after the grace
        parent_pid = int(payload["parent_pid"])
        die_with_parent(signal.SIGTERM, parent_pid)
        guard_group(parent_pid, float(payload.get("grace") or 5.0))
    verbose = int(payload.get("verbose") or 0)
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.root.handlers:  # Scrapy sets its loggers to DEBUG: filter at the handler
        handler.setLevel(level)
    module, _, name = payload["func"].partition(":")
    if payload.get("crawl_overrides"):
        from jobs import crawl

        crawl.PROCESS_OVERRIDES.update(payload["crawl_overrides"])
    try:
        settings = Settings(**payload["settings"])
        func = getattr(importlib.import_module(module), name)
        raw = func(settings, **payload.get("kwargs", {}))
        result = raw if isinstance(raw, JobResult) else JobResult.from_dict(raw)
    except Exception as exc:  # noqa: BLE001 - the child's one job: report any failure as a result line
        logging.getLogger(module).exception("job %s failed", payload["func"])
        result = JobResult(ok=False, error=f"{type(exc).__name__}: {exc}"[:2000])
    print(RESULT_MARK + json.dumps(result.as_dict(), ensure_ascii=False, default=str), flush=True)
    return 0 if result.ok else 1


if __name__ == "__main__":
    from jobs.runner import main as _main  # the module's own classes, not __main__'s copies

    sys.exit(_main())
