"""The `yuqing` command: builds the parser from one module per command group and runs the chosen command.

Groups: init-db, crawl, analyze, dashboard, demo, train-sentiment, events, sites, report, export, search, alerts,
serve (serve, worker, status), users. Each group module has
`register(subparsers)` and its `cmd_*` functions; heavy imports stay inside the commands so `--help` is fast.
"""

from __future__ import annotations

import argparse
import logging
import os
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
from yuqing.console import setup_logging

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


def _add_verbose(parser: argparse.ArgumentParser) -> None:
    """`-v` / `-vv` after the command too (`yuqing crawl -v`), counted with those before it."""
    for action in parser._actions:  # noqa: SLF001 - argparse has no public walk over subparsers
        if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
            for sub in action.choices.values():
                sub.add_argument("-v", "--verbose", dest="sub_verbose", action="count", default=argparse.SUPPRESS,
                                 help="more log output (-v, -vv)")  # fmt: skip
                _add_verbose(sub)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="yuqing",
        description="审计舆情哨兵：审计机关网络舆情监测与回应系统（采集 → 分析 → 看板）",
    )
    p.add_argument("--config", help="settings file (default config/settings.yaml or $MONITOR_CONFIG)")
    p.add_argument(
        "-v", "--verbose", action="count", default=0,
        help="more log output: -v INFO, -vv DEBUG and full tracebacks (default: warnings and summaries)",
    )  # fmt: skip
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in GROUPS:
        group.register(sub)
    _add_verbose(p)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run one command; every failure is one line on stderr and a non-zero exit (a traceback only with -vv)."""
    try:
        args = build_parser().parse_args(argv)
    except BrokenPipeError:  # `yuqing --help | head -1`
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    args.verbose = int(args.verbose or 0) + int(getattr(args, "sub_verbose", 0) or 0)
    setup_logging(args.verbose)
    try:
        rc = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return rc
    except BrokenPipeError:  # `yuqing ... | head`: the reader has gone; stop quietly
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return EXIT_INTERRUPTED
    except ConfigError as exc:
        print(f"配置错误：{_one_line(exc)}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - the last resort: one clear line, the details in a file or -vv
        from store.db import StoreError

        if isinstance(exc, StoreError):
            print(f"数据库错误：{_one_line(exc)}", file=sys.stderr)
            return 2
        return _unexpected(exc, args.verbose)


EXIT_BROKEN_PIPE = 141  # what a shell reports for a process ended by SIGPIPE (`yes | head`)
EXIT_INTERRUPTED = 130  # 128 + SIGINT


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot raise again (Python's documented
    recipe for SIGPIPE)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _unexpected(exc: BaseException, verbose: int) -> int:
    """An error no command expected: the traceback goes to a log file (and to stderr with -vv); the operator
    reads one line naming the error and where the details are."""
    import tempfile
    import traceback

    if verbose >= 2:
        traceback.print_exception(exc, file=sys.stderr)
        print(f"意外错误：{type(exc).__name__}: {_one_line(exc)[:300]}", file=sys.stderr)
        return 1
    where = ""
    try:
        fd, path = tempfile.mkstemp(prefix="yuqing-error-", suffix=".log", text=True)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(f"yuqing {' '.join(sys.argv[1:])}\n")
            traceback.print_exception(exc, file=fh)
        where = f"详细信息已写入 {path}；"
    except OSError:
        pass
    print(f"意外错误：{type(exc).__name__}: {_one_line(exc)[:300]}（{where}加 -vv 重新运行可显示完整调用栈）",
          file=sys.stderr)  # fmt: skip
    return 1
