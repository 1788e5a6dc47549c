"""`yuqing events ...`: list hotspots with their response class and countdown, show one, change its status,
record a response."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import UTC, datetime

from config.vocabulary import (
    CLASS_SHORT_LABELS,
    EVENT_STATUSES,
    NO_CLASS_LABEL,
    RESPONSE_CLASSES,
    RESPONSE_KINDS,
)
from yuqing.cli.common import _settings
from yuqing.console import print_table

logger = logging.getLogger(__name__)

CLASS_NAMES = {**CLASS_SHORT_LABELS, None: NO_CLASS_LABEL}


def _engine(args):
    from store.db import open_store

    settings = _settings(args)
    return open_store(settings.resolved_db_url, upgrade=True), settings.dashboard.timezone


def _local(value, tz_name: str) -> str:
    from zoneinfo import ZoneInfo

    if value is None:
        return ""
    return value.astimezone(ZoneInfo(tz_name)).strftime("%Y-%m-%d %H:%M")


def _countdown(deadline, now: datetime) -> str:
    from analysis.opinion.response import countdown

    if deadline is None:
        return "—"
    return countdown(deadline, now)[2]


def cmd_list(args, out=None) -> int:
    out = out or sys.stdout
    from datetime import timedelta

    from store.events import list_events

    engine, tz = _engine(args)
    now = datetime.now(UTC)
    classes = [None if c == "none" else c for c in (args.cls or [])]
    with engine.connect() as conn:
        df = list_events(
            conn, since=now - timedelta(days=args.days) if args.days else None, classes=classes,
            statuses=args.status or (), limit=args.limit,
        )  # fmt: skip
    engine.dispose()
    if df.empty:
        print("没有符合条件的热点事件。", file=out)
        return 0
    table = []
    for r in df.itertuples(index=False):
        cls = None if r.response_class is None or r.response_class != r.response_class else r.response_class
        deadline = None if r.deadline_at is None or r.deadline_at != r.deadline_at else r.deadline_at
        table.append([int(r.id), f"{float(r.heat):.1f}", CLASS_NAMES.get(cls, cls), r.status,
                      _countdown(deadline, now), int(r.doc_count), int(r.reprint_count), r.title])  # fmt: skip
    print_table(["编号", "热度", "类别", "状态", "倒计时", "文档", "转载", "标题"], table, out=out,
                align=">><<<>><")  # fmt: skip
    return 0


def cmd_show(args, out=None) -> int:
    out = out or sys.stdout
    from store.events import event_document_table, get_event, list_responses

    engine, tz = _engine(args)
    now = datetime.now(UTC)
    with engine.connect() as conn:
        event = get_event(conn, args.id)
        if event is None:
            print(f"事件 {args.id} 不存在", file=sys.stderr)
            return 1
        docs = event_document_table(conn, args.id)
        responses = list_responses(conn, [args.id])
    engine.dispose()
    print(f"[{event['id']}] {event['title']}", file=out)
    print(f"  关键词：{'、'.join(event['keywords'] or [])}", file=out)
    print(f"  首次发现：{_local(event['first_seen_at'], tz)}  首发：{event['first_source'] or ''}", file=out)
    print(
        f"  文档 {event['doc_count']}，转载 {event['reprint_count']}，信源 {event['source_count']}，"
        f"热度 {event['heat']:.1f}，负面占比 {'—' if event['negative_share'] is None else format(event['negative_share'], '.0%')}",
        file=out,
    )
    print(
        f"  回应类别：{CLASS_NAMES.get(event['response_class'], event['response_class'])}；{event['response_reason'] or ''}",
        file=out,
    )
    print(
        f"  截止：{_local(event['deadline_at'], tz) or '—'}（{_countdown(event['deadline_at'], now)}）  状态：{event['status']}",
        file=out,
    )
    ack = f"{event['acknowledged_by']} {_local(event['acknowledged_at'], tz)}" if event["acknowledged_by"] else "尚未确认"
    print(f"  指派给：{event['assignee'] or '未指派'}  值班领导知悉：{ack}", file=out)
    print("  文档：", file=out)
    print_table(["编号", "信源", "标题", "链接"],
                [[int(d.id), d.source, d.title[:40], d.url] for d in docs.itertuples(index=False)],
                out=out, indent="    ")  # fmt: skip
    if len(responses):
        print("  回应记录：", file=out)
        for r in responses.itertuples(index=False):
            print(f"    {_local(r.responded_at, tz)} {r.kind} {r.by_whom} {r.url or ''}", file=out)
    return 0


def _act(args, action, failed: str):
    """Run a workflow `action(engine, user)` as the console user `--by`; (result, None) or (None, exit code) after
    printing `failed：<reason>` (a WorkflowError) on stderr."""
    from jobs.workflows import WorkflowError
    from store.users import console_user

    engine, _ = _engine(args)
    try:
        return action(engine, console_user(args.by)), None
    except WorkflowError as exc:
        print(f"{failed}：{exc}", file=sys.stderr)
        return None, 1
    finally:
        engine.dispose()


def cmd_status(args, out=None) -> int:
    from jobs.workflows import change_event_status

    old, code = _act(args, lambda e, by: change_event_status(e, args.id, args.new_status, by, note=args.note),
                     "无法修改状态")  # fmt: skip
    if code is None:
        print(f"事件 {args.id}：{old} → {args.new_status}（操作人 {args.by}）", file=out or sys.stdout)
    return code or 0


def cmd_respond(args, out=None) -> int:
    out = out or sys.stdout
    from jobs.workflows import record_response

    at = None
    if args.at:
        try:
            at = datetime.fromisoformat(args.at.strip())
        except ValueError:
            print(f"--at 的时间 {args.at!r} 无法识别，应为 ISO 格式，如 2026-03-01T14:30 或 "
                  "2026-03-01 14:30:00+08:00", file=sys.stderr)  # fmt: skip
            return 2
        if at.tzinfo is None:
            from zoneinfo import ZoneInfo

            at = at.replace(tzinfo=ZoneInfo(_engine_tz(args)))
    rid, code = _act(args, lambda e, by: record_response(e, args.id, args.kind, by, url=args.url, responded_at=at,
                                                          note=args.note), "无法记录回应")  # fmt: skip
    if code is None:
        print(f"已记录回应 #{rid}：事件 {args.id}，{args.kind}，{args.by}", file=out)
    return code or 0


def cmd_assign(args, out=None) -> int:
    from jobs.workflows import assign_event

    _, code = _act(args, lambda e, by: assign_event(e, args.id, args.username, by, note=args.note), "无法指派")
    if code is None:
        done = "指派给 " + args.username if args.username else "已取消指派"
        print(f"事件 {args.id}：{done}（操作人 {args.by}）", file=out or sys.stdout)
    return code or 0


def cmd_ack(args, out=None) -> int:
    from jobs.workflows import acknowledge_event

    _, code = _act(args, lambda e, by: acknowledge_event(e, args.id, by, note=args.note), "无法确认")
    if code is None:
        print(f"事件 {args.id}：{args.by} 已确认知悉", file=out or sys.stdout)
    return code or 0


def _engine_tz(args) -> str:
    return _settings(args).dashboard.timezone


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `yuqing events {list,show,status,respond,assign,ack}`."""
    p = subparsers.add_parser("events", help="hotspot events: list, show, change status, record a response, assign, acknowledge")
    sub = p.add_subparsers(dest="events_command", required=True, metavar="ACTION")

    s = sub.add_parser("list", help="events ranked by urgency (overdue, then nearest deadline, then heat), with class and countdown")
    s.add_argument(
        "--class",
        dest="cls",
        action="append",
        choices=(*RESPONSE_CLASSES, "none"),
        help="only this class (repeatable)",
    )
    s.add_argument("--status", action="append", choices=EVENT_STATUSES, help="only this status (repeatable)")
    s.add_argument(
        "--days", type=float, default=7.0, help="events active in the last N days (0 = all; default 7)"
    )
    s.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    s.set_defaults(func=cmd_list)

    s = sub.add_parser("show", help="one event: reason, deadline, documents, responses")
    s.add_argument("id", type=int)
    s.set_defaults(func=cmd_show)

    s = sub.add_parser(
        "status", help="change an event's status (待研判 → 处置中 → 已回应 → 已结束, or 无需回应)"
    )
    s.add_argument("id", type=int)
    s.add_argument("new_status", choices=EVENT_STATUSES)
    s.add_argument("--by", required=True, help="who makes the change (logged; the console user is trusted)")
    s.add_argument("--note", help="note for the audit log")
    s.set_defaults(func=cmd_status)

    s = sub.add_parser("respond", help="record a response to an event (kind, URL, time, who)")
    s.add_argument("id", type=int)
    s.add_argument("--kind", required=True, choices=RESPONSE_KINDS)
    s.add_argument("--url", help="link to the published response")
    s.add_argument("--by", required=True, help="who responded (logged; the console user is trusted)")
    s.add_argument("--at", help="when (ISO time; default now; without offset: the dashboard timezone)")
    s.add_argument("--note")
    s.set_defaults(func=cmd_respond)

    s = sub.add_parser("assign", help="assign an event to an account (指派给; '' takes the assignment away)")
    s.add_argument("id", type=int)
    s.add_argument("username", help="the account (yuqing users list) of a 处置人员; '' = nobody")
    s.add_argument("--by", required=True, help="who assigns (logged; the console user is trusted)")
    s.add_argument("--note", help="note for the audit log")
    s.set_defaults(func=cmd_assign)

    s = sub.add_parser("ack", help="record that the 值班领导 has seen an event (确认知悉: who and when)")
    s.add_argument("id", type=int)
    s.add_argument("--by", required=True, help="who acknowledges (logged; the console user is trusted)")
    s.add_argument("--note", help="note for the audit log")
    s.set_defaults(func=cmd_ack)
