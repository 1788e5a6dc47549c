"""`yuqing events ...` against a small analysed store: list with class and countdown, show, status, respond."""

from __future__ import annotations

import pytest

from jobs.analysis import run_stage2
from store.events import get_event
from tests.factories import STORY_NOW as NOW
from tests.factories import doc_rows
from yuqing.cli import main


@pytest.fixture
def cli_stories(stories, store_url, monkeypatch):
    """The stories after stage 2, the CLI pointed at them: (engine, content hash → row)."""
    engine, _ = stories
    run_stage2(engine, now=NOW)
    monkeypatch.setenv("MONITOR_DB_URL", store_url)
    return engine, doc_rows(engine)


def test_events_list_and_show(cli_stories, capsys) -> None:
    engine, rows = cli_stories
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


def test_events_status_and_respond(cli_stories, capsys) -> None:
    engine, rows = cli_stories
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


def test_events_respond_refuses_a_future_time_and_a_bad_one(cli_stories, capsys) -> None:
    engine, rows = cli_stories
    eid = rows["b1"]["event_id"]
    assert main(["events", "respond", str(eid), "--kind", "新闻发布会", "--by", "李四", "--at", "2030-01-01 09:00"]) == 1
    assert "回应时间不能晚于当前时间" in capsys.readouterr().err
    assert main(["events", "respond", str(eid), "--kind", "新闻发布会", "--by", "李四", "--at", "昨天下午"]) == 2
    err = capsys.readouterr().err
    assert "无法识别" in err and "Traceback" not in err
    with engine.connect() as conn:
        assert get_event(conn, eid)["status"] == "待研判"


def test_events_assign_and_ack(cli_stories, store_url, capsys) -> None:
    from tests.conftest import make_account

    engine, rows = cli_stories
    eid = rows["b1"]["event_id"]
    make_account(store_url, "zhang", "handler", "张三")
    assert main(["events", "assign", str(eid), "nobody", "--by", "李四"]) == 1
    assert "没有账号“nobody”" in capsys.readouterr().err
    assert main(["events", "assign", str(eid), "zhang", "--by", "李四"]) == 0
    assert main(["events", "ack", str(eid), "--by", "值班王"]) == 0
    assert main(["events", "ack", str(eid), "--by", "值班王"]) == 1
    assert "已由 值班王 确认知悉" in capsys.readouterr().err
    assert main(["events", "show", str(eid)]) == 0
    assert "指派给：zhang  值班领导知悉：值班王 " in capsys.readouterr().out
    with engine.connect() as conn:
        event = get_event(conn, eid)
    assert (event["assignee"], event["assigned_by"], event["acknowledged_by"]) == ("zhang", "李四", "值班王")
