"""Alerts part of the offline demo: a local SMTP server and a local webhook receiver (企业微信, 钉钉 with 加签,
飞书 with 签名校验, a generic webhook) on 127.0.0.1, a demo alerts.yaml pointing at them (written beside the
demo's sources.yaml; URLs and secrets go into this process's environment, as in production), and a Chinese
summary of what was delivered. Every message the catchers accept is written under `<data_dir>/outbox/`
(one .eml per mail, one .json per webhook post). The outbox table in the demo database remembers what was
sent, so running the demo again sends nothing twice.

    with DemoAlerts(data_dir) as alerts:
        settings = settings.model_copy(update={"alerts_file": str(alerts.config_file)})
        run = run_alerts(settings, engine)
        alerts.print_summary(run, out)
"""

from __future__ import annotations

import logging
import os
import secrets
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from config.vocabulary import CHANNEL_LABELS
from yuqing.demo.catchers import MailCatcher, WebhookCatcher

logger = logging.getLogger(__name__)

CHANNEL_NAMES = CHANNEL_LABELS
ENV = {
    "wecom": "YUQING_DEMO_WECOM_URL",
    "dingtalk": "YUQING_DEMO_DINGTALK_URL",
    "dingtalk_secret": "YUQING_DEMO_DINGTALK_SECRET",
    "feishu": "YUQING_DEMO_FEISHU_URL",
    "feishu_secret": "YUQING_DEMO_FEISHU_SECRET",
    "webhook": "YUQING_DEMO_WEBHOOK_URL",
    "webhook_secret": "YUQING_DEMO_WEBHOOK_SECRET",
}


def demo_alerts_config(smtp_port: int) -> dict[str, Any]:
    """The demo's alerts.yaml content: every channel kind, three recipients and an escalation level."""
    return {
        "enabled": True,
        "local_area": "莒南县",
        "delivery": {"allow_private_networks": ["127.0.0.0/8"], "timeout_seconds": 10, "max_attempts": 5,
                     "backoff_seconds": 30, "backoff_max_seconds": 600, "lease_seconds": 60},
        "channels": {
            "mail": {"type": "smtp", "host": "127.0.0.1", "port": smtp_port, "security": "none",
                     "sender": "yuqing@audit.example.gov.cn"},
            "wecom_group": {"type": "wecom", "url_env": ENV["wecom"], "msgtype": "markdown"},
            "dingtalk_leaders": {"type": "dingtalk", "url_env": ENV["dingtalk"], "secret_env": ENV["dingtalk_secret"]},
            "feishu_group": {"type": "feishu", "url_env": ENV["feishu"], "secret_env": ENV["feishu_secret"]},
            "duty_system": {"type": "webhook", "url_env": ENV["webhook"], "secret_env": ENV["webhook_secret"]},
        },
        "recipients": [
            {"name": "王主任", "role": "值班领导", "channels": [{"channel": "mail", "to": "wang@audit.example.gov.cn"},
                                                          "dingtalk_leaders"],
             "quiet_hours": "22:00-07:00", "min_interval_minutes": 30, "daily_cap": 20},
            {"name": "李局长", "role": "分管领导", "channels": [{"channel": "mail", "to": "li@audit.example.gov.cn"}]},
            {"name": "舆情处置群", "role": "处置人员", "channels": ["wecom_group", "feishu_group"]},
            {"name": "值班系统", "role": "值班系统", "channels": ["duty_system"]},
        ],
        "rules": [
            {"name": "A类事件", "trigger": "event_class_a", "roles": ["值班领导", "处置人员", "值班系统"], "urgent": True},
            {"name": "B类事件", "trigger": "event_class_b", "roles": ["处置人员"]},
            {"name": "批评审计机关", "trigger": "office_criticism", "roles": ["处置人员", "值班领导"]},
            {"name": "方案声量突增", "trigger": "plan_burst", "roles": ["处置人员"]},
            {"name": "回应时限将到", "trigger": "deadline_soon", "roles": ["处置人员"], "lead_minutes": 60},
            {"name": "回应已超时", "trigger": "deadline_passed", "roles": ["处置人员", "值班领导"], "urgent": True},
            {"name": "仿冒网站", "trigger": "site_act", "roles": ["处置人员"]},
            {"name": "网站安全高危", "trigger": "integrity_high", "roles": ["处置人员", "值班领导"], "urgent": True},
            {"name": "信源连续失败", "trigger": "source_failing", "roles": ["处置人员"], "failures": 3},
        ],
        "escalation": [
            {"name": "A类30分钟未研判", "classes": ["A"], "after_minutes": 30, "roles": ["分管领导"]},
            {"name": "B类4小时未研判", "classes": ["B"], "after_minutes": 240, "roles": ["值班领导"], "urgent": False},
        ],
    }  # fmt: skip


class DemoAlerts:
    """Start the catchers, publish their URLs and secrets in the environment, write the demo alerts.yaml."""

    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        self.outbox = self.data_dir / "outbox"
        self.config_file = self.data_dir / "alerts.yaml"
        self.mail = MailCatcher(self.outbox)
        self.hooks = WebhookCatcher(self.outbox)
        self._saved_env: dict[str, str | None] = {}

    def __enter__(self) -> DemoAlerts:
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command at INFO
        self.mail.__enter__()
        self.hooks.__enter__()
        values = {
            "dingtalk_secret": "SEC" + secrets.token_hex(16),
            "feishu_secret": secrets.token_hex(12),
            "webhook_secret": secrets.token_hex(16),
        }
        values["wecom"] = self.hooks.expect("wecom_group", "wecom", token=secrets.token_hex(8))
        values["dingtalk"] = self.hooks.expect("dingtalk_leaders", "dingtalk", token=secrets.token_hex(8),
                                               secret=values["dingtalk_secret"])  # fmt: skip
        values["feishu"] = self.hooks.expect("feishu_group", "feishu", secret=values["feishu_secret"])
        values["webhook"] = self.hooks.expect("duty_system", "webhook", secret=values["webhook_secret"])
        for key, var in ENV.items():
            self._saved_env[var] = os.environ.get(var)
            os.environ[var] = values[key]
        header = ("# Demo alerts written by `yuqing demo`: every channel points at a local catcher on 127.0.0.1;\n"
                  "# URLs and secrets are in the demo process's environment (YUQING_DEMO_*), never in this file.\n")  # fmt: skip
        text = yaml.safe_dump(
            demo_alerts_config(self.mail.port), allow_unicode=True, sort_keys=False, width=200
        )
        self.config_file.parent.mkdir(parents=True, exist_ok=True)
        self.config_file.write_text(header + text, encoding="utf-8")
        return self

    def __exit__(self, *exc) -> None:
        self.hooks.__exit__(*exc)
        self.mail.__exit__(*exc)
        for var, old in self._saved_env.items():
            if old is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = old

    def received(self) -> list:
        return [*self.mail.received, *self.hooks.received]

    def print_summary(self, run, sent: list[dict[str, Any]], out=sys.stdout) -> None:
        """What the alert job did, what the catchers received, and each delivered message's subject."""
        from yuqing.console import alert_run_line

        print(alert_run_line(run), file=out)
        got = Counter(CHANNEL_NAMES.get(r.channel, r.channel) for r in self.received())
        rejected = len(self.hooks.rejected)
        if got:
            parts = "，".join(f"{k} {v}" for k, v in got.items())
            print(f"  本地接收端收到：{parts}（写入 {self.outbox}）" + (f"；拒收 {rejected} 次" if rejected else ""),
                  file=out)  # fmt: skip
        for m in sent:
            print(
                f"  [{CHANNEL_NAMES.get(m['channel'], m['channel'])}/{m['recipient']}] {m['subject']}",
                file=out,
            )
