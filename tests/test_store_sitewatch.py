"""Site-watch storage on SQLite and PostgreSQL: candidates by host, check results, conditional status updates,
snapshots and baselines (dropped and logged through jobs), findings opened/refreshed/resolved; and the
`yuqing sites` store commands. The status workflow itself: test_jobs_workflows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from jobs.sitewatch import rebaseline
from jobs.workflows import add_candidate
from store.schema import integrity_findings
from store.sitewatch import (
    ENTITY_CANDIDATE,
    candidate_key,
    candidates_to_check,
    clear_baselines,
    get_candidate,
    get_snapshot,
    history,
    list_candidates,
    list_findings,
    record_check,
    record_snapshot,
    save_baseline,
    set_status,
    sync_findings,
    upsert_candidate,
)
from store.users import console_user

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


@pytest.fixture
def engine(store):
    """conftest's store (SQLite and PostgreSQL), by the name these tests use."""
    return store


def test_candidate_key_normalises_typed_urls():
    assert candidate_key("WWW.Audit-Gov.CN") == ("www.audit-gov.cn", "http://www.audit-gov.cn/")
    puny = "审计.中国".encode("idna").decode()
    assert puny.startswith("xn--") and puny.endswith(".xn--fiqs8s")
    assert candidate_key("https://审计.中国/x?a=1#frag") == (puny, f"https://{puny}/x?a=1")
    assert candidate_key("http://127.0.0.1:8080/")[0] == "127.0.0.1:8080"
    for bad in ("", "ftp://x.cn/", "http:///nohost", "http://a*b**.cn/", "http://-x.cn/"):
        with pytest.raises(ValueError):
            candidate_key(bad)


def test_upsert_by_host_keeps_one_row_and_every_way_it_was_found(engine):
    with engine.begin() as conn:
        a, created_a = upsert_candidate(
            conn, "http://www.zgsjpx.com/", method="dnstwist", detail="移至 .com", now=T0
        )
        b, created_b = upsert_candidate(conn, "www.zgsjpx.com/about", method="search", detail="百度", now=T0)
        c, created_c = upsert_candidate(
            conn, "http://www.zgsjpx.com/", method="dnstwist", detail="移至 .com", now=T0
        )
        row = get_candidate(conn, a)
    d, _ = add_candidate(
        engine, "www.other.cn", console_user("张三"), detail="群众举报", now=T0
    )  # by hand: logged
    with engine.connect() as conn:
        logged = history(conn, ENTITY_CANDIDATE, d)
    assert a == b == c and (created_a, created_b, created_c) == (True, False, False)
    assert [f["method"] for f in row["found_by"]] == ["dnstwist", "search"]  # the repeat is not added twice
    assert row["status"] == "待核实" and row["score"] is None and row["first_seen_at"] == T0
    assert [(h["action"], h["by_whom"], h["new_value"]) for h in logged] == [
        ("add", "张三", "http://www.other.cn/")
    ]


def test_check_results_are_stored_and_due_candidates_selected(engine):
    with engine.begin() as conn:
        ids = [upsert_candidate(conn, f"http://s{i}.cn/", method="manual", now=T0)[0] for i in range(4)]
        record_check(conn, "http://s0.cn/", {"final_url": "http://s0.cn/", "title": "中国审计培训网", "score": 85,
                     "tier": "act", "signals": [{"code": "authorisation_claim", "weight": 45}],
                     "evidence": {"claims": [{"text": "受审计署委托"}]}}, now=T0)  # fmt: skip
        record_check(
            conn,
            "http://s1.cn/",
            {"score": None, "error": "已拦截：目标为内网地址"},
            now=T0 - timedelta(days=10),
        )
        assert set_status(conn, ids[2], "待核实", "误报", by_whom="李四", now=T0)
        assert not set_status(conn, ids[2], "待核实", "已报送", by_whom="王五", now=T0)  # no longer 待核实
        due = candidates_to_check(conn, now=T0 + timedelta(days=1), recheck_days=7)
        due_all = candidates_to_check(conn, now=T0, include_all=True)
        picked = candidates_to_check(conn, now=T0, ids=[ids[0]])
        s0 = get_candidate(conn, ids[0])
        s1 = get_candidate(conn, ids[1])
        # checking a URL nobody stored creates its row
        new_id = record_check(conn, "http://fresh.cn/", {"score": 10, "tier": "none"}, now=T0)
        ranked = [r["host"] for r in list_candidates(conn)]
    assert [r["host"] for r in due] == [
        "s3.cn",
        "s1.cn",
    ]  # never checked first; 误报 and fresh checks skipped
    assert [r["host"] for r in due_all] == ["s3.cn", "s0.cn", "s1.cn"]
    assert [r["id"] for r in picked] == [ids[0]]
    assert s0["score"] == 85 and s0["tier"] == "act" and s0["title"] == "中国审计培训网"
    assert s0["evidence"]["claims"][0]["text"] == "受审计署委托" and s0["last_checked_at"] == T0
    assert s1["check_error"].startswith("已拦截") and s1["score"] is None
    assert (
        new_id not in ids
        and ranked[:2] == ["s0.cn", "fresh.cn"]
        and ranked[-1] in ("s1.cn", "s2.cn", "s3.cn")
    )


def test_snapshots_baselines_and_rebaseline_log(engine):
    url = "https://www.audit.gov.cn/"
    with engine.begin() as conn:
        save_baseline(conn, url, {"regions": {"header": {"hash": "ab"}}}, now=T0, site="审计署")
        record_snapshot(conn, url, latest={"findings": 0}, status="ok", now=T0 + timedelta(hours=1))
        snap = get_snapshot(conn, url)
        assert snap["baseline"]["regions"]["header"]["hash"] == "ab" and snap["baseline_at"] == T0
        assert (
            snap["status"] == "ok"
            and snap["site"] == "审计署"
            and snap["last_checked_at"] == T0 + timedelta(hours=1)
        )
    assert rebaseline(engine, by=console_user("管理员"), now=T0 + timedelta(days=1)) == 1
    assert (
        rebaseline(engine, by=console_user("管理员"), now=T0 + timedelta(days=1)) == 0
    )  # nothing left to clear
    with engine.begin() as conn:
        assert clear_baselines(conn) == []  # the store part: (id, url) of what it dropped
        snap = get_snapshot(conn, url)
        log = history(conn, "site_snapshot", snap["id"])
    assert snap["baseline"] is None and snap["baseline_at"] is None
    assert [(h["action"], h["by_whom"], h["new_value"]) for h in log] == [("rebaseline", "管理员", url)]


def test_findings_open_refresh_and_resolve(engine):
    url = "https://www.audit.gov.cn/"
    hidden = {
        "kind": "hidden_link",
        "severity": "high",
        "summary": "发现 2 个暗链",
        "evidence": {"links": ["a"]},
    }
    stale_a = {
        "kind": "stale_column",
        "severity": "medium",
        "summary": "审计要闻 20 天",
        "evidence": {"column": "审计要闻"},
    }
    stale_b = {
        "kind": "stale_column",
        "severity": "high",
        "summary": "公告 400 天",
        "evidence": {"column": "公告"},
    }
    with engine.begin() as conn:
        assert sync_findings(conn, url, [hidden, stale_a, stale_b], now=T0) == (3, 0)
        later = T0 + timedelta(hours=2)
        stale_a2 = {**stale_a, "summary": "审计要闻 21 天"}
        assert sync_findings(conn, url, [stale_a2], now=later) == (0, 2)
        open_rows = list_findings(conn, url=url)
        all_rows = list_findings(conn, open_only=False)
        n = len(conn.execute(select(integrity_findings.c.id)).all())
    assert n == 3 and len(all_rows) == 3
    assert [(r["kind"], r["summary"], r["found_at"]) for r in open_rows] == [
        ("stale_column", "审计要闻 21 天", T0)
    ]
    assert open_rows[0]["evidence"]["last_seen_at"] == later.isoformat(timespec="seconds")
    resolved = {r["summary"]: r["resolved_at"] for r in all_rows if r["resolved_at"]}
    assert resolved == {"发现 2 个暗链": later, "公告 400 天": later}


# --------------------------------------------------------------------------- CLI (store-only commands)
def test_cli_add_status_list_export(tmp_path, store_url, monkeypatch, capsys):
    from yuqing.cli import main

    monkeypatch.setenv("MONITOR_DB_URL", store_url)
    assert main(["sites", "add", "www.zgsjpx.com", "--by", "张三", "--note", "群众举报"]) == 0
    assert "已添加候选网站 #1" in capsys.readouterr().out
    assert main(["sites", "status", "1", "已处置", "--by", "张三"]) == 2
    assert "不能从“待核实”改为“已处置”" in capsys.readouterr().err
    assert main(["sites", "status", "1", "已报送", "--by", "张三", "--note", "编号 118"]) == 0
    assert main(["sites", "list", "--status", "已报送"]) == 0
    assert "www.zgsjpx.com" in capsys.readouterr().out
    out_html = tmp_path / "r.html"
    assert main(["sites", "export", "1", "--format", "html", "-o", str(out_html)]) == 0
    page = out_html.read_text(encoding="utf-8")
    assert "涉嫌仿冒网站证据单" in page and "www.zgsjpx.com" in page and "群众举报" in page and "张三" in page
    assert main(["sites", "export", "1", "--format", "csv", "-o", str(tmp_path / "r.csv")]) == 0
    assert (tmp_path / "r.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # BOM for Excel
    assert main(["sites", "export", "9", "--format", "csv"]) == 2
    assert main(["sites", "add", "ftp://bad", "--by", "张三"]) == 2


def test_cli_review_marks_a_finding_with_who(store, store_url, monkeypatch, capsys):
    from store.sitewatch import ENTITY_FINDING, get_finding, history
    from yuqing.cli import main

    monkeypatch.setenv("MONITOR_DB_URL", store_url)
    with store.begin() as conn:
        sync_findings(conn, "https://www.audit.gov.cn/", [
            {"kind": "hidden_link", "severity": "high", "summary": "暗链", "evidence": {}}], now=T0)  # fmt: skip
        fid = list_findings(conn)[0]["id"]
    assert main(["sites", "review", str(fid), "false", "--by", "张三", "--note", "测试链接"]) == 0
    assert "已标记为“误报”" in capsys.readouterr().out
    assert main(["sites", "review", str(fid), "false", "--by", "张三"]) == 2
    assert "已是“误报”" in capsys.readouterr().err
    assert main(["sites", "review", "999", "confirm", "--by", "张三"]) == 2
    with store.connect() as conn:
        row = get_finding(conn, fid)
        log = history(conn, ENTITY_FINDING, fid)
    assert (row["review"], row["review_by"]) == ("false_positive", "张三")
    assert [(h["new_value"], h["by_whom"], h["note"]) for h in log] == [("误报", "张三", "测试链接")]
