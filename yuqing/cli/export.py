"""`yuqing export documents|events|trends`: filtered documents, events or daily trend counts as CSV, XLSX
or Parquet, streamed from the store (jobs.exports)."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from yuqing.cli.common import _settings

SUFFIXES = {".csv": "csv", ".xlsx": "xlsx", ".parquet": "parquet"}


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{option} 的日期 {value!r} 无效，应为 YYYY-MM-DD") from None


def _split(values: list[str] | None) -> tuple[str, ...]:
    """Repeatable options that also take comma-separated lists (，as well)."""
    out: list[str] = []
    for v in values or ():
        out += [p.strip() for p in v.replace("，", ",").split(",") if p.strip()]
    return tuple(dict.fromkeys(out))


def _event_ids(values: list[str] | None, option: str = "--event") -> tuple[int, ...]:
    """Event (or, for --id, document) numbers from repeatable or comma-separated options."""
    ids = _split(values)
    bad = [v for v in ids if not v.isdigit()]
    if bad:
        what = "文档编号" if option == "--id" else "事件编号"
        raise ValueError(f"{option} 应为{what}（数字），收到 {'、'.join(bad)}")
    return tuple(int(v) for v in ids)


def cmd_export(args, out=None) -> int:
    out = out or sys.stdout
    from pathlib import Path

    from sqlalchemy.engine import make_url

    from jobs.exports import DIMENSIONS, ExportError, ExportRequest, parse_codes, run_export
    from store.db import open_store

    fmt = args.format or SUFFIXES.get(Path(args.out).suffix.lower())
    if fmt is None:
        print(
            "请用 --format csv|xlsx|parquet 指定导出格式（或让 --out 以 .csv/.xlsx/.parquet 结尾）",
            file=sys.stderr,
        )
        return 2
    try:
        request = ExportRequest(
            kind=args.kind, fmt=fmt, first=_date(args.date_from, "--from"), last=_date(args.date_to, "--to"),
            plans=_split(args.plan), sources=_split(args.source), levels=parse_codes("level", _split(args.level)),
            sentiments=parse_codes("sentiment", _split(args.sentiment)),
            targets=parse_codes("target", _split(args.target)), regions=_split(args.region), shape=args.shape,
            dimensions=_split(args.dimension) or tuple(DIMENSIONS), query=args.query or "",
            events=_event_ids(args.event), ids=_event_ids(args.id, "--id"), newest_first=bool(args.query),
        )  # fmt: skip
    except (ValueError, ExportError) as exc:
        print(f"参数错误：{exc}", file=sys.stderr)
        return 2
    settings = _settings(args)
    url = make_url(settings.resolved_db_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        if not Path(url.database).is_file():  # an export only reads: never create an empty store
            print(
                f"数据库错误：数据库文件不存在：{url.database}（先运行 yuqing init-db 或 yuqing demo）",
                file=sys.stderr,
            )
            return 2
    engine = open_store(settings.resolved_db_url, upgrade=False)
    try:
        result = run_export(engine, request, args.out, tz_name=settings.dashboard.timezone)
    except ExportError as exc:
        print(f"导出失败：{exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    from jobs.exports import KIND_LABELS

    shape = f"，{'宽表' if request.shape == 'wide' else '长表'}" if request.kind == "trends" else ""
    print(
        f"已导出{KIND_LABELS[request.kind]} {result.rows} 行（{fmt}{shape}）→ {result.path}，用时 {result.seconds:.1f} 秒",
        file=out,
    )
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "export",
        help="export documents, events or daily trends as CSV, XLSX or Parquet",
        description=(
            "导出文档、事件或每日趋势统计（CSV 带 BOM / Excel / Parquet），按看板时区（dashboard.timezone）切分日期。"
            "筛选项可重复或用逗号分隔；不给即不限。"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("kind", choices=("documents", "events", "trends"), help="what to export")
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="first local day (inclusive)")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="last local day (inclusive)")
    p.add_argument("--plan", action="append", metavar="NAME", help="监测方案 name")
    p.add_argument("--source", action="append", metavar="NAME", help="source name")
    p.add_argument(
        "--level", action="append", metavar="L",
        help="source level: central provincial municipal county self-media official none (or 中央 省级 …)",
    )  # fmt: skip
    p.add_argument(
        "--sentiment", action="append", metavar="S", help="neg neu pos none (or 负面 中性 正面 未分析)"
    )
    p.add_argument("--target", action="append", metavar="T", help="office audited other none (or 审计机关 …)")
    p.add_argument(
        "--region", action="append", metavar="R", help="province, city or county name, e.g. 山东省"
    )
    p.add_argument("--query", metavar="TEXT",
                   help="full-text search: whitespace-separated terms, each in the title or body (信息检索)")  # fmt: skip
    p.add_argument("--event", action="append", metavar="ID", help="event id (documents of these events)")
    p.add_argument("--id", action="append", metavar="ID", help="document id (these documents)")
    p.add_argument("--format", choices=("csv", "xlsx", "parquet"), help="file format (default: from --out)")
    p.add_argument("--shape", choices=("long", "wide"), default="long",
                   help="trends: long (day, dimension, value, count) or wide (one column per value)")  # fmt: skip
    p.add_argument(
        "--dimension", action="append", metavar="D",
        help="trends: plan source level sentiment target region (default: all)",
    )  # fmt: skip
    p.add_argument("--out", required=True, metavar="PATH", help="file to write")
    p.set_defaults(func=cmd_export)
