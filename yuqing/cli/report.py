"""`yuqing report daily|weekly|event ...`: build a 舆情日报 / 周报 / 专报 and write it as .docx, HTML or Markdown."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from yuqing.cli.common import _settings

logger = logging.getLogger(__name__)

FORMATS = ("docx", "html", "md")


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"日期格式应为 YYYY-MM-DD：{value}") from None


def cmd_report(args, out=None) -> int:
    out = out or sys.stdout
    try:
        day = _day(getattr(args, "date", None))
    except ValueError as exc:
        print(f"参数错误：{exc}", file=sys.stderr)
        return 2
    if args.out == "-" and args.format == "docx":
        print("参数错误：docx 格式不能写到标准输出，请用 --out 指定文件", file=sys.stderr)
        return 2
    from jobs.report_render import render
    from jobs.reports import ReportError, build_report
    from store.db import open_store

    settings = _settings(args)
    engine = open_store(settings.resolved_db_url, upgrade=False)
    try:
        report = build_report(
            settings,
            engine,
            args.kind,
            day=day,
            plan=getattr(args, "plan", None),
            event_id=getattr(args, "id", None),
            now=datetime.now(UTC),
        )
    except ReportError as exc:
        print(f"无法生成报告：{exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    data = render(report, args.format)
    if args.out == "-":
        sys.stdout.buffer.write(data) if out is sys.stdout else out.write(data.decode("utf-8"))
        return 0
    path = Path(args.out)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        print(f"无法写入 {path}：{exc.strerror or exc}", file=sys.stderr)
        return 1
    state = "本期无重大舆情" if report.quiet else f"{len(report.sections)} 个部分"
    print(f"已生成{report.title}（{state}，信息来源 {len(report.references)} 条）：{path}", file=out)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `yuqing report {daily,weekly,event}`."""
    p = subparsers.add_parser("report", help="舆情日报 / 周报 / 专报 as .docx, HTML or Markdown")
    sub = p.add_subparsers(dest="report_kind", required=True, metavar="KIND")

    def common(s: argparse.ArgumentParser) -> None:
        s.add_argument("--format", choices=FORMATS, default="docx", help="output format (default docx)")
        s.add_argument("--out", required=True, help="output file ('-' writes html or md to stdout)")

    for kind, text in (
        ("daily", "日报: the 24 hours up to report.daily_time of --date (default: up to now)"),
        ("weekly", "周报: the 7 days up to report.daily_time of --date (default: up to now)"),
    ):
        s = sub.add_parser(kind, help=text)
        s.add_argument("--date", help="report day YYYY-MM-DD in dashboard.timezone")
        s.add_argument("--plan", help="only documents of this 监测方案")
        common(s)
        s.set_defaults(func=cmd_report, kind=kind)

    s = sub.add_parser("event", help="专报 on one event (see `yuqing events list`)")
    s.add_argument("id", type=int, help="event id")
    common(s)
    s.set_defaults(func=cmd_report, kind="event")
