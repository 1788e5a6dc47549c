"""The `yuqing` command line: help, config errors, init-db, and a crawl killed midway that loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import create_engine, func, select, text

from store.schema import documents
from tests.conftest import FIXTURES, ROOT
from yuqing.cli import main


def test_help_lists_subcommands(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for cmd in ("demo", "crawl", "analyze", "dashboard", "init-db", "train-sentiment"):
        assert cmd in out


@pytest.mark.parametrize("cmd", ["demo", "crawl", "analyze", "dashboard", "init-db"])
def test_each_subcommand_explains_itself(cmd, capsys):
    with pytest.raises(SystemExit) as exc:
        main([cmd, "--help"])
    assert exc.value.code == 0
    assert "usage: yuqing " + cmd in capsys.readouterr().out


def _config(tmp_path, url: str, *, delay: float = 0.0, extra: str = "") -> str:
    (tmp_path / "sources.yaml").write_text(
        "sources:\n"
        f"  - {{name: 慢站, kind: list, url: '{url}/index.html', level: county, link_allow: ['/a\\d+\\.html$']}}\n",
        encoding="utf-8",
    )
    (tmp_path / "settings.yaml").write_text(
        f"db_url: sqlite:///{tmp_path}/cli.db\n"
        f"sources_file: {tmp_path}/sources.yaml\n"
        f"plans_file: {ROOT}/config/keywords.yaml\n"
        "crawl:\n"
        f"  download_delay: {delay}\n  autothrottle: false\n  allow_private_networks: ['127.0.0.0/8']\n"
        f"  store_batch_size: 5\n{extra}",
        encoding="utf-8",
    )
    return str(tmp_path / "settings.yaml")


def test_config_error_is_one_clear_line(tmp_path, capsys):
    cfg = _config(tmp_path, "http://127.0.0.1:1", extra="  download_dely: 3\n")
    assert main(["--config", cfg, "init-db"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "settings.yaml" in err and "crawl.download_dely" in err


def test_init_db_creates_schema_and_sources(tmp_path, capsys):
    cfg = _config(tmp_path, "http://127.0.0.1:1")
    assert main(["--config", cfg, "init-db"]) == 0
    assert "信源 1 个" in capsys.readouterr().out
    engine = create_engine(f"sqlite:///{tmp_path}/cli.db")
    with engine.connect() as conn:
        assert conn.execute(text("select name from sources")).scalar_one() == "慢站"
    engine.dispose()


@pytest.fixture
def slow_site(mockserver):
    """30 articles, each answered after 0.4 s (12 s in all), so that a crawl can be stopped midway even on a
    loaded machine (at 0.15 s a busy CI box stored all 30 before the signal landed)."""
    return mockserver.serve_directory(FIXTURES / "slow").delay("/a", 0.4).url("")


def _count(db: str) -> int:
    engine = create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(documents)).scalar_one()
    except Exception:  # noqa: BLE001 - table not created yet
        return 0
    finally:
        engine.dispose()


@pytest.mark.slow
def test_killed_crawl_keeps_what_was_stored_and_next_run_completes(tmp_path, slow_site):
    cfg = _config(tmp_path, slow_site)
    cmd = [sys.executable, "-m", "yuqing.cli", "--config", cfg, "crawl", "--source", "慢站"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, cwd=str(ROOT), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db = tmp_path / "cli.db"
    deadline = time.monotonic() + 60
    try:
        while _count(db) < 5:
            assert proc.poll() is None, "crawl ended before it could be killed"
            assert time.monotonic() < deadline, "crawl stored nothing within 60 s"
            time.sleep(0.1)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    kept = _count(db)
    assert 5 <= kept < 30
    done = subprocess.run(cmd, cwd=str(ROOT), env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert _count(db) == 30
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        statuses = [r[0] for r in conn.execute(text("select status from crawl_runs order by id"))]
    engine.dispose()
    assert statuses == ["interrupted", "finished"]
    assert "新增" in done.stdout


@pytest.mark.slow
def test_ctrl_c_stops_gracefully_and_flushes_the_last_batch(tmp_path, slow_site):
    cfg = _config(tmp_path, slow_site)
    cmd = [sys.executable, "-m", "yuqing.cli", "--config", cfg, "crawl", "--source", "慢站"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        cmd, cwd=str(ROOT), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    db = tmp_path / "cli.db"
    deadline = time.monotonic() + 60
    while _count(db) < 3:
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        run = conn.execute(text("select status, stored, items from crawl_runs")).one()
    engine.dispose()
    assert run.status == "interrupted"
    assert run.stored == run.items == _count(db) < 30  # every item that passed the pipeline was written
    assert "采集结果" in out
