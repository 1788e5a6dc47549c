"""`yuqing events ...` against a small analysed store: list with class and countdown, show, status, respond."""

from __future__ import annotations

from test_jobs_analysis import NOW, build_store, doc_rows

from jobs.analysis import run_stage2
from store.hotspots import get_event
from yuqing.cli import main


def _store(tmp_path, monkeypatch):
    engine, ids = build_store(tmp_path / "t.db")
    run_stage2(engine, now=NOW)
    rows = doc_rows(engine)
    monkeypatch.setenv("MONITOR_DB_URL", str(engine.url))
    return engine, rows


def test_events_list_and_show(tmp_path, monkeypatch, capsys) -> None:
    engine, rows = _store(tmp_path, monkeypatch)
    assert main(["events", "list", "--days", "0"]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines()[1:] if line.strip()]
    assert len(lines) == 3 and any("A类" in line and "已超时" in line for line in lines)
    assert main(["events", "list", "--days", "0", "--class", "B"]) == 0
    out = capsys.readouterr().out
    assert "莒南县审计局" in out and "响水县" not in out
    assert main(["events", "show", str(rows["b1"]["event_id"])]) == 0
    out = capsys.readouterr().out
    assert "6人死亡" in out and "https://news.example.cn/b1.html" in out


def test_events_status_and_respond(tmp_path, monkeypatch, capsys) -> None:
    engine, rows = _store(tmp_path, monkeypatch)
    eid = rows["b1"]["event_id"]
    assert main(["events", "status", str(eid), "已结束", "--by", "张三"]) == 1
    assert "不能" in capsys.readouterr().err
    assert main(["events", "status", str(eid), "处置中", "--by", "张三"]) == 0
    assert main(["events", "respond", str(eid), "--kind", "新闻发布会", "--url", "https://x.gov.cn/p",
                 "--by", "李四", "--at", "2025-06-10 15:00"]) == 0  # fmt: skip
    with engine.connect() as conn:
        event = get_event(conn, eid)
    assert event["status"] == "已回应"
    # a press conference discharges both A deadlines
    assert event["deadline_at"] is None
    assert main(["events", "show", str(eid)]) == 0
    assert "2025-06-10 15:00 新闻发布会 李四" in capsys.readouterr().out
