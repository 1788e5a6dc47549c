"""日报 / 周报 / 专报 (jobs.reports and its renderers) on a seeded store: the sections, the class-A event with
its deadline and status, references that resolve to stored documents, the quiet period, escaping of crawled
text in HTML and Markdown, the .docx layout, and the 专报's summary and risk judgement. The store builder here
is shared by the CLI and dashboard report tests."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Cm

from config.loader import load_settings
from jobs.analysis import run_stage2
from jobs.report_render import render, render_docx, render_html, render_markdown
from jobs.reports import ReportError, build_report, daily_report_due, report_window
from jobs.workflows import record_response
from store import sitewatch
from store.db import open_store
from store.events import document_urls, list_events
from store.users import console_user
from tests.factories import STORY_NOW, insert_documents, story, story_documents

XSS = "<script>alert(1)</script>"
QUIET_DAY = date(2025, 6, 7)  # report day whose window [06-06 08:30, 06-07 08:30) holds only ordinary news
SECTIONS = ("概况", "重点舆情", "批评审计机关的声音", "趋势与信源分布", "仿冒网站与网站安全", "处置建议")
EVENT_SECTIONS = ("基本情况", "传播时间线", "核心传播节点", "各方观点", "传播趋势", "回应与处置", "待办时限", "处置建议")


def seed(path_or_url) -> str:
    """The analysis test stories (an audit story reprinted twice, a class-A explosion, criticism of a county
    audit office whose title carries a <script>), one ordinary story three days earlier, an impersonating site
    at act tier and a high own-site finding; stage 2 run at STORY_NOW. Returns the DB URL."""
    rows = []
    for r in story_documents():
        if r["content_hash"] == "c1":
            r = dict(r, title=XSS + r["title"])
        rows.append(r)
    quiet = datetime(2025, 6, 6, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
    rows.append(story("q1", "审计署发布审计工作报告解读", "审计署今天发布审计工作报告解读文章，介绍审计整改总体情况。",
                    "中国审计报", quiet, quiet, level="central", sentiment="neu", target="other"))  # fmt: skip
    url = str(path_or_url) if "://" in str(path_or_url) else f"sqlite:///{path_or_url}"
    engine = open_store(url)
    insert_documents(engine, rows)
    run_stage2(engine, now=STORY_NOW)
    found = STORY_NOW - timedelta(hours=3)
    with engine.begin() as conn:
        sitewatch.upsert_candidate(conn, "http://www.shenji-px.com/", method="manual", now=found)
        sitewatch.record_check(conn, "http://www.shenji-px.com/", {
            "final_url": "http://www.shenji-px.com/", "title": "审计署培训中心", "score": 95, "tier": "act",
            "signals": [{"label": "声称获审计机关授权", "weight": 30}], "evidence": {},
        }, now=found)  # fmt: skip
        sitewatch.sync_findings(conn, "https://www.audit.gov.cn/", [
            {"kind": "hidden_link", "severity": "high", "summary": "发现 2 个隐藏链接（暗链）", "evidence": {}},
        ], now=found)  # fmt: skip
    engine.dispose()
    return url


@pytest.fixture
def store(tmp_path):
    url = seed(tmp_path / "r.db")
    engine = open_store(url, upgrade=False)
    yield engine
    engine.dispose()


@pytest.fixture
def settings():
    return load_settings()


def _events(engine) -> dict[str, dict]:
    with engine.connect() as conn:
        df = list_events(conn)
    return {("A" if r["response_class"] == "A" else "B" if r["response_class"] == "B" else "none"): r
            for r in df.to_dict("records")}  # fmt: skip


def _resolves(engine, report) -> None:
    with engine.connect() as conn:
        urls = document_urls(conn, [r.doc_id for r in report.references])
    assert [r.number for r in report.references] == list(range(1, len(report.references) + 1))
    assert all(urls.get(r.doc_id) == r.url for r in report.references), "a reference is not a stored document"


def test_daily_report_has_every_section_and_names_the_class_a_event(store, settings) -> None:
    report = build_report(settings, store, "daily", now=STORY_NOW)
    assert [s.title for s in report.sections] == list(SECTIONS) and not report.quiet
    text = report.plain_text()
    blast = _events(store)["A"]
    assert blast["title"] in text
    # first detected 09:10 UTC = 17:10 local; 5 h for authoritative information, 24 h for a press conference
    assert "发布权威信息 2025-06-10 22:10（剩余 2小时10分）" in text
    assert "召开新闻发布会 2025-06-11 17:10" in text and "待研判" in text
    assert report.counts["documents"] == 5 and report.counts["class_a"] == 1 and report.counts["class_b"] == 1
    assert report.counts["critics"] == 1 and "批评审计机关的信息1篇" in text
    # urgency first: the explosion (nearest deadline), then the office criticism, then the unclassed story
    headings = [b.text for b in report.section("events").blocks if type(b).__name__ == "Subheading"]
    assert headings[0] == blast["title"] and headings[1].startswith(XSS) and len(headings) == 3
    # site watch items new in the period, and the rule-derived suggestions
    assert "www.shenji-px.com" in text and "发现 2 个隐藏链接（暗链）" in text
    advice = [b.text for b in report.section("advice").blocks]
    assert advice[0].startswith(f"1. 「{blast['title']}」（A类）：须于2025-06-10 22:10前发布权威信息")
    assert any("待核实的仿冒网站1个" in a for a in advice) and any("高风险问题1项" in a for a in advice)
    _resolves(store, report)
    assert len(report.summary) <= 200 and "A类1件" in report.summary


def test_every_reference_resolves_and_every_citation_has_a_reference(store, settings) -> None:
    for kind in ("daily", "weekly"):
        report = build_report(settings, store, kind, now=STORY_NOW)
        _resolves(store, report)
        cited = {
            n for s in report.sections for b in s.blocks for sp in getattr(b, "spans", ()) for n in sp.refs
        }
        assert cited == {r.number for r in report.references}
    quote = next(b for b in build_report(settings, store, "daily", now=STORY_NOW).section("criticism").blocks
                 if b.style == "quote")  # fmt: skip
    assert len(re.search(r"「(.*)」", quote.text).group(1)) <= 80


def test_docx_opens_with_headings_event_deadline_and_layout(store, settings) -> None:
    report = build_report(settings, store, "daily", now=STORY_NOW)
    docx = Document(io.BytesIO(render_docx(report)))
    paras = [(p.style.name, p.text) for p in docx.paragraphs]
    h1 = [t for s, t in paras if s == "Heading 1"]
    assert h1 == [f"{n}、{t}" for n, t in zip("一二三四五六", SECTIONS, strict=True)] + ["信息来源"]
    blast = _events(store)["A"]
    assert ("Heading 2", f"（一）{blast['title']}") in paras
    body = "\n".join(t for _, t in paras)
    assert "发布权威信息 2025-06-10 22:10（剩余 2小时10分）" in body and "待研判" in body
    refs = [t for _, t in paras if re.match(r"\[\d+\] ", t)]
    assert len(refs) == len(report.references)
    assert all(r.url in line for r, line in zip(report.references, refs, strict=True))
    section = docx.sections[0]
    assert abs(section.top_margin - Cm(3.7)) < Cm(0.01) and abs(section.left_margin - Cm(2.8)) < Cm(0.01)
    assert abs(section.page_width - Cm(21)) < Cm(0.01)
    header = section.header.paragraphs[0].text
    assert settings.report.unit_name in header and settings.report.mark in header
    assert "PAGE" in section.footer.paragraphs[0]._p.xml
    fonts = docx.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    title_run = next(p for p in docx.paragraphs if p.text == "舆情日报").runs[0]
    assert title_run._r.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "方正小标宋简体"
    assert len(docx.inline_shapes) == 1  # the trend chart
    rels = [r.target_ref for r in docx.part.rels.values() if r.is_external]
    assert blast["title"] and any(u.startswith("https://news.example.cn/") for u in rels)


def test_quiet_period_gives_a_short_report_with_volumes(store, settings) -> None:
    report = build_report(settings, store, "daily", day=QUIET_DAY, now=STORY_NOW)
    assert report.quiet and [s.key for s in report.sections] == ["overview", "events", "advice"]
    text = report.plain_text()
    assert "本期无重大舆情" in text and "本期共监测到与审计工作相关的信息1篇" in text
    assert report.start == datetime(2025, 6, 6, 0, 30, tzinfo=UTC) and report.end == datetime(
        2025, 6, 7, 0, 30, tzinfo=UTC
    )
    assert "审计署发布审计工作报告解读" in text and "本期无需回应或待处置的事项" in text
    docx = Document(io.BytesIO(render(report, "docx")))
    assert any("本期无重大舆情" in p.text for p in docx.paragraphs)
    _resolves(store, report)
    assert "本期无重大舆情" in report.summary


def test_html_escapes_crawled_text_and_is_self_contained(store, settings) -> None:
    report = build_report(settings, store, "daily", now=STORY_NOW)
    page = render_html(report)
    assert XSS not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.startswith("<!DOCTYPE html>") and 'src="data:image/png;base64,' in page
    assert not re.search(
        r'(src|href)="(?!data:image/png|#ref-|https?://)', page
    )  # nothing external but links
    for r in report.references:
        assert f'<li id="ref-{r.number}" value="{r.number}">' in page
    fragment = render_html(report, standalone=False)
    assert fragment.startswith("<style>") and "<html" not in fragment


def test_markdown_escapes_and_lists_the_same_references(store, settings) -> None:
    report = build_report(settings, store, "daily", now=STORY_NOW)
    md = render_markdown(report)
    assert XSS not in md and r"\<script\>alert(1)\</script\>" in md
    listed = re.findall(r"^\[(\d+)\] .*<(https?://[^>]+)>$", md, flags=re.M)
    assert [(int(n), u) for n, u in listed] == [(r.number, r.url) for r in report.references]
    for heading in SECTIONS:
        assert re.search(rf"^## [一二三四五六]、{heading}$", md, flags=re.M)


def test_weekly_compares_with_the_previous_week(store, settings) -> None:
    report = build_report(settings, store, "weekly", day=date(2025, 6, 11), now=STORY_NOW + timedelta(days=1))
    assert report.title == "舆情周报" and report.end - report.start == timedelta(days=7)
    assert report.counts["documents"] == 6 and report.counts["previous"]["documents"] == 0
    chart = report.section("trend").blocks[0]
    assert len(chart.days) == 14 and sum(sum(v) for _, v in chart.series) == 6


def test_plan_filter_and_bad_choices(store, settings) -> None:
    assert build_report(settings, store, "daily", plan="审计署全国", now=STORY_NOW).counts["documents"] == 5
    with pytest.raises(ReportError, match="未知的监测方案"):
        build_report(settings, store, "daily", plan="没有这个方案", now=STORY_NOW)
    with pytest.raises(ReportError, match="尚未开始"):
        build_report(settings, store, "daily", day=date(2025, 6, 12), now=STORY_NOW)
    with pytest.raises(ReportError, match="不存在"):
        build_report(settings, store, "event", event_id=999999, now=STORY_NOW)


def test_event_report_summary_ends_with_the_risk_judgement(store, settings) -> None:
    blast = _events(store)["A"]
    later = blast["first_seen_at"] + timedelta(hours=6)  # authoritative information is 1 h overdue
    report = build_report(settings, store, "event", event_id=int(blast["id"]), now=later)
    assert [s.title for s in report.sections] == list(EVENT_SECTIONS) and report.subject == blast["title"]
    assert len(report.summary) <= 200
    assert report.summary.endswith("风险研判：高风险（A类突发事件、回应已超时）。")
    assert report.counts["risk"] == "高" and report.counts["overdue"] == 1
    text = report.plain_text()
    assert "应立即发布权威信息" in text and "首发" in text
    _resolves(store, report)
    timeline = report.section("timeline").blocks[0]
    assert timeline.rows[0][3].text == "首发"
    nodes = report.section("nodes").blocks[0]
    assert nodes.columns[:3] == ("信源", "级别", "作用") and nodes.rows[0][2].text == "首发"
    assert nodes.rows[0][0].text == timeline.rows[0][1].text and nodes.rows[0][0].refs  # cited

def test_event_report_shows_the_response_record(store, settings) -> None:
    office = _events(store)["B"]
    record_response(store, int(office["id"]), "澄清", console_user("李四"), url="https://www.example.gov.cn/c.html",
                    responded_at=STORY_NOW, now=STORY_NOW)  # fmt: skip
    report = build_report(
        settings, store, "event", event_id=int(office["id"]), now=STORY_NOW + timedelta(hours=1)
    )
    text = report.plain_text()
    assert "已回应" in text and "澄清（李四）" in text and "全部回应时限均已完成" in text
    assert report.summary.endswith("）。") and "风险研判：" in report.summary
    assert "https://www.example.gov.cn/c.html" in render_html(report)
    daily = build_report(settings, store, "daily", now=STORY_NOW + timedelta(hours=1))
    assert not any("须于" in b.text and XSS in b.text for b in daily.section("advice").blocks)


def test_periods_cut_at_the_daily_time(settings) -> None:
    start, end = report_window(settings, "daily", date(2025, 6, 10), STORY_NOW)
    assert (start, end) == (datetime(2025, 6, 9, 0, 30, tzinfo=UTC), datetime(2025, 6, 10, 0, 30, tzinfo=UTC))
    start, end = report_window(settings, "weekly", None, STORY_NOW)
    assert (start, end) == (STORY_NOW - timedelta(days=7), STORY_NOW)
    today_morning = datetime(2025, 6, 10, 0, 0, tzinfo=UTC)  # 08:00 local: today's report is not due yet
    assert report_window(settings, "daily", date(2025, 6, 10), today_morning)[1] == today_morning
    assert daily_report_due(settings, today_morning) is None
    assert daily_report_due(settings, STORY_NOW) == date(2025, 6, 10)
    assert daily_report_due(settings, STORY_NOW, last_sent=date(2025, 6, 10)) is None


@pytest.mark.requires_postgres
def test_daily_report_on_postgresql(pg_schema_url, settings) -> None:
    seed(pg_schema_url)
    engine = open_store(pg_schema_url, upgrade=False)
    try:
        report = build_report(settings, engine, "daily", now=STORY_NOW)
        assert (
            report.counts["class_a"] == 1
            and report.counts["candidates"] == 1
            and report.counts["findings"] == 1
        )
        assert _events(engine)["A"]["title"] in report.plain_text()
        _resolves(engine, report)
        quiet = build_report(settings, engine, "daily", day=QUIET_DAY, plan="审计署全国", now=STORY_NOW)
        assert quiet.quiet and quiet.counts["documents"] == 1
    finally:
        engine.dispose()


def test_chart_is_a_png_drawn_with_the_cjk_font() -> None:
    from pathlib import Path

    from jobs.report_chart import chart_png, cjk_font_path
    from jobs.report_model import Chart

    png = chart_png(
        Chart("近7日信息量（按情感）", ("2025-06-09", "2025-06-10"), (("负面", (1, 2)), ("中性", (3, 0))))
    )
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000
    if not Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc").exists():
        pytest.skip("fonts-wqy-microhei is not installed (.ci/run installs it)")
    assert cjk_font_path().endswith("wqy-microhei.ttc")


def test_bounded_advice_lists_the_most_urgent_and_says_how_many_in_all(store, settings) -> None:
    full = build_report(settings, store, "daily", now=STORY_NOW)
    cut = build_report(settings, store, "daily", now=STORY_NOW, advice_max=1)
    lines = [b.text for b in full.section("advice").blocks]
    shown = [b.text for b in cut.section("advice").blocks]
    assert full.counts["owing"] == 2 and cut.counts == full.counts  # counted over every event, listed or not
    assert shown[0] == lines[0] and shown[0].startswith("1. 「")  # the most urgent, worded as in the file
    assert "需回应的事件共2件" in shown[1] and "另有1件未逐条列出" in shown[1]
    assert not any(lines[1] == s for s in shown)  # the second event is left out of the preview
    # the site items keep their place after the events, numbered on from the lines shown
    assert [s.split(". ", 1)[1] for s in shown[2:]] == [x.split(". ", 1)[1] for x in lines[2:]]
    assert [s.split(". ", 1)[0] for s in shown[2:]] == ["2", "3"]
    assert [s for s in cut.sections if s.key != "advice"] == [s for s in full.sections if s.key != "advice"]
    assert build_report(settings, store, "daily", now=STORY_NOW, advice_max=5).section("advice") == full.section(
        "advice"
    )  # nothing cut: no note


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.requires_postgres)])
def any_store(request, tmp_path):
    """The seeded store on SQLite, then on PostgreSQL."""
    url = seed(tmp_path / "r.db" if request.param == "sqlite" else request.getfixturevalue("pg_schema_url"))
    engine = open_store(url, upgrade=False)
    yield engine
    engine.dispose()


def test_open_class_briefs_are_the_open_class_events_and_their_plans(any_store) -> None:
    from store import digest
    from store.reports import plan_names

    with any_store.connect() as conn:
        every = digest.open_class_events(conn, STORY_NOW)
        briefs = digest.open_class_briefs(conn, STORY_NOW)
        assert set(briefs) == set(every) and len(every) == 2
        assert set(briefs[every[0]]) == set(digest.BRIEF_COLUMNS)
        assert digest.open_class_briefs(conn, STORY_NOW - timedelta(days=30)) == {}
        matched = 0
        for plan in (*plan_names(conn), "无此方案"):
            want = digest.events_with_plan(conn, every, plan)
            assert set(digest.open_class_briefs(conn, STORY_NOW, plan)) == want
            matched += bool(want)
        assert matched  # some 方案 picks some of them
        kinds = digest.response_kinds(conn, every)
        assert kinds == {e: [] for e in every}


def test_preview_draws_the_chart_as_svg_with_every_total(store, settings) -> None:
    from jobs.report_chart import chart_svg
    from jobs.report_model import Chart

    report = build_report(settings, store, "weekly", day=date(2025, 6, 11), now=STORY_NOW + timedelta(days=1))
    fragment = render_html(report, standalone=False)
    assert 'src="data:image/svg+xml;base64,' in fragment and "data:image/png" not in fragment  # no matplotlib
    assert "<svg" not in fragment  # an image: st.html's sanitiser drops inline SVG elements
    chart = report.section("trend").blocks[0]
    svg = chart_svg(chart)
    totals = [sum(day) for day in zip(*(counts for _, counts in chart.series), strict=True)]
    bars = [n for _, counts in chart.series for n in counts if n]
    assert svg.count("<title>") == len(bars) and all(f">{t}</text>" in svg for t in totals if t)
    assert len(chart.days) == 14 and all(f'text-anchor="middle">{d[5:]}</text>' in svg for d in chart.days)
    odd = chart_svg(Chart(XSS, ("2025-06-09",), (("负面", (1,)),)))
    assert XSS not in odd and "&lt;script&gt;" in odd
