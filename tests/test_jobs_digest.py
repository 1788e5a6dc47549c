"""The 日报 digest job (jobs.digest.send_daily_digest) against a real store, a local aiosmtpd server and a local
robot receiver: sent once when due (HTML body, .docx attached), never twice, not before report.daily_time, and
robots get the summary with the dashboard link."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import docx
import pytest
from sqlalchemy import select

from config.alerts import AlertsConfig
from config.loader import load_settings
from jobs.digest import DigestError, send_daily_digest
from store.db import open_store
from store.queries import upsert_documents
from store.schema import alert_messages, alerts_sent
from yuqing.demo.catchers import MailCatcher, WebhookCatcher

# Monday 2026-11-23 09:00 in Asia/Shanghai: the 08:30 日报 is due
DUE = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
BASE = load_settings()
SETTINGS = BASE.model_copy(update={"report": BASE.report.model_copy(
    update={"recipients": ["wang@example.cn"], "daily_time": "08:30"})})  # fmt: skip


@pytest.fixture
def engine(tmp_path):
    eng = open_store(f"sqlite:///{tmp_path}/d.db")
    at = DUE - timedelta(hours=3)
    row = {"url": "https://news.example.cn/1.html", "source": "澎湃新闻", "title": "某县审计发现问题整改",
           "body": "审计整改", "published_at": at, "first_seen_at": at, "fetched_at": at, "content_hash": "d1",
           "plans": ["审计署全国"], "terms": ["审计"]}  # fmt: skip
    with eng.begin() as conn:
        upsert_documents(conn, [row])
    yield eng
    eng.dispose()


@pytest.fixture
def catchers(tmp_path):
    with MailCatcher(tmp_path / "mail") as mail, WebhookCatcher() as hooks:
        yield mail, hooks, tmp_path / "mail"


def config(mail: MailCatcher, hooks: WebhookCatcher, env: dict[str, str]) -> AlertsConfig:
    env["URL_LEADER"] = hooks.expect("leader", "wecom")
    env["URL_TEAM"] = hooks.expect("team", "wecom")
    return AlertsConfig.model_validate({
        "delivery": {"allow_private_networks": ["127.0.0.0/8"], "timeout_seconds": 5},
        "channels": {
            "mail": {"type": "smtp", "host": "127.0.0.1", "port": mail.port, "security": "none",
                     "sender": "yuqing@example.cn"},
            "leader": {"type": "wecom", "url_env": "URL_LEADER"},
            "team": {"type": "wecom", "url_env": "URL_TEAM"},
        },
        "recipients": [
            {"name": "王主任", "role": "值班领导", "channels": ["leader"]},
            {"name": "处置群", "role": "处置人员", "channels": ["team"]},
        ],
    })  # fmt: skip


def test_due_digest_mails_html_with_docx_and_posts_summary_to_leader_robot(engine, catchers):
    mail, hooks, mail_dir = catchers
    env: dict[str, str] = {}
    cfg = config(mail, hooks, env)
    run = send_daily_digest(SETTINGS, engine, now=DUE, config=cfg, env=env)
    assert run.day == "2026-11-23" and run.targets == 2 and run.composed == 2 and run.delivered == 2
    (got,) = mail.received
    assert got.name == "wang@example.cn" and got.body["subject"].startswith("【舆情日报】")
    assert "<html" in got.body["html"] and "舆情日报" in got.body["html"]
    msg = message_from_bytes(next(mail_dir.glob("*.eml")).read_bytes(), policy=policy.default)
    (att,) = list(msg.iter_attachments())
    assert att.get_filename() == "舆情日报-2026-11-23.docx"
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(att.get_content())).paragraphs)
    assert "舆情日报" in text
    robots = [r for r in hooks.received if r.channel == "wecom"]
    assert [r.name for r in robots] == ["leader"]  # 处置人员 get no digest
    content = robots[0].body["markdown"]["content"]
    assert "舆情日报" in content and "http://127.0.0.1:8501/reports" in content and "信息 1 条" in content


def test_second_run_sends_nothing_again(engine, catchers):
    mail, hooks, _ = catchers
    env: dict[str, str] = {}
    cfg = config(mail, hooks, env)
    send_daily_digest(SETTINGS, engine, now=DUE, config=cfg, env=env)
    again = send_daily_digest(SETTINGS, engine, now=DUE + timedelta(minutes=5), config=cfg, env=env)
    assert again.composed == 0 and again.delivered == 0
    assert len(mail.received) == 1 and len(hooks.received) == 1
    with engine.connect() as conn:
        keys = sorted(conn.execute(select(alerts_sent.c.dedup_key)).scalars())
        assert conn.execute(select(alert_messages.c.status)).scalars().all() == ["sent", "sent"]
    assert keys == ["digest:daily:2026-11-23|wang@example.cn|mail", "digest:daily:2026-11-23|王主任|leader"]


def test_not_due_before_daily_time(engine, catchers):
    mail, hooks, _ = catchers
    env: dict[str, str] = {}
    run = send_daily_digest(SETTINGS, engine, now=DUE - timedelta(minutes=31), config=config(mail, hooks, env),
                            env=env)  # fmt: skip
    assert run.day is None and run.composed == 0 and not mail.received and not hooks.received


def test_failed_robot_is_retried_by_a_later_run_without_resending_mail(engine, catchers):
    mail, hooks, _ = catchers
    env: dict[str, str] = {}
    cfg = config(mail, hooks, env)
    hooks.fail_next("leader", 1)
    first = send_daily_digest(SETTINGS, engine, now=DUE, config=cfg, env=env)
    assert first.delivered == 1 and first.retrying == 1
    later = send_daily_digest(SETTINGS, engine, now=DUE + timedelta(hours=1), config=cfg, env=env)
    assert later.composed == 0 and later.delivered == 1
    assert len(mail.received) == 1 and [r.name for r in hooks.received] == ["leader"]


def test_mail_recipients_without_smtp_channel_is_a_clear_error(engine):
    cfg = AlertsConfig.model_validate({"channels": {"leader": {"type": "wecom", "url_env": "X"}},
                                       "recipients": [{"name": "王主任", "role": "值班领导", "channels": ["leader"]}]})  # fmt: skip
    with pytest.raises(DigestError, match="没有 smtp 渠道"):
        send_daily_digest(SETTINGS, engine, now=DUE, config=cfg, env={})
