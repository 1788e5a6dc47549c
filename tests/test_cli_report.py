"""`yuqing report daily|weekly|event`: files written in each format, and one clear line with exit code 2 for
a bad date, an unknown 方案 or event, or .docx asked on stdout."""

from __future__ import annotations

import io

import pytest
from docx import Document
from test_jobs_reports import seed

from yuqing.cli import main


@pytest.fixture
def db(tmp_path, monkeypatch):
    url = seed(tmp_path / "cli.db")
    monkeypatch.setenv("MONITOR_DB_URL", url)
    return url


def test_daily_report_written_in_each_format(db, tmp_path, capsys) -> None:
    for fmt in ("docx", "html", "md"):
        out = tmp_path / "out" / f"r.{fmt}"
        assert main(["report", "daily", "--date", "2025-06-07", "--format", fmt, "--out", str(out)]) == 0
        assert out.stat().st_size > 0
    printed = capsys.readouterr().out
    assert "已生成舆情日报（本期无重大舆情" in printed
    doc = Document(str(tmp_path / "out" / "r.docx"))
    assert any("本期无重大舆情" in p.text for p in doc.paragraphs)
    assert (tmp_path / "out" / "r.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_markdown_to_stdout(db, capsys) -> None:
    assert main(["report", "weekly", "--format", "md", "--out", "-"]) == 0
    assert capsys.readouterr().out.startswith("**内部资料 注意保存**\n\n# 舆情周报")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["report", "daily", "--date", "2025-13-01"], "参数错误：日期格式应为 YYYY-MM-DD：2025-13-01"),
        (["report", "daily", "--date", "2999-01-01"], "无法生成报告：日期 2999-01-01 的报告时段尚未开始"),
        (["report", "weekly", "--plan", "不存在的方案"], "无法生成报告：未知的监测方案：不存在的方案"),
        (["report", "event", "424242"], "无法生成报告：事件 424242 不存在"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(db, tmp_path, capsys, argv, message) -> None:
    out = tmp_path / "never.docx"
    assert main([*argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(message) and "\n" not in err and "Traceback" not in err
    assert not out.exists()


def test_docx_to_stdout_is_refused(db, capsys) -> None:
    assert main(["report", "daily", "--format", "docx", "--out", "-"]) == 2
    assert "docx" in capsys.readouterr().err


def test_event_report_by_id(db, tmp_path, capsys) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(db)
    with engine.connect() as conn:
        blast = conn.execute(text("select id from events where response_class = 'A'")).scalar_one()
    engine.dispose()
    out = tmp_path / "e.docx"
    assert main(["report", "event", str(blast), "--out", str(out)]) == 0
    doc = Document(io.BytesIO(out.read_bytes()))
    assert doc.paragraphs[0].text == "舆情专报"
    assert any(p.text.startswith("风险研判") or "风险研判：高风险" in p.text for p in doc.paragraphs)
