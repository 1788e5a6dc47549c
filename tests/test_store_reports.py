"""store.reports on SQLite and (marked requires_postgres) PostgreSQL: exact counts, Asia/Shanghai day cuts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import text

from config.vocabulary import LEVEL_LABELS
from store import reports
from store.queries import record_source_health, start_crawl_run, sync_sources, update_crawl_run
from tests.factories import analysed, document, insert_documents

TZ = "Asia/Shanghai"
TODAY = date(2026, 11, 20)
NATIONAL, JUNAN = "审计署全国", "莒南县审计局"
SITE, LOCAL, WEIBO = "审计署网站", "莒南新闻网", "微博搜索"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# key: (published_at UTC or None, first_seen_at UTC, source, level, plans, sentiment, target, keywords)
DOCS = {
    "d1": (utc(2026, 11, 20, 15, 30), utc(2026, 11, 20, 15, 40), SITE, "central", [NATIONAL], "neg", "office", ["审计整改", "资金"]),  # 20th 23:30 local
    "d2": (utc(2026, 11, 20, 16, 30), utc(2026, 11, 20, 16, 40), SITE, "central", [NATIONAL], "neg", "office", ["资金"]),  # 21st 00:30 local
    "d3": (utc(2026, 11, 19, 16, 0), utc(2026, 11, 19, 16, 5), SITE, "central", [NATIONAL], "neu", "audited", ["审计整改"]),  # 20th 00:00 local
    "d4": (utc(2026, 11, 19, 15, 59, 59), utc(2026, 11, 19, 16, 1), SITE, "central", [NATIONAL], "neg", "audited", ["资金", "挪用"]),  # 19th 23:59:59
    "d5": (None, utc(2026, 11, 18, 2, 0), LOCAL, "county", [JUNAN], None, None, None),  # no date: first seen 18th 10:00
    "d6": (utc(2026, 11, 14, 16, 0), utc(2026, 11, 14, 17, 0), SITE, "central", [NATIONAL], "neg", "office", ["审计整改", "审计署"]),  # 15th 00:00
    "d7": (utc(2026, 11, 13, 15, 59), utc(2026, 11, 13, 16, 30), SITE, "central", [NATIONAL], "neg", "office", ["资金"]),  # 13th 23:59
    "d8": (utc(2026, 11, 17, 4, 0), utc(2026, 11, 17, 5, 0), LOCAL, "county", [JUNAN], "pos", "other", ["莒南"]),
    "d9": (utc(2026, 11, 16, 4, 0), utc(2026, 11, 16, 5, 0), WEIBO, "self-media", [NATIONAL, JUNAN], "neu", "other", ["审计整改", "莒南"]),
    "d10": (utc(2026, 10, 1, 4, 0), utc(2026, 10, 1, 5, 0), SITE, "central", [NATIONAL], "neg", "office", ["资金"]),
}  # fmt: skip


def populate(engine) -> None:
    insert_documents(engine, [
        document(key, source=source, platform="weibo" if source == WEIBO else "news", level=level,
                 title=f"标题 {key}", body="正文", published_at=pub, fetched_at=seen, first_seen_at=seen,
                 plans=plans, terms=["审计"], analysis=analysed(senti, target, keywords=kws))
        for key, (pub, seen, source, level, plans, senti, target, kws) in DOCS.items()
    ])  # fmt: skip
    with engine.begin() as conn:
        sync_sources(
            conn,
            [
                {"name": SITE, "kind": "list", "url": "https://www.audit.gov.cn/", "level": "central"},
                {"name": LOCAL, "kind": "list", "url": "https://junan.example.cn/", "level": "county"},
                {
                    "name": "空信源",
                    "kind": "rss",
                    "url": "https://empty.example.cn/rss",
                    "level": "provincial",
                },
            ],
        )
        record_source_health(conn, SITE, ok=True, when=utc(2026, 11, 20, 1, 0))
        for i in range(3):
            record_source_health(conn, LOCAL, ok=False, when=utc(2026, 11, 20, 2, i), error=f"timeout {i}")
        run1 = start_crawl_run(conn, "news_listing", SITE, utc(2026, 11, 20, 1, 0))
        update_crawl_run(
            conn, run1, status="finished", finished_at=utc(2026, 11, 20, 1, 5), pages=12, items=9, stored=7,
            updated=1, dropped={"no_title": 1, "too_old": 3}, errors=0,
        )  # fmt: skip
        run2 = start_crawl_run(conn, "news_listing", LOCAL, utc(2026, 11, 20, 2, 2))
        update_crawl_run(
            conn, run2, status="failed", finished_at=utc(2026, 11, 20, 2, 3), errors=2,
            error_samples=["TimeoutError: junan.example.cn", "DNS lookup failed"],
        )  # fmt: skip


@pytest.fixture
def engine(store, store_url):
    """conftest's store (SQLite and PostgreSQL) holding DOCS, three sources and two crawl runs."""
    if store.dialect.name == "postgresql":
        schema = store_url.rsplit("%3D", 1)[1]
        with store.connect() as conn:  # the migrations went to our schema, not public
            assert conn.execute(text("SELECT current_schema()")).scalar() == schema
            tables = set(
                conn.execute(
                    text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s"),
                    {"s": schema},
                ).scalars()
            )
            assert {"documents", "sources", "crawl_runs", "alembic_version"} <= tables
    populate(store)
    return store


def keys(df: pd.DataFrame) -> list[str]:
    return [u.rsplit("/", 1)[1].removesuffix(".html") for u in df["url"]]


def test_days_window_cuts_days_at_local_midnight():
    start, end = reports.days_window(TODAY, TODAY, TZ)
    assert start == utc(2026, 11, 19, 16, 0) and end == utc(2026, 11, 20, 16, 0)
    start, end = reports.days_window(TODAY, TODAY - timedelta(days=6), TZ)  # order does not matter
    assert start == utc(2026, 11, 13, 16, 0) and end == utc(2026, 11, 20, 16, 0)


def test_fetch_documents_window_is_local_and_newest_first(engine):
    with engine.connect() as conn:
        df = reports.fetch_documents(conn, *reports.days_window(TODAY, TODAY, TZ))
    # d1 (23:30 local) and d3 (00:00 local) are on the 20th; d2 (00:30 on the 21st) and d4 (23:59:59 on the 19th) are not
    assert keys(df) == ["d1", "d3"]
    assert list(df.columns) == list(reports.DOCUMENT_FRAME_COLUMNS)
    assert df.loc[0, "time"] == pd.Timestamp("2026-11-20 15:30", tz="UTC")
    assert df.loc[0, "plans"] == [NATIONAL] and df.loc[0, "keywords"] == ["审计整改", "资金"]


def test_fetch_documents_places_undated_documents_by_first_seen(engine):
    with engine.connect() as conn:
        df = reports.fetch_documents(conn, *reports.days_window(date(2026, 11, 18), date(2026, 11, 18), TZ))
    assert keys(df) == ["d5"]
    row = df.iloc[0]
    assert bool(row["date_missing"]) and pd.isna(row["published_at"])
    assert row["time"] == pd.Timestamp("2026-11-18 02:00", tz="UTC")
    assert row["sentiment"] == "none" and row["keywords"] is None


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (reports.DocFilter(), ["d1", "d3", "d4", "d5", "d8", "d9", "d6"]),
        (reports.DocFilter(sentiments=("neg",)), ["d1", "d4", "d6"]),
        (reports.DocFilter(sentiments=("none", "pos")), ["d5", "d8"]),
        (reports.DocFilter(sources=(LOCAL, WEIBO)), ["d5", "d8", "d9"]),
        (reports.DocFilter(plans=(JUNAN,)), ["d5", "d8", "d9"]),
        (reports.DocFilter(plans=(JUNAN,), sentiments=("neu",)), ["d9"]),
        (reports.DocFilter(plans=("不存在的方案",)), []),
    ],
)
def test_fetch_documents_filters(engine, flt, expected):
    with engine.connect() as conn:
        df = reports.fetch_documents(conn, *reports.days_window(TODAY - timedelta(days=6), TODAY, TZ), flt)
    assert keys(df) == expected


def test_overview_metrics_exact(engine):
    with engine.connect() as conn:
        m = reports.overview_metrics(conn, TODAY, TZ)
        junan = reports.overview_metrics(conn, TODAY, TZ, reports.DocFilter(plans=(JUNAN,)))
        neg = reports.overview_metrics(conn, TODAY, TZ, reports.DocFilter(sentiments=("neg",)))
        next_day = reports.overview_metrics(conn, TODAY + timedelta(days=1), TZ)
    assert m == {
        "today": 2,
        "week": 7,
        "week_neg": 3,
        "week_neg_share": pytest.approx(3 / 7),
        "week_office_neg": 2,
    }
    assert junan == {"today": 0, "week": 3, "week_neg": 0, "week_neg_share": 0.0, "week_office_neg": 0}
    assert neg == {"today": 1, "week": 3, "week_neg": 3, "week_neg_share": 1.0, "week_office_neg": 2}
    # on the 21st, d2 (00:30 local) is today's; the window 15th-21st still holds d6 (15th 00:00 local)
    assert next_day["today"] == 1 and next_day["week"] == 8 and next_day["week_office_neg"] == 3


def test_overview_metrics_empty_share_is_none(engine):
    with engine.connect() as conn:
        m = reports.overview_metrics(conn, date(2025, 1, 1), TZ)
    assert m == {"today": 0, "week": 0, "week_neg": 0, "week_neg_share": None, "week_office_neg": 0}


def test_daily_sentiment_counts_by_local_day(engine):
    first, last = date(2026, 11, 13), date(2026, 11, 21)
    with engine.connect() as conn:
        df = reports.fetch_documents(conn, *reports.days_window(first, last, TZ))
    trend = reports.daily_sentiment(df, first, last, TZ)
    assert list(trend.columns) == ["负面", "中性", "正面", "未分析"]
    assert trend.to_dict("index") == {
        "2026-11-13": {"负面": 1, "中性": 0, "正面": 0, "未分析": 0},
        "2026-11-14": {"负面": 0, "中性": 0, "正面": 0, "未分析": 0},
        "2026-11-15": {"负面": 1, "中性": 0, "正面": 0, "未分析": 0},
        "2026-11-16": {"负面": 0, "中性": 1, "正面": 0, "未分析": 0},
        "2026-11-17": {"负面": 0, "中性": 0, "正面": 1, "未分析": 0},
        "2026-11-18": {"负面": 0, "中性": 0, "正面": 0, "未分析": 1},
        "2026-11-19": {"负面": 1, "中性": 0, "正面": 0, "未分析": 0},
        "2026-11-20": {"负面": 1, "中性": 1, "正面": 0, "未分析": 0},
        "2026-11-21": {"负面": 1, "中性": 0, "正面": 0, "未分析": 0},
    }
    # the same instants cut in UTC would put d1 and d3 on different days: the display timezone matters
    utc_trend = reports.daily_sentiment(df, first, last, "UTC")
    assert utc_trend.loc["2026-11-20", "负面"] == 2 and utc_trend.loc["2026-11-19", "中性"] == 1


def test_count_by_and_top_keywords(engine):
    with engine.connect() as conn:
        df = reports.fetch_documents(conn, *reports.days_window(TODAY - timedelta(days=6), TODAY, TZ))
    assert reports.count_by(df, "source").to_dict("list") == {"名称": [SITE, LOCAL, WEIBO], "数量": [4, 2, 1]}
    by_level = reports.count_by(df, "level", LEVEL_LABELS)
    assert by_level.to_dict("list") == {"名称": ["中央", "县级", "自媒体"], "数量": [4, 2, 1]}
    kw = reports.top_keywords(df, k=3)
    # 审计整改: d1 d3 d6 d9; 资金: d1 d4; 莒南: d8 d9 (ties ordered by the keyword itself)
    assert kw.to_dict("list") == {"关键词": ["审计整改", "莒南", "资金"], "文档数": [4, 2, 2]}


def test_empty_frame_helpers_do_not_fail():
    df = reports.empty_documents_frame()
    assert reports.top_keywords(df).empty and reports.count_by(df, "source").empty
    trend = reports.daily_sentiment(df, TODAY, TODAY, TZ)
    assert trend.to_dict("index") == {"2026-11-20": {"负面": 0, "中性": 0, "正面": 0, "未分析": 0}}


def test_plan_and_source_names_round_trip_chinese(engine):
    with engine.connect() as conn:
        assert reports.plan_names(conn) == sorted([NATIONAL, JUNAN])
        assert reports.source_names(conn) == sorted([SITE, LOCAL, WEIBO, "空信源"])
        assert reports.document_count(conn) == 10


def test_source_health_lists_failures_first_with_document_counts(engine):
    with engine.connect() as conn:
        df = reports.source_health(conn)
    assert list(df["name"]) == [LOCAL, SITE, "空信源"]
    local = df.iloc[0]
    assert local["consecutive_failures"] == 3 and local["last_error"] == "timeout 2"
    assert local["last_error_at"] == utc(2026, 11, 20, 2, 2) and pd.isna(local["last_success_at"])
    assert local["documents"] == 2 and local["last_document_at"] == utc(2026, 11, 18, 2, 0)
    site = df.iloc[1]
    assert site["last_success_at"] == utc(2026, 11, 20, 1, 0) and site["consecutive_failures"] == 0
    assert site["documents"] == 7 and site["last_document_at"] == utc(2026, 11, 20, 16, 40)
    assert df.iloc[2]["documents"] == 0 and pd.isna(df.iloc[2]["last_document_at"])


def test_recent_crawl_runs_newest_first_with_dropped_reasons(engine):
    with engine.connect() as conn:
        df = reports.recent_crawl_runs(conn, limit=10)
        assert len(reports.recent_crawl_runs(conn, limit=1)) == 1
    assert list(df["source"]) == [LOCAL, SITE]
    assert df.iloc[0]["status"] == "failed" and df.iloc[0]["errors"] == 2
    assert df.iloc[0]["error_samples"] == ["TimeoutError: junan.example.cn", "DNS lookup failed"]
    assert df.iloc[1]["dropped"] == {"no_title": 1, "too_old": 3} and df.iloc[1]["stored"] == 7
    assert df.iloc[1]["started_at"] == utc(2026, 11, 20, 1, 0)


def test_doc_filter_rejects_unknown_sentiment_codes():
    with pytest.raises(ValueError, match="unknown sentiment"):
        reports.DocFilter(sentiments=("negative",))
    assert reports.sentiment_codes(["未分析", "负面"]) == ("neg", "none")
