"""`yuqing demo --serve` (issue 9, "done means"): on a fresh data folder the real scheduler crawls the demo
sources, analyses and alerts unattended; the class-A alert reaches each local catcher exactly once; SIGTERM
leaves no process behind and frees every port the demo held."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT
from tests.processes import descendants, gone_within, reap
from tests.test_demo_run import class_a_deliveries
from tests.test_process_signals import _listening_ports

KINDS = {"smtp", "wecom", "dingtalk", "feishu", "webhook"}


@pytest.mark.slow
def test_demo_serve_alerts_each_catcher_once_and_sigterm_leaves_nothing(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env["PYTHONPATH"] = str(ROOT)
    outbox = tmp_path / "outbox"
    with (tmp_path / "out.txt").open("w") as out, (tmp_path / "err.txt").open("w") as err:
        proc = subprocess.Popen([sys.executable, "-m", "yuqing.cli", "demo", "--serve", "--data-dir", str(tmp_path),
                                 "--port-base", "0"], cwd=str(ROOT), env=env, stdout=out, stderr=err)  # fmt: skip
    family: set[int] = set()
    try:
        deadline = time.monotonic() + 300
        while set(class_a_deliveries(outbox) if outbox.exists() else {}) != KINDS:
            assert proc.poll() is None, (tmp_path / "err.txt").read_text()[-3000:]
            assert time.monotonic() < deadline, f"class-A alert not at every catcher: {class_a_deliveries(outbox)}"
            time.sleep(0.5)
        time.sleep(3)  # a second send, if there were one, would come with the same pass
        ports = _listening_ports(proc.pid)
        assert len(ports) >= 9, ports  # 7 demo sites, the mail catcher and the webhook catcher
        family = descendants(proc.pid)
        proc.send_signal(signal.SIGTERM)
        left, held = gone_within({proc.pid, *family}, ports, 10)
        assert not left, f"processes left behind: {left}"
        assert not held, f"ports still held: {held}"
        assert proc.wait(timeout=1) == 0, (tmp_path / "err.txt").read_text()[-3000:]
    finally:
        reap(proc, family)
    assert class_a_deliveries(outbox) == dict.fromkeys(KINDS, 1)
    out = (tmp_path / "out.txt").read_text()
    assert "调度器已启动（演示）" in out and "调度器已停止" in out
    assert "Traceback" not in (tmp_path / "err.txt").read_text()
