"""`yuqing dashboard`: serve the Streamlit dashboard."""

from __future__ import annotations

import os
from pathlib import Path

from config.loader import ROOT
from yuqing.cli.common import _settings
from yuqing.console import dashboard_command


def cmd_dashboard(args) -> int:
    from jobs.children import run_foreground

    settings = _settings(args)
    env = dict(os.environ)
    if args.config:
        env["MONITOR_CONFIG"] = str(Path(args.config).resolve())
    cmd = dashboard_command(settings, args.port)
    print(
        f"看板地址：http://{settings.dashboard.host}:{args.port or settings.dashboard.port}/  （Ctrl-C 退出）"
    )
    return run_foreground(cmd, cwd=str(ROOT), env=env, grace=settings.serve.stop_grace_seconds)


def register(subparsers) -> None:
    s = subparsers.add_parser("dashboard", help="serve the Streamlit dashboard")
    s.add_argument("--port", type=int, help="port (default dashboard.port)")
    s.set_defaults(func=cmd_dashboard)
