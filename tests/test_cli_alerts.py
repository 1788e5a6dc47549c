"""`yuqing alerts run|list|test|retry` on a settings file pointing at a temporary store and alerts file whose
channels are a local receiver; config errors and unknown channels give one line and a non-zero exit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import yaml
from test_jobs_alerts import add_event

from store.db import open_store
from yuqing.cli import main
from yuqing.demo.catchers import WebhookCatcher


@pytest.fixture
def setup(tmp_path, monkeypatch):
    with WebhookCatcher() as hooks:
        monkeypatch.setenv("T_TEAM", hooks.expect("team", "wecom", token="k"))
        monkeypatch.setenv("T_HOOK", hooks.expect("hook", "webhook"))
        alerts = {
            "delivery": {"allow_private_networks": ["127.0.0.0/8"], "timeout_seconds": 5, "max_attempts": 1},
            "channels": {"team": {"type": "wecom", "url_env": "T_TEAM"}, "hook": {"type": "webhook", "url_env": "T_HOOK"}},
            "recipients": [{"name": "处置群", "role": "处置人员", "channels": ["team"]},
                           {"name": "值班系统", "role": "值班系统", "channels": ["hook"]}],
            "rules": [{"name": "A类事件", "trigger": "event_class_a", "roles": ["处置人员", "值班系统"], "urgent": True}],
        }  # fmt: skip
        (tmp_path / "alerts.yaml").write_text(yaml.safe_dump(alerts, allow_unicode=True), encoding="utf-8")
        settings = tmp_path / "settings.yaml"
        settings.write_text(f"db_url: sqlite:///{tmp_path}/cli.db\nalerts_file: {tmp_path}/alerts.yaml\n",
                            encoding="utf-8")  # fmt: skip
        engine = open_store(f"sqlite:///{tmp_path}/cli.db")
        add_event(engine, 1, cls="A", at=datetime.now(UTC))
        engine.dispose()
        yield hooks, str(settings)


def test_run_sends_then_list_shows_the_messages(setup, capsys):
    hooks, settings = setup
    assert main(["--config", settings, "alerts", "run"]) == 0
    out = capsys.readouterr().out
    assert "新增待发 2 条（A类事件 2）" in out and "送达 2 条" in out
    assert sorted(r.name for r in hooks.received) == ["hook", "team"]
    assert main(["--config", settings, "alerts", "run"]) == 0
    assert "新增待发 0 条" in capsys.readouterr().out and len(hooks.received) == 2
    assert main(["--config", settings, "alerts", "list"]) == 0
    out = capsys.readouterr().out
    assert out.count("已发送") == 2 and "企业微信/team" in out and "【紧急】【舆情预警】A类事件" in out
    assert main(["--config", settings, "alerts", "list", "--failed"]) == 0
    assert "没有发送失败的预警" in capsys.readouterr().out


def test_failed_send_is_listed_and_can_be_retried(setup, capsys):
    hooks, settings = setup
    hooks.fail_next("team", 1, status=502)
    assert main(["--config", settings, "alerts", "run"]) == 1  # max_attempts 1: failed for good
    out = capsys.readouterr().out
    assert "放弃 1 条" in out and "HTTP 502" in out
    assert main(["--config", settings, "alerts", "list", "--failed"]) == 0
    out = capsys.readouterr().out
    assert "发送失败" in out and "错误：企业微信返回 HTTP 502" in out and "hook" not in out
    assert main(["--config", settings, "alerts", "retry", "--all"]) == 0
    assert "已重新排队 1 条" in capsys.readouterr().out
    assert main(["--config", settings, "alerts", "run"]) == 0
    assert [r.name for r in hooks.received].count("team") == 1


def test_test_command_reaches_one_channel(setup, capsys):
    hooks, settings = setup
    assert main(["--config", settings, "alerts", "test", "team"]) == 0
    assert "测试消息已发送到渠道 team" in capsys.readouterr().out
    (got,) = hooks.received
    assert "测试消息" in got.body["markdown"]["content"]
    assert main(["--config", settings, "alerts", "test", "nope"]) == 2
    assert "没有名为 nope 的渠道" in capsys.readouterr().err


def test_alerts_file_typo_is_one_line_with_file_and_key(tmp_path, capsys):
    bad = tmp_path / "alerts.yaml"
    bad.write_text(
        "rules:\n  - name: x\n    trigger: event_class_a\n    roles: [a]\n    urgnet: true\n",
        encoding="utf-8",
    )
    settings = tmp_path / "settings.yaml"
    settings.write_text(f"db_url: sqlite:///{tmp_path}/x.db\nalerts_file: {bad}\n", encoding="utf-8")
    assert main(["--config", str(settings), "alerts", "run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("配置错误：") and f"{bad}: rules[0].urgnet: unknown key (typo?)" in err
    assert err.count("\n") == 1 and "Traceback" not in err
