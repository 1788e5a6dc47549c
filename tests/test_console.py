"""yuqing.console's table printer: columns aligned by display width (wcwidth), numbers right-aligned, empty
cells shown as —, one line per row; and the CLI tables that use it line up in a terminal."""

from __future__ import annotations

import io

from yuqing.console import display_width, format_table, print_crawl_summary


def _starts(lines: list[str], cells: list[str]) -> list[int]:
    """Display column where each row's cell starts (the cells given one per line)."""
    return [display_width(line[: line.index(c)]) for line, c in zip(lines, cells, strict=True)]


def test_display_width_counts_chinese_and_fullwidth_as_two_columns() -> None:
    assert display_width("审计") == 4
    assert display_width("ab（c）") == 7  # full-width brackets
    assert display_width("e\u0301") == 1  # a combining accent takes no column
    assert display_width("a\tb") == 3  # a control character never makes the width negative


def test_mixed_chinese_and_latin_columns_start_at_the_same_display_column() -> None:
    lines = format_table(
        ["信源", "页面", "状态"],
        [["审计时报网 RSS（演示）", 12, "完成"], ["rss", 3, "部分入库"], ["微博", 1234, "失败"]],
    )
    assert _starts(lines, ["状态", "完成", "部分入库", "失败"]) == [30, 30, 30, 30]  # 22 + 2 + 4 + 2
    # numbers right-aligned: their last digit ends in the same column
    numbers = zip(lines[1:], ["12", "3", "1234"], strict=True)
    ends = [display_width(line[: line.index(n) + len(n)]) for line, n in numbers]
    assert len(set(ends)) == 1


def test_empty_cells_and_line_breaks_do_not_break_rows() -> None:
    lines = format_table(["a", "b"], [[None, "第一行\n第二行"]])
    assert lines == ["a  b", "—  第一行 第二行"]


def test_explicit_alignment_and_indent() -> None:
    lines = format_table(["编号", "主机"], [["7", "x.cn"], ["12", "审计.cn"]], align="><", indent="  ")
    assert lines[1] == "     7  x.cn" and lines[2] == "    12  审计.cn"


def test_crawl_summary_labels_statuses_and_aligns_chinese_source_names() -> None:
    runs = [
        {"source": "临沂新闻网 新闻中心", "spider": "news_listing", "pages": 105, "stored": 57, "updated": 0,
         "errors": 0, "status": "finished", "dropped": {"no_plan_match": 41}},
        {"source": None, "spider": "rss", "pages": 3, "stored": 1, "updated": 2, "errors": 1,
         "status": "partial", "dropped": {}},
    ]  # fmt: skip
    out = io.StringIO()
    print_crawl_summary(runs, out=out)
    text = out.getvalue()
    rows = [line for line in text.splitlines() if "完成" in line or "部分入库" in line or "状态" in line]
    assert len(rows) == 3 and "finished" not in text and "partial" not in text
    assert "RSS 采集" in text  # a run without a source is named by its spider's label
    assert len(set(_starts(rows, ["状态", "完成", "部分入库"]))) == 1
    assert "未命中监测方案（no_plan_match）: 41" in text


def test_sites_list_reads_tiers_as_labels_in_aligned_columns(sqlite_store, monkeypatch, capsys):
    from datetime import UTC, datetime

    from store.sitewatch import record_check, upsert_candidate
    from yuqing.cli import main

    url = str(sqlite_store.url)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    with sqlite_store.begin() as conn:
        record_check(conn, "http://www.cnaudit-cert.com/", {
            "final_url": "http://www.cnaudit-cert.com/", "title": "全国审计人员职业资格认证中心", "score": 100,
            "tier": "act", "signals": [{"code": "gov_posing", "label": "x", "weight": 40, "evidence": "审计署"}],
            "evidence": {}, "error": None}, now=now)  # fmt: skip
        upsert_candidate(conn, "http://审计培训.cn/", method="manual", now=now)
    monkeypatch.setenv("MONITOR_DB_URL", url)
    assert main(["sites", "list"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert (
        "建议处置" in lines[1] and "未核查" in lines[2] and not any(" act " in f" {line} " for line in lines)
    )
    hosts = [line for line in lines[1:]]
    starts = [
        display_width(line[: line.index(h)]) for line, h in zip(hosts, ["www.cnaudit", "xn--"], strict=True)
    ]
    assert len(set(starts)) == 1 and starts[0] == display_width(lines[0][: lines[0].index("主机")])
