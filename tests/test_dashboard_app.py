"""The Streamlit dashboard under AppTest: 总览 metrics and filters, empty/error states, 信源健康, escaping."""

from __future__ import annotations

import csv
import io
import sqlite3
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from config.vocabulary import FINISH_REASON_LABELS, SOURCE_KIND_LABELS, SPIDER_LABELS
from dashboard import components, data
from store import aggregates
from store.queries import record_source_health, start_crawl_run, sync_sources, update_crawl_run
from tests.factories import analysed, document, insert_documents
from tests.pages import APP

pytestmark = pytest.mark.usefixtures("fresh_caches", "logged_in")  # every page needs a login (dashboard.auth)
TZ = ZoneInfo("Asia/Shanghai")
NATIONAL, JUNAN, OLD_PLAN = "审计署全国", "莒南县审计局", "旧方案"
SITE, LOCAL, WEIBO = "审计署网站", "莒南新闻网", "微博搜索"
XSS_TITLE = "<script>alert(1)</script>审计局回应整改质疑"
FORMULA_TITLE = '=HYPERLINK("http://evil.example/","点我")'


def local(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=TZ).astimezone(UTC)


def build_documents(today: date) -> list[dict]:
    """~10 documents at known local days (relative to today), sources, sentiments and plans."""
    d = lambda n: today - timedelta(days=n)  # noqa: E731
    #     key    published (None: undated)   first seen        source level   plans  sentiment target keywords title
    spec = [
        ("a1", local(d(0), 0, 5), None, SITE, "central", [NATIONAL], "neg", "office", ["审计整改", "资金"], XSS_TITLE),
        ("a2", local(d(1), 10), None, SITE, "central", [NATIONAL], "neg", "audited", ["资金"], "审计发现某县挪用资金"),
        ("a3", local(d(2), 9), None, LOCAL, "county", [JUNAN], "pos", "other", ["莒南"], "莒南县审计局开展培训"),
        ("a4", None, local(d(3), 8), LOCAL, "county", [JUNAN], None, None, None, "莒南县审计局工作动态"),
        ("a5", local(d(4), 12), None, WEIBO, "self-media", [NATIONAL, JUNAN], "neg", "office", ["审计整改"], "网友质疑审计整改"),
        ("a6", local(d(6), 0, 10), None, SITE, "central", [NATIONAL], "neu", "other", None, "审计署发布公告"),
        ("a7", local(d(7), 23), None, SITE, "central", [NATIONAL], "neg", "office", None, "一周前的批评"),
        ("a8", local(d(10), 9), None, WEIBO, "self-media", [NATIONAL], "neu", "other", None, FORMULA_TITLE),
        ("a9", local(d(20), 9), None, LOCAL, "county", [JUNAN, OLD_PLAN], "pos", "other", None, "二十天前的报道"),
        ("a10", local(d(40), 9), None, SITE, "central", [NATIONAL], "neg", "office", None, "四十天前的报道"),
    ]  # fmt: skip
    return [
        document(
            key,
            url="javascript:alert(6)" if key == "a6" else f"https://news.example.cn/{key}.html",
            source=source,
            platform="weibo" if source == WEIBO else "news",
            level=level,
            title=title,
            body="正文",
            published_at=pub,
            first_seen_at=seen or pub + timedelta(minutes=5),
            fetched_at=seen or pub + timedelta(minutes=5),
            plans=plans,
            terms=["审计"],
            analysis=analysed(senti, target, keywords=kws),
        )
        for key, pub, seen, source, level, plans, senti, target, kws, title in spec
    ]


def make_db(engine, today: date) -> str:
    """The documents (analysed, as `yuqing analyze` would), two sources with health, two crawl runs."""
    insert_documents(engine, build_documents(today))
    with engine.begin() as conn:
        sync_sources(
            conn,
            [
                {"name": SITE, "kind": "list", "url": "https://www.audit.gov.cn/", "level": "central"},
                {"name": LOCAL, "kind": "list", "url": "https://junan.example.cn/", "level": "county"},
            ],
        )
        now = datetime.now(UTC)
        record_source_health(conn, SITE, ok=True, when=now - timedelta(hours=1))
        for i in range(3):
            record_source_health(
                conn, LOCAL, ok=False, when=now - timedelta(minutes=30 - i), error="连接超时"
            )
        run = start_crawl_run(conn, "news_listing", SITE, now - timedelta(hours=1))
        update_crawl_run(
            conn, run, status="finished", finished_at=now - timedelta(minutes=55), pages=12, items=9, stored=7,
            updated=1, dropped={"no_title": 1, "too_old": 3}, errors=0,
        )  # fmt: skip
        run = start_crawl_run(conn, "news_listing", LOCAL, now - timedelta(minutes=28))
        update_crawl_run(conn, run, status="failed", finished_at=now - timedelta(minutes=27), errors=2,
                         error_samples=["TimeoutError: junan.example.cn"])  # fmt: skip
    return str(engine.url)


@pytest.fixture
def today() -> date:
    return datetime.now(TZ).date()


@pytest.fixture
def db_url(sqlite_store, monkeypatch, today, request) -> str:
    """The store of make_db; parametrized indirectly with True, its daily counts are built (the 总览 reads
    them instead of the documents, and must show the same numbers)."""
    url = make_db(sqlite_store, today)
    if getattr(request, "param", False):
        aggregates.rebuild(sqlite_store, "Asia/Shanghai")
    monkeypatch.setenv("MONITOR_DB_URL", url)
    return url


def run_app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def table(at: AppTest, key: str):
    return at.get_by_key(key).dataframe[0].value


def titles(at: AppTest) -> list[str]:
    return list(table(at, "ov_latest")["标题"])


ALL_TITLES = [XSS_TITLE, "审计发现某县挪用资金", "莒南县审计局开展培训", "莒南县审计局工作动态", "网友质疑审计整改",
              "审计署发布公告", "一周前的批评", FORMULA_TITLE, "二十天前的报道"]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("db_url", [False, True], ids=["live", "counted"], indirect=True)
def test_overview_metrics_and_table_exact(db_url, today):
    at = run_app()
    assert at.title[0].value == "舆情总览"
    assert metrics(at) == {
        "今日信息": "1",
        "近7日信息": "6",
        "近7日负面": "3（50.0%）",
        "涉及审计机关批评": "2",
    }
    assert at.date_input(key="ov_dates").value == (today - timedelta(days=29), today)
    latest = table(at, "ov_latest")
    assert list(latest["标题"]) == ALL_TITLES  # default 30 days, newest first; a10 (40 days old) is out
    assert list(latest.columns) == ["时间", "标题", "原文", "信源", "级别", "情感", "方案", "无发布日期"]
    assert latest.loc[0, "时间"] == f"{today:%Y-%m-%d} 00:05"  # shown in Asia/Shanghai
    assert list(latest["情感"]) == ["负面", "负面", "正面", "未分析", "负面", "中性", "负面", "中性", "正面"]
    assert list(latest["无发布日期"]) == [False, False, False, True, False, False, False, False, False]
    assert latest.loc[0, "原文"] == "https://news.example.cn/a1.html"
    assert pd.isna(latest.loc[5, "原文"])  # javascript: links are never offered
    assert latest.loc[4, "方案"] == f"{NATIONAL}、{JUNAN}"
    assert any(c.value.startswith("符合筛选条件共 9 条，下表显示最新 9 条") for c in at.caption)
    assert at.download_button(key="ov_download").label == "下载筛选结果 CSV（9 条）"
    assert "ov_download" in [b.key for b in at.download_button]


@pytest.mark.slow
@pytest.mark.parametrize("db_url", [False, True], ids=["live", "counted"], indirect=True)
def test_overview_charts_are_fed_the_shown_numbers(db_url, today):
    at = run_app()
    trend = table(at, "ov_trend")
    assert len(trend) == 30 and list(trend.columns) == ["负面", "中性", "正面", "未分析"]
    assert trend.sum().to_dict() == {"负面": 4, "中性": 2, "正面": 2, "未分析": 1}
    assert trend.loc[f"{today:%Y-%m-%d}"].to_dict() == {"负面": 1, "中性": 0, "正面": 0, "未分析": 0}
    undated_day = f"{today - timedelta(days=3):%Y-%m-%d}"
    assert trend.loc[undated_day, "未分析"] == 1  # undated a4 placed by its first-seen time
    chart = dataframe_util.convert_arrow_bytes_to_pandas_df(
        at.get("vega_lite_chart")[0].proto.datasets[0].data.data
    )
    assert int(chart.select_dtypes("number").sum().sum()) == 9  # the stacked chart draws the same 9 documents
    assert table(at, "ov_by_source").to_dict("list") == {"名称": [SITE, LOCAL, WEIBO], "数量": [4, 3, 2]}
    assert table(at, "ov_by_level").to_dict("list") == {"名称": ["中央", "县级", "自媒体"], "数量": [4, 3, 2]}
    assert table(at, "ov_keywords").to_dict("list") == {
        "关键词": ["审计整改", "资金", "莒南"],
        "文档数": [2, 2, 1],
    }


@pytest.mark.parametrize("db_url", [False, True], ids=["live", "counted"], indirect=True)
def test_overview_filter_options_include_configured_and_db_plans(db_url):
    at = run_app()
    plan_options = at.multiselect(key="ov_plans").options
    assert {NATIONAL, JUNAN, OLD_PLAN} <= set(plan_options)
    assert plan_options.index(NATIONAL) < plan_options.index(OLD_PLAN)  # configured plans first
    assert at.multiselect(key="ov_sources").options == sorted([SITE, LOCAL, WEIBO])
    assert at.multiselect(key="ov_sentiment").options == ["负面", "中性", "正面", "未分析"]


@pytest.mark.slow
@pytest.mark.parametrize("db_url", [False, True], ids=["live", "counted"], indirect=True)
def test_overview_sentiment_filter_changes_metrics_and_rows(db_url):
    at = run_app()
    at.multiselect(key="ov_sentiment").set_value(["负面"]).run()
    assert not at.exception
    assert metrics(at) == {
        "今日信息": "1",
        "近7日信息": "3",
        "近7日负面": "3（100.0%）",
        "涉及审计机关批评": "2",
    }
    assert titles(at) == [XSS_TITLE, "审计发现某县挪用资金", "网友质疑审计整改", "一周前的批评"]
    at.multiselect(key="ov_sentiment").set_value(["未分析"]).run()
    assert titles(at) == ["莒南县审计局工作动态"]
    assert metrics(at)["近7日负面"] == "0（0.0%）"


@pytest.mark.slow
@pytest.mark.parametrize("db_url", [False, True], ids=["live", "counted"], indirect=True)
def test_overview_source_filter_changes_metrics_and_rows(db_url):
    at = run_app()
    at.multiselect(key="ov_sources").set_value([LOCAL]).run()
    assert not at.exception
    assert metrics(at) == {
        "今日信息": "0",
        "近7日信息": "2",
        "近7日负面": "0（0.0%）",
        "涉及审计机关批评": "0",
    }
    assert titles(at) == ["莒南县审计局开展培训", "莒南县审计局工作动态", "二十天前的报道"]


@pytest.mark.slow
@pytest.mark.parametrize("db_url", [False, True], ids=["live", "counted"], indirect=True)
def test_overview_plan_filter_changes_metrics_and_rows(db_url):
    at = run_app()
    at.multiselect(key="ov_plans").set_value([JUNAN]).run()
    assert not at.exception
    assert metrics(at) == {
        "今日信息": "0",
        "近7日信息": "3",
        "近7日负面": "1（33.3%）",
        "涉及审计机关批评": "1",
    }
    assert titles(at) == [
        "莒南县审计局开展培训",
        "莒南县审计局工作动态",
        "网友质疑审计整改",
        "二十天前的报道",
    ]
    at.multiselect(key="ov_plans").set_value([OLD_PLAN]).run()
    assert titles(at) == ["二十天前的报道"] and metrics(at)["近7日信息"] == "0"


@pytest.mark.slow
@pytest.mark.parametrize("db_url", [False, True], ids=["live", "counted"], indirect=True)
def test_overview_date_range_limits_table_not_metrics(db_url, today):
    at = run_app()
    at.date_input(key="ov_dates").set_value((today - timedelta(days=2), today)).run()
    assert not at.exception
    assert titles(at) == [XSS_TITLE, "审计发现某县挪用资金", "莒南县审计局开展培训"]
    assert len(table(at, "ov_trend")) == 3
    assert metrics(at)["近7日信息"] == "6"


@pytest.mark.slow
def test_overview_filters_with_no_match_show_message(db_url, today):
    at = run_app()
    at.date_input(key="ov_dates").set_value((today - timedelta(days=60), today - timedelta(days=50))).run()
    assert not at.exception
    assert any("没有符合筛选条件" in i.value for i in at.info)
    assert metrics(at)["今日信息"] == "1"


@pytest.mark.slow
def test_untrusted_title_is_shown_as_text_never_as_html(db_url):
    at = run_app()
    assert titles(at)[0] == XSS_TITLE  # the exact text, as a table cell
    assert [h.proto.body for h in at.get("html")] == [
        components.CHROME_CSS
    ]  # the app's own style, nothing else
    rendered = [e.value for e in (*at.markdown, *at.caption, *at.title, *at.subheader, *at.info, *at.error)]
    assert rendered and not any("<script" in v for v in rendered)


def test_csv_export_is_the_whole_filtered_set_and_formula_safe(db_url, today):
    def read(payload: bytes) -> list[list[str]]:
        assert payload.startswith("\ufeff".encode())  # BOM: spreadsheet programs detect UTF-8
        return list(csv.reader(io.StringIO(payload.decode("utf-8-sig"))))

    first = today - timedelta(days=29)
    rows = read(data.overview_csv(db_url, "Asia/Shanghai", first, today))
    header = rows[0]
    assert header[:5] == ["编号", "标题", "链接", "信源", "信源级别"]  # the documents export (数据导出)
    col = {name: i for i, name in enumerate(header)}
    assert [r[col["标题"]] for r in rows[1:]] == [("'" + t if t.startswith("=") else t) for t in ALL_TITLES]
    first_row = rows[1]
    assert (
        first_row[col["链接"]] == "https://news.example.cn/a1.html"
        and first_row[col["情感"]] == "负面"
        and first_row[col["对象"]] == "审计机关自身"
        and first_row[col["发布时间"]].endswith("+08:00")
    )
    # empty cells are empty: no author, media, region, score or event on these rows (was "nan" before)
    cells = [c for r in rows[1:] for c in r]
    assert not {"nan", "NaN", "None", "NaT"} & set(cells)
    assert {r[col["作者"]] for r in rows[1:]} == {""} and {r[col["地域"]] for r in rows[1:]} == {""}
    undated = next(r for r in rows[1:] if r[col["标题"]] == "莒南县审计局工作动态")
    assert (
        undated[col["发布时间"]] == "" and undated[col["情感"]] == "未分析" and undated[col["关键词"]] == ""
    )
    neg = read(data.overview_csv(db_url, "Asia/Shanghai", first, today, sentiments=("neg",)))
    assert [r[col["标题"]] for r in neg[1:]] == [
        XSS_TITLE,
        "审计发现某县挪用资金",
        "网友质疑审计整改",
        "一周前的批评",
    ]


def test_empty_database_shows_empty_state(sqlite_store, monkeypatch):
    monkeypatch.setenv("MONITOR_DB_URL", str(sqlite_store.url))
    at = run_app()
    assert [i.value for i in at.info] == ["暂无数据：请先运行 yuqing crawl 或 yuqing demo"]
    assert not at.metric and not at.error
    at.switch_page("views/sources.py").run()
    assert not at.exception and not at.error
    assert any("暂无抓取记录" in i.value for i in at.info)


def test_database_without_schema_shows_init_hint(tmp_path, monkeypatch):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE something_else (x INTEGER)")
    conn.close()
    monkeypatch.setenv("MONITOR_DB_URL", f"sqlite:///{path}")
    at = run_app()
    assert len(at.error) == 1 and "yuqing init-db" in at.error[0].value and "yuqing demo" in at.error[0].value
    assert not at.metric and not at.info


def test_missing_database_file_is_reported_not_created(tmp_path, monkeypatch):
    path = tmp_path / "nowhere" / "monitor.db"
    monkeypatch.setenv("MONITOR_DB_URL", f"sqlite:///{path}")
    at = run_app()
    assert "yuqing init-db" in at.error[0].value
    assert "数据库文件不存在" in at.code[0].value
    assert not path.exists()


def test_unreachable_database_shows_error(monkeypatch):
    monkeypatch.setenv("MONITOR_DB_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    at = run_app()
    assert "数据库不可用" in at.error[0].value and "无法连接数据库" in at.code[0].value


@pytest.mark.slow
def test_sources_page_shows_health_and_crawl_runs(db_url):
    at = run_app()
    at.switch_page("views/sources.py").run()
    assert not at.exception
    assert at.title[0].value == "信源健康"
    health = table(at, "src_health")
    assert list(health["信源"]) == [LOCAL, SITE]  # failing first
    assert list(health["连续失败"]) == [3, 0] and list(health["文档数"]) == [3, 5]
    assert health.loc[0, "错误信息"] == "连接超时" and health.loc[0, "上次成功"] == ""
    assert any("1 个信源连续失败" in w.value for w in at.warning)
    runs = table(at, "src_runs")
    assert list(runs["信源"]) == [LOCAL, SITE]
    assert list(runs["状态"]) == ["失败", "完成"]
    # codes read as their labels (an unknown code stays as it is)
    assert runs.loc[1, "丢弃原因"] == "too_old 3；无标题 1" and runs.loc[1, "丢弃合计"] == 4
    assert set(runs["爬虫"]) <= set(SPIDER_LABELS.values()) and set(health["类型"]) <= set(
        SOURCE_KIND_LABELS.values()
    )
    assert set(runs["结束原因"]) <= {*FINISH_REASON_LABELS.values(), ""}
    assert list(runs["新入库"]) == [0, 7] and runs.loc[0, "错误样例"] == "TimeoutError: junan.example.cn"


def test_overview_and_exports_share_one_filter_sidebar_without_english_select_all(db_url):
    """The 筛选 sidebar is one component (components.document_filters): the same labels, options and
    placeholders on both pages; no filter offers Streamlit's English 'Select all' (nothing picked = no limit)."""
    at = run_app()
    overview = {m.label: (m.options, m.placeholder) for m in at.sidebar.multiselect}
    assert list(overview) == ["监测方案", "信源", "情感"]
    at.switch_page("views/exports.py").run()
    assert not at.exception
    exports = {m.label: (m.options, m.placeholder) for m in at.sidebar.multiselect}
    assert list(exports) == ["监测方案", "信源", "信源级别", "情感", "对象", "地域"]
    assert all(exports[k] == v for k, v in overview.items())
    assert [d.label for d in at.sidebar.date_input] == ["日期范围"]
    for page in ("views/overview.py", "views/exports.py", "views/impersonation.py"):
        at.switch_page(page).run()
        assert at.multiselect and all(not m.proto.select_all for m in at.multiselect), page
        assert all(m.placeholder.startswith("全部") for m in at.multiselect), page


def test_no_page_asks_fonts_gstatic_for_icons():
    """A `:material/…:` icon is an SVG the browser fetches from fonts.gstatic.com, which an intranet blocks and
    logs (the browser tests catch the request itself)."""
    root = Path(APP).parent
    users = [
        str(p.relative_to(root)) for p in root.rglob("*.py") if ":material/" in p.read_text(encoding="utf-8")
    ]
    assert users == []


def test_tables_show_missing_values_and_no_rows_in_chinese():
    """Streamlit writes None for a missing cell and "empty" for a table without rows; components.table shows
    — and （无） instead (the candidate table's score of an unchecked site, an unchecked site's signals)."""

    def page():
        import pandas as pd

        from dashboard import components

        components.table(pd.DataFrame({"评分": pd.array([None, 80], dtype="Int64")}), "t_missing")
        components.table(pd.DataFrame({"依据": []}), "t_empty")
        components.table(pd.DataFrame({"依据": []}), "t_empty_custom", empty="尚未核查，暂无依据")

    at = AppTest.from_function(page).run()
    assert not at.exception
    assert at.get_by_key("t_missing").dataframe[0].proto.placeholder == "—"
    assert not at.get_by_key("t_empty").dataframe and at.get_by_key("t_empty").caption[0].value == "（无）"
    assert at.get_by_key("t_empty_custom").caption[0].value == "尚未核查，暂无依据"


def test_settings_are_parsed_once_and_again_after_an_edit(tmp_path, monkeypatch):
    """components.settings() reuses the parsed settings within and across runs, and reads the file again as
    soon as it (or a MONITOR_* variable) changes."""
    file = tmp_path / "settings.yaml"
    file.write_text("dashboard:\n  timezone: Asia/Shanghai\n", encoding="utf-8")
    monkeypatch.setenv("MONITOR_CONFIG", str(file))
    first = components.settings()
    assert components.settings() is first and first.dashboard.timezone == "Asia/Shanghai"
    file.write_text("dashboard:\n  timezone: Asia/Urumqi\n", encoding="utf-8")
    assert components.settings().dashboard.timezone == "Asia/Urumqi"
    monkeypatch.setenv("MONITOR_DASHBOARD__TIMEZONE", "UTC")
    assert components.settings().dashboard.timezone == "UTC"
