"""`yuqing search QUERY [filters]`: full-text search (信息检索) over titles and bodies, printed as a table of
hits (newest first) with a snippet per hit; the filters are those of `yuqing export`, whose `--query`
writes the same hits to a file."""

from __future__ import annotations

import argparse
import sys
import unicodedata

from yuqing.cli.common import _settings
from yuqing.cli.export import _date, _event_ids, _split


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _fit(text: str, width: int) -> str:
    """`text` cut to `width` display columns (CJK characters take two) and padded to exactly that."""
    out, used = [], 0
    for ch in text.replace("\n", " "):
        w = _width(ch)
        if used + w > width:
            break
        out.append(ch)
        used += w
    return "".join(out) + " " * (width - used)


def cmd_search(args, out=None) -> int:
    out = out or sys.stdout
    from pathlib import Path
    from zoneinfo import ZoneInfo

    from sqlalchemy.engine import make_url

    from config.vocabulary import SENTIMENT_LABELS
    from jobs.exports import ExportError, ExportRequest, parse_codes
    from store import search
    from store.db import open_store
    from store.fulltext import query_terms, snippet

    try:
        request = ExportRequest(
            kind="documents", fmt="csv", first=_date(args.date_from, "--from"), last=_date(args.date_to, "--to"),
            plans=_split(args.plan), sources=_split(args.source), levels=parse_codes("level", _split(args.level)),
            sentiments=parse_codes("sentiment", _split(args.sentiment)),
            targets=parse_codes("target", _split(args.target)), regions=_split(args.region),
            events=_event_ids(args.event), query=" ".join(args.query), newest_first=True,
        )  # fmt: skip
    except (ValueError, ExportError) as exc:
        print(f"参数错误：{exc}", file=sys.stderr)
        return 2
    if args.limit < 1 or args.page < 1:
        print("参数错误：--limit 和 --page 须为正整数", file=sys.stderr)
        return 2
    settings = _settings(args)
    tz_name = settings.dashboard.timezone
    url = make_url(settings.resolved_db_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        if not Path(url.database).is_file():
            print(f"数据库错误：数据库文件不存在：{url.database}（先运行 yuqing init-db 或 yuqing demo）", file=sys.stderr)
            return 2
    engine = open_store(settings.resolved_db_url, upgrade=False)
    flt = request.filter(tz_name)
    try:
        with engine.connect() as conn:
            total = search.count_hits(conn, flt)
            rows = search.search_page(conn, flt, limit=args.limit, offset=(args.page - 1) * args.limit)
    finally:
        engine.dispose()
    terms = query_terms(request.query)
    tz = ZoneInfo(tz_name)
    print(f"{_fit('编号', 8)}  {_fit('时间', 16)}  {_fit('信源', 16)}  {_fit('情感', 6)}  标题", file=out)
    for r in rows:
        when = r["published_at"] or r["first_seen_at"]
        senti = SENTIMENT_LABELS.get(r["sentiment_label"] or "none", SENTIMENT_LABELS["none"])
        print(f"{_fit(str(r['id']), 8)}  {_fit(when.astimezone(tz).strftime('%Y-%m-%d %H:%M'), 16)}  "
              f"{_fit(r['source'] or '', 16)}  {_fit(senti, 6)}  {(r['title'] or '').strip()}", file=out)  # fmt: skip
        if args.snippets:
            print(f"{' ' * 10}{snippet(r['body'], terms, width=80).plain}", file=out)
            print(f"{' ' * 10}{r['url']}", file=out)
    pages = max(1, -(-total // args.limit))
    print(f"共 {total} 篇，第 {args.page}/{pages} 页（每页 {args.limit} 篇，按时间从新到旧）", file=out)
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "search",
        help="full-text search over titles and bodies (信息检索), printed as a table",
        description=(
            "在标题和正文中检索（按字面匹配，“审计”可检出“审计署”）；多个词须同时出现。"
            "筛选项同 yuqing export，可重复或用逗号分隔；导出检索结果用 yuqing export documents --query。"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("query", nargs="*", metavar="QUERY", help="terms, each in the title or body (none: filters only)")
    p.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="first local day (inclusive)")
    p.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="last local day (inclusive)")
    p.add_argument("--plan", action="append", metavar="NAME", help="监测方案 name")
    p.add_argument("--source", action="append", metavar="NAME", help="source name")
    p.add_argument("--level", action="append", metavar="L", help="source level code or label (中央 省级 …)")
    p.add_argument("--sentiment", action="append", metavar="S", help="neg neu pos none (or 负面 中性 正面 未分析)")
    p.add_argument("--target", action="append", metavar="T", help="office audited other none (or labels)")
    p.add_argument("--region", action="append", metavar="R", help="province, city or county name")
    p.add_argument("--event", action="append", metavar="ID", help="event id")
    p.add_argument("--limit", type=int, default=20, help="hits per page (default 20)")
    p.add_argument("--page", type=int, default=1, help="page number (default 1)")
    p.add_argument("--snippets", action="store_true", help="print a snippet and the link under each hit")
    p.set_defaults(func=cmd_search)
