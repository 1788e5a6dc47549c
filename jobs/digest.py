"""The 日报 digest job: once `report.daily_time` has passed, build today's 舆情日报 once and deliver it exactly
once per (day, recipient, channel) through the alert outbox (store.alerts) and its channels.

Who gets it (one rule): every address in `report.recipients`, by e-mail through the first smtp channel of the
alerts file, and every recipient of the alerts file whose role is 值班领导 (`LEADER_ROLE`), on each of their
channels. E-mail gets the report as its HTML body with the .docx attached; robots and webhooks get a short
summary (`report.summary` and the headline counts) with a link to the dashboard's 舆情报告 page. The digest is
not held back by the recipients' alert windows, quiet hours, intervals or caps: its time is `daily_time`.

Progress marks: one `alerts_sent` row per target whose dedup key is `digest:daily:YYYY-MM-DD|recipient|channel`
(unique), written in the same transaction as its `alert_messages` row. A run finding every key of today already
written builds nothing; a run killed after that commit leaves messages that this job (or `run_alerts`, which
delivers every due message of the outbox) sends later, with the usual lease, retry and backoff.
"""

from __future__ import annotations

import base64
import logging
import os
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.engine import Engine

from analysis.opinion.alerts import Block, bounded_key, footer, message_key
from config.alerts import AlertsConfig, SmtpChannel, load_alerts
from config.loader import Settings
from jobs.alert_channels import AnyChannel, render_parts
from jobs.alerts import Sender, deliver_messages
from jobs.report_docx import render_docx
from jobs.report_model import Report
from jobs.report_render import render_html
from jobs.reports import build_report, daily_report_due
from store import alerts as q

logger = logging.getLogger(__name__)

TRIGGER = "daily_digest"
LEADER_ROLE = "值班领导"
REPORTS_PAGE = "reports"  # the dashboard's 舆情报告 page (dashboard/views/reports.py)
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class DigestError(ValueError):
    """The digest cannot be sent as configured (the message, in Chinese, says what to change)."""


@dataclass(frozen=True)
class Target:
    recipient: str  # an alerts-file recipient's name, or the address itself for report.recipients
    channel_name: str
    channel: AnyChannel
    address: str | None = None  # e-mail address for smtp


@dataclass
class DigestRun:
    """What one run did."""

    day: str | None = None  # the local day whose 日报 was due (None: not due yet)
    targets: int = 0
    composed: int = 0  # messages written to the outbox this run
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def digest_targets(settings: Settings, cfg: AlertsConfig) -> list[Target]:
    """Who gets the 日报 on which channel (see the module docstring), each (channel, address) once."""
    out: list[Target] = []
    seen: set[tuple[str, str]] = set()

    def add(t: Target) -> None:
        k = (t.channel_name, (t.address or t.recipient).lower())
        if k not in seen:
            seen.add(k)
            out.append(t)

    if settings.report.recipients:
        smtp = next(((n, c) for n, c in cfg.channels.items() if isinstance(c, SmtpChannel)), None)
        if smtp is None:
            raise DigestError(
                f"report.recipients 已设置，但预警配置 {settings.alerts_file} 中没有 smtp 渠道，无法发送日报邮件"
            )
        for addr in settings.report.recipients:
            add(Target(addr, smtp[0], smtp[1], addr))
    for r in cfg.recipients:
        if r.role != LEADER_ROLE:
            continue
        for rc in r.channels:
            ch = cfg.channels[rc.channel]
            if isinstance(ch, SmtpChannel) and not rc.to:
                continue
            add(Target(r.name, rc.channel, ch, rc.to if isinstance(ch, SmtpChannel) else None))
    return out


def digest_key(day: str, t: Target) -> str:
    return bounded_key(f"digest:daily:{day}|{t.recipient}|{t.channel_name}")


def _counts_text(counts: Mapping[str, Any]) -> str:
    return (
        f"信息 {counts.get('documents', 0)} 条，负面 {counts.get('negative', 0)} 条，"
        f"A类事件 {counts.get('class_a', 0)} 起，B类事件 {counts.get('class_b', 0)} 起"
    )


def _parts(t: Target, day: str, report: Report, subject: str, link: str, html: str, docx: bytes,
           key: str) -> list[dict[str, Any]]:  # fmt: skip
    """The message's payloads: the whole report for e-mail, a short summary with the link for the others."""
    counts = _counts_text(report.counts)
    if isinstance(t.channel, SmtpChannel):
        foot = footer(key, 1, 1)
        text = f"{subject}\n\n{report.summary}\n\n{counts}\n\n完整报告见附件（.docx）或看板：{link}\n\n{foot}"
        body = html.replace(
            "</body>", f"<p style='color:#888'>看板：<a href='{link}'>{link}</a><br>{foot}</p></body>", 1
        )
        filename = f"舆情日报-{day}.docx"
        return [{"subject": subject, "text": text, "html": body, "attachments": [
            {"filename": filename, "content_type": DOCX_TYPE, "data": base64.b64encode(docx).decode("ascii")}]}]  # fmt: skip
    block = Block(trigger=TRIGGER, title=f"{report.issue_date}（{report.period_text}）",
                  lines=(("摘要", report.summary), ("统计", counts)), links=(("看板查看", link),))  # fmt: skip
    return render_parts(t.channel, subject, [block], key)


def _compose(engine: Engine, settings: Settings, day: str, missing: list[Target], now: datetime) -> int:
    """Build the 日报 once and write one outbox item and message per target, in one transaction."""
    report = build_report(settings, engine, "daily", day=date.fromisoformat(day), now=now)
    html, docx = render_html(report), render_docx(report)
    link = f"{settings.dashboard.base_url.rstrip('/')}/{REPORTS_PAGE}"
    subject = f"【{report.title}】{report.issue_date} {report.unit_name}"
    with engine.begin() as conn:
        rows = [{
            "dedup_key": digest_key(day, t), "item_key": f"digest:daily:{day}", "channel": t.channel.type,
            "channel_name": t.channel_name, "recipient": t.recipient, "subject": subject,
            "payload": {"day": day, "summary": report.summary, "counts": _counts_text(report.counts)},
            "rule": "舆情日报", "trigger": TRIGGER, "event_id": None, "document_ids": [], "urgent": False,
            "status": q.ITEM_PENDING, "created_at": now, "sent_at": None,
        } for t in missing]  # fmt: skip
        q.insert_items(conn, rows)
        ids = q.item_ids(conn, [r["dedup_key"] for r in rows])
        composed = 0
        for t in missing:
            item_id = ids.get(digest_key(day, t))
            if item_id is None:  # another process wrote it first
                continue
            key = message_key(f"{digest_key(day, t)}|{now.isoformat()}")
            values = {
                "message_key": key, "recipient": t.recipient, "channel_name": t.channel_name,
                "channel": t.channel.type, "address": t.address, "subject": subject,
                "parts": _parts(t, day, report, subject, link, html, docx, key), "parts_sent": 0, "item_count": 1,
                "urgent": False, "status": q.MSG_PENDING, "attempts": 0, "next_attempt_at": now, "created_at": now,
            }  # fmt: skip
            q.create_message(conn, values, [item_id])
            composed += 1
    return composed


def send_daily_digest(settings: Settings, engine: Engine, *, now: datetime, config: AlertsConfig | None = None,
                      env: Mapping[str, str] | None = None, sender: Sender | None = None) -> DigestRun:  # fmt: skip
    """When today's 日报 is due, build it once and send it to every target not yet sent it today; deliver any
    digest message still waiting in the outbox. Raises DigestError when report.recipients cannot be mailed.
    `config` defaults to the alerts file; `env` (default os.environ) and `sender` as in run_alerts."""
    t0 = time.perf_counter()
    run = DigestRun()
    cfg = config if config is not None else load_alerts(settings.path(settings.alerts_file))
    due = daily_report_due(settings, now)
    if due is not None:
        day = due.isoformat()
        run.day = day
        targets = digest_targets(settings, cfg)
        run.targets = len(targets)
        with engine.connect() as conn:
            known = q.existing_keys(conn, [digest_key(day, t) for t in targets])
        missing = [t for t in targets if digest_key(day, t) not in known]
        if missing:
            try:
                run.composed = _compose(engine, settings, day, missing, now)
            except q.Conflict as exc:  # another process composed them first: theirs stands
                logger.info("digest: %s", exc)
    with engine.connect() as conn:
        waiting = q.queued_message_ids(conn, TRIGGER)
    if waiting:
        sent = deliver_messages(engine, cfg, waiting, now=now, env=os.environ if env is None else env,
                                sender=sender)  # fmt: skip
        run.delivered, run.retrying, run.failed, run.errors = (
            sent.delivered,
            sent.retrying,
            sent.failed,
            sent.errors,
        )
    run.seconds = round(time.perf_counter() - t0, 3)
    logger.info("digest %s: %d targets, %d composed, %d delivered, %d retrying, %d failed (%.2f s)",
                run.day or "not due", run.targets, run.composed, run.delivered, run.retrying, run.failed,
                run.seconds)  # fmt: skip
    return run
