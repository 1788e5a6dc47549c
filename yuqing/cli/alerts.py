"""`yuqing alerts …`: run the alert job once, list what was sent or failed, test one channel, retry failures.

yuqing alerts run
yuqing alerts list [--failed] [--limit N]
yuqing alerts test CHANNEL [--to ADDRESS]
yuqing alerts retry [ID ...] [--all]
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime

from config.vocabulary import CHANNEL_LABELS, MESSAGE_STATUS_LABELS
from yuqing.cli.common import _settings
from yuqing.console import alert_run_line, print_table

logger = logging.getLogger(__name__)

MESSAGE_STATUS = MESSAGE_STATUS_LABELS
CHANNEL_NAMES = CHANNEL_LABELS


def _load(args):
    from config.alerts import load_alerts

    settings = _settings(args)
    path = args.alerts_file or settings.path(settings.alerts_file)
    return settings, load_alerts(path)


def _engine(settings):
    from store.db import open_store

    return open_store(settings.resolved_db_url, upgrade=True)


def _local(value, tz: str) -> str:
    from zoneinfo import ZoneInfo

    return value.astimezone(ZoneInfo(tz)).strftime("%m-%d %H:%M") if value is not None else "—"


def cmd_run(args, out=None) -> int:
    out = out or sys.stdout
    from jobs.alerts import run_alerts

    settings, cfg = _load(args)
    engine = _engine(settings)
    try:
        run = run_alerts(settings, engine, config=cfg)
    finally:
        engine.dispose()
    print(alert_run_line(run), file=out)
    for err in run.errors[:10]:
        print(f"  失败：{err}", file=out)
    return 1 if run.failed else 0


def cmd_list(args, out=None) -> int:
    out = out or sys.stdout
    from store import alerts as q

    settings = _settings(args)
    tz = settings.dashboard.timezone
    engine = _engine(settings)
    try:
        with engine.connect() as conn:
            messages = q.list_messages(conn, failed_only=args.failed, limit=args.limit)
            waiting = [] if args.failed else q.waiting_items(conn, limit=args.limit)
    finally:
        engine.dispose()
    if not messages and not waiting:
        print("没有发送失败的预警。" if args.failed else "还没有预警消息。", file=out)
        return 0
    table = []
    for m in messages:
        channel = f"{CHANNEL_NAMES.get(m['channel'], m['channel'])}/{m['channel_name']}"
        retry = _local(m["next_attempt_at"], tz) if m["status"] == "pending" and m["last_error"] else ""
        status = "失败待重试" if retry else MESSAGE_STATUS.get(m["status"], m["status"])
        error = m["last_error"] if m["last_error"] and m["status"] != "sent" else ""
        table.append([m["id"], _local(m["created_at"], tz), status, m["attempts"], channel, m["recipient"], retry,
                      m["subject"] + (f"（错误：{error}）" if error else "")])  # fmt: skip
    if table:
        print_table(["编号", "生成", "状态", "次数", "渠道", "收件人", "下次重试", "主题"], table, out=out)
    if waiting:
        print(f"等待发送（接收时段、发送间隔或每日上限）：{len(waiting)} 条", file=out)
        for it in waiting[:20]:
            print(f"      {_local(it['created_at'], tz)} {it['recipient']}/{it['channel_name']} {it['rule']}："
                  f"{it['subject'][:40]}  {it['note'] or ''}", file=out)  # fmt: skip
    return 0


def cmd_test(args, out=None) -> int:
    out = out or sys.stdout
    from jobs.alert_channels import ChannelError
    from jobs.alerts import send_test

    settings, cfg = _load(args)
    if args.channel not in cfg.channels:
        print(f"没有名为 {args.channel} 的渠道；已配置：{'、'.join(cfg.channels) or '无'}", file=sys.stderr)
        return 2
    try:
        n = send_test(settings, cfg, args.channel, to=args.to)
    except ChannelError as exc:
        print(f"测试消息发送失败：{exc}", file=sys.stderr)
        return 1
    print(f"测试消息已发送到渠道 {args.channel}（{n} 条）", file=out)
    return 0


def cmd_retry(args, out=None) -> int:
    out = out or sys.stdout
    from store import alerts as q

    settings = _settings(args)
    engine = _engine(settings)
    try:
        with engine.begin() as conn:
            ids = list(args.ids or [])
            if args.all:
                ids = [
                    m["id"]
                    for m in q.list_messages(conn, failed_only=True, limit=10000)
                    if m["status"] == "failed"
                ]
            n = q.requeue_failed(conn, ids, datetime.now(UTC))
    finally:
        engine.dispose()
    print(f"已重新排队 {n} 条发送失败的消息；运行 yuqing alerts run 发送。", file=out)
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("alerts", help="alerts: run the rules once, list sent/failed, test a channel")
    p.add_argument(
        "--alerts-file", help="alert rules file (default: settings alerts_file, config/alerts.yaml)"
    )
    sub = p.add_subparsers(dest="alerts_command", required=True, metavar="ALERTS_COMMAND")

    s = sub.add_parser("run", help="evaluate the rules, write the outbox, send due messages (once)")
    s.set_defaults(func=cmd_run)

    s = sub.add_parser("list", help="messages newest first, and alerts waiting for their delivery window")
    s.add_argument("--failed", action="store_true", help="only messages that failed (for good or retrying)")
    s.add_argument("--limit", type=int, default=50, help="rows shown at most (default 50)")
    s.set_defaults(func=cmd_list)

    s = sub.add_parser("test", help="send a test message to one configured channel")
    s.add_argument("channel", metavar="CHANNEL", help="a channel name under channels: in the alerts file")
    s.add_argument("--to", help="e-mail address for smtp channels (default: the first recipient's)")
    s.set_defaults(func=cmd_test)

    s = sub.add_parser("retry", help="give failed messages a fresh set of attempts")
    s.add_argument("ids", nargs="*", type=int, metavar="ID")
    s.add_argument("--all", action="store_true", help="every failed message")
    s.set_defaults(func=cmd_retry)
