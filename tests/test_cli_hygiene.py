"""Clean failures of the `yuqing` command (issue 11, item 6): every bad input or broken environment ends with
one line on stderr and a non-zero exit, never a traceback; `-v` / `-vv` set the log level for every command."""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from yuqing import cli
from yuqing.console import log_level


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    return {**env, "PYTHONPATH": str(ROOT), **extra}


def _yuqing(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "yuqing.cli", *args], cwd=str(ROOT), env=_env(**env),
                          capture_output=True, text=True, timeout=60)  # fmt: skip


def _one_line_failure(done: subprocess.CompletedProcess, *needles: str) -> str:
    err = done.stderr.strip()
    assert done.returncode != 0, done.stdout
    assert "Traceback" not in err, err
    assert err and "\n" not in err, err
    for needle in needles:
        assert needle in err, err
    return err


@pytest.fixture()
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'h.db'}"


def test_unparsable_at_time_is_one_line(db_url):
    done = _yuqing("events", "respond", "1", "--kind", "澄清", "--by", "值班员", "--at", "昨天下午",
                   MONITOR_DB_URL=db_url)  # fmt: skip
    _one_line_failure(done, "--at", "昨天下午")


def test_invalid_timezone_fails_at_load_naming_file_key_and_problem(tmp_path, db_url):
    cfg = tmp_path / "settings.yaml"
    cfg.write_text(f"db_url: {db_url}\ndashboard:\n  timezone: Asia/Shanghia\n", encoding="utf-8")
    done = _yuqing("--config", str(cfg), "status")
    _one_line_failure(done, "settings.yaml", "dashboard.timezone", "Asia/Shanghia")
    assert done.returncode == 2


def test_invalid_timezone_rejected_by_the_loader(tmp_path):
    from config.loader import ConfigError, load_settings

    cfg = tmp_path / "settings.yaml"
    cfg.write_text("dashboard:\n  timezone: Mars/Olympus\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="dashboard.timezone"):
        load_settings(cfg)
    cfg.write_text("dashboard:\n  timezone: Europe/Berlin\n", encoding="utf-8")
    assert load_settings(cfg).dashboard.timezone == "Europe/Berlin"


@pytest.mark.parametrize(
    "url", ["postgresql+psycopg://u:secret@db.example:notaport/x", "not a database url"]
)
def test_malformed_db_url_is_one_line_without_the_password(url):
    err = _one_line_failure(_yuqing("init-db", MONITOR_DB_URL=url), "数据库地址无效")
    assert "secret" not in err


def test_migration_that_cannot_create_tables_is_one_line(tmp_path):
    db = tmp_path / "clash.db"
    with sqlite3.connect(db) as conn:  # a table of ours already there, created by something else
        conn.execute("CREATE TABLE sources (x INTEGER)")
    _one_line_failure(_yuqing("init-db", MONITOR_DB_URL=f"sqlite:///{db}"), "无法创建或升级数据库表", "sources")


def test_missing_file_named_by_monitor_config_is_an_error(tmp_path, db_url):
    missing = tmp_path / "nowhere" / "settings.yaml"
    done = _yuqing("status", MONITOR_CONFIG=str(missing), MONITOR_DB_URL=db_url)
    _one_line_failure(done, str(missing), "MONITOR_CONFIG")
    assert done.returncode == 2


@pytest.mark.parametrize("args", [("alerts", "list"), ("events", "list")])
def test_closed_stdout_exits_quietly(db_url, args):
    proc = subprocess.Popen([sys.executable, "-m", "yuqing.cli", *args], cwd=str(ROOT),
                            env=_env(MONITOR_DB_URL=db_url), stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    proc.stdout.close()  # the reader is gone before the command writes: `yuqing ... | head -0`
    err = proc.stderr.read().decode()
    proc.stderr.close()
    proc.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    assert err.strip() == ""
    assert proc.returncode == cli.EXIT_BROKEN_PIPE


def test_train_sentiment_help_works():
    done = _yuqing("train-sentiment", "--help")
    assert done.returncode == 0, done.stderr
    assert "usage: yuqing train-sentiment" in done.stdout and "--data-dir" in done.stdout


def test_train_sentiment_without_data_is_one_line(tmp_path):
    _one_line_failure(_yuqing("train-sentiment", "--data-dir", str(tmp_path)), "sentiment")


# --------------------------------------------------------------------------- the last-resort handler
def _boom(args) -> int:
    raise RuntimeError("something nobody expected\nsecond line")


@pytest.fixture()
def exploding(monkeypatch):
    """`yuqing init-db` raising an error no command handles."""
    from yuqing.cli import init_db

    monkeypatch.setattr(init_db, "cmd_init_db", _boom)


def test_unexpected_error_is_one_line_with_the_log_file(exploding, tmp_path, monkeypatch, capsys):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert cli.main(["init-db"]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    assert "RuntimeError: something nobody expected second line" in err and "-vv" in err
    logs = list(tmp_path.glob("yuqing-error-*.log"))
    assert len(logs) == 1 and str(logs[0]) in err
    assert "Traceback" in logs[0].read_text(encoding="utf-8")


def test_unexpected_error_shows_the_traceback_with_vv(exploding, capsys):
    assert cli.main(["-vv", "init-db"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "_boom" in err


def test_keyboard_interrupt_is_one_line(monkeypatch, capsys):
    from yuqing.cli import init_db

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(init_db, "cmd_init_db", interrupted)
    assert cli.main(["init-db"]) == cli.EXIT_INTERRUPTED
    err = capsys.readouterr().err.strip()
    assert err == "已中断。"


# --------------------------------------------------------------------------- -v / -vv
def test_log_level_mapping():
    assert [log_level(n) for n in (0, 1, 2, 5)] == [logging.WARNING, logging.INFO, logging.DEBUG, logging.DEBUG]


@pytest.mark.parametrize(("argv", "level"), [
    (["init-db"], logging.WARNING), (["-v", "init-db"], logging.INFO), (["init-db", "-vv"], logging.DEBUG),
    (["-v", "events", "list", "-v"], logging.DEBUG),
])  # fmt: skip
def test_verbose_flags_before_or_after_the_command_set_the_level(argv, level, monkeypatch):
    seen = {}

    def record(args):
        seen["level"] = logging.getLogger().level
        return 0

    from yuqing.cli import events, init_db

    monkeypatch.setattr(init_db, "cmd_init_db", record)
    monkeypatch.setattr(events, "cmd_list", record)
    assert cli.main(argv) == 0
    assert seen["level"] == level


def test_quiet_by_default_and_info_with_v(db_url):
    quiet = _yuqing("init-db", MONITOR_DB_URL=db_url)
    assert quiet.returncode == 0 and " INFO " not in quiet.stderr, quiet.stderr
    loud = _yuqing("-v", "init-db", MONITOR_DB_URL=db_url)
    assert loud.returncode == 0 and " INFO " in loud.stderr
