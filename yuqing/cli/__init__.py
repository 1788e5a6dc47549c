"""The `yuqing` command: builds the parser from one module per command group and runs the chosen command.

Groups: init-db, crawl, analyze, dashboard, demo, train-sentiment, events, sites, report, export, search, alerts,
serve (serve, worker, status), users. Each group module has
`register(subparsers)` and its `cmd_*` functions; heavy imports stay inside the commands so `--help` is fast.
"""

from __future__ import annotations

import argparse
import logging
import sys

from config.loader import ConfigError
from yuqing.cli import (
    alerts,
    analyze,
    crawl,
    dashboard,
    demo,
    events,
    export,
    init_db,
    report,
    search,
    serve,
    sites,
    train,
    users,
)
from yuqing.cli.common import _setup_logging

logger = logging.getLogger("yuqing")

# In the order `yuqing --help` lists them.
GROUPS = (
    init_db,
    crawl,
    analyze,
    dashboard,
    demo,
    train,
    events,
    sites,
    report,
    export,
    search,
    alerts,
    serve,
    users,
)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="yuqing",
        description="审计舆情哨兵：审计机关网络舆情监测与回应系统（采集 → 分析 → 看板）",
    )
    p.add_argument("--config", help="settings file (default config/settings.yaml or $MONITOR_CONFIG)")
    p.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-v, -vv)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in GROUPS:
        group.register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(args.verbose)
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"配置错误：{exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - entry point: one clear line, details with -v
        from store.db import StoreError

        if isinstance(exc, StoreError):
            print(f"数据库错误：{exc}", file=sys.stderr)
            return 2
        raise
