"""The daily counts (store.aggregates) always equal a direct count of the documents: after analysis, after
re-analysis, with documents not analysed yet, in another timezone; and the 总览 numbers read from them are
the ones a direct count gives (on both backends)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from jobs.analysis import analyze
from store import aggregates, reports
from store.queries import write_analysis
from store.schema import (
    daily_counts,
    daily_keywords,
    daily_totals,
    document_plans,
    documents,
    monthly_keywords,
)
from tests.factories import STORY_NOW, analysed, document, insert_documents

TZ = "Asia/Shanghai"


def extra_documents() -> list[dict]:
    """Documents around local midnight, undated, without a level, with two plans, without analysis."""
    base = datetime(2025, 6, 9, 15, 59, tzinfo=UTC)  # 23:59 in Shanghai: the 9th there, the 9th in UTC
    return [
        document("x1", published_at=base, plans=["审计署全国", "莒南县审计局"],
                 analysis=analysed("neg", "office", keywords=["审计整改", "资金"])),
        document("x2", published_at=base + timedelta(minutes=2), level=None, plans=[],  # the 10th in Shanghai
                 analysis=analysed("pos", None, keywords=["资金"])),
        document("x3", published_at=None, first_seen_at=base - timedelta(days=3), fetched_at=base - timedelta(days=3),
                 source="微博搜索", analysis=analysed("neu", "other", keywords=["莒南"])),
        document("x4", published_at=base - timedelta(days=1), source="莒南新闻网"),  # not analysed
    ]  # fmt: skip


def direct(engine, tz_name: str = TZ) -> dict[str, Counter]:
    """Every count table computed straight from the documents: {table: {key: (n, n_office) or n}}."""
    tz = ZoneInfo(tz_name)
    out: dict[str, Counter] = {t: Counter() for t in TABLES}
    with engine.connect() as conn:
        for r in conn.execute(select(documents)).mappings():
            t = r["published_at"] or r["first_seen_at"]
            day = t.astimezone(tz).date()
            plans = "\n".join(sorted(set(aggregates.json_list(r["plans"]))))
            sentiment = r["sentiment_label"] if r["sentiment_label"] in ("neg", "neu", "pos") else "none"
            key = (day, r["source"], r["level"] or "", sentiment)
            office = int(r["target"] == "office")
            for table, k in (("daily_counts", (plans, *key)), ("daily_totals", key)):
                out[table][(k, "n")] += 1
                out[table][(k, "n_office")] += office
            for w in set(aggregates.json_list(r["keywords"])):
                out["daily_keywords"][((day, w), "n")] += 1
                out["monthly_keywords"][((day.replace(day=1), w), "n")] += 1
    return {t: Counter({k: v for k, v in c.items() if v}) for t, c in out.items()}


TABLES = {"daily_counts": daily_counts, "daily_totals": daily_totals, "daily_keywords": daily_keywords,
          "monthly_keywords": monthly_keywords}  # fmt: skip


def stored(engine) -> dict[str, Counter]:
    out: dict[str, Counter] = {}
    with engine.connect() as conn:
        for name, table in TABLES.items():
            values = [c for c in ("n", "n_office") if c in table.c]
            keys = [c for c in table.c.keys() if c not in values]
            got: Counter = Counter()
            for r in conn.execute(select(table)).mappings():
                for v in values:
                    if r[v]:
                        got[(tuple(r[k] for k in keys), v)] = r[v]
            out[name] = got
    return out


def test_counts_equal_a_direct_count_after_analysis_and_reanalysis(stories):
    engine, _ = stories
    insert_documents(engine, extra_documents())
    stats = analyze(engine, stage2=False, timezone=TZ)
    assert stats.counts_rebuilt and stats.documents == 9  # stories and x* were analysed by version "t"
    assert stored(engine) == direct(engine)
    assert sum(n for (_, v), n in stored(engine)["daily_totals"].items() if v == "n") == 9
    # every document is counted and marked with its day
    with engine.connect() as conn:
        assert conn.execute(select(documents.c.id).where(documents.c.agg_day.is_(None))).all() == []
    # nothing to do the second time, nothing counted twice
    assert analyze(engine, stage2=False, timezone=TZ).documents == 0
    assert stored(engine) == direct(engine)
    # re-analysis (a new version): every document leaves and re-enters the counts once
    with engine.begin() as conn:
        conn.execute(update(documents).values(analysis_version=None))
    assert analyze(engine, stage2=False, timezone=TZ).documents == 9
    assert stored(engine) == direct(engine)
    # a re-analysis that changes sentiment, target and keywords moves the counts with it
    with engine.connect() as conn:
        some = conn.execute(select(documents.c.id).order_by(documents.c.id).limit(3)).scalars().all()
    with engine.begin() as conn:
        write_analysis(conn, [{"id": i, "sentiment_label": "pos", "target": "office", "keywords": ["新词"]}
                              for i in some])  # fmt: skip
    got = stored(engine)
    assert got == direct(engine)
    assert sum(n for ((_, w), _), n in got["daily_keywords"].items() if w == "新词") == 3
    assert sum(n for ((_, w), _), n in got["monthly_keywords"].items() if w == "新词") == 3
    with engine.connect() as conn:  # rows that reach zero are deleted
        for table in TABLES.values():
            assert conn.execute(select(table).where(table.c.n <= 0)).all() == []


def test_new_documents_are_counted_live_until_analysed(store):
    insert_documents(store, extra_documents())
    assert aggregates.rebuild(store, TZ) == 4
    insert_documents(store, [document("late", published_at=datetime(2025, 6, 9, 3, tzinfo=UTC), plans=["新方案"])])
    first, last = date(2025, 6, 1), date(2025, 6, 30)
    with store.connect() as conn:
        got = aggregates.counts(conn, TZ, first, last, by=("day", "plan_set"))
        assert sum(got.values()) == 5
        assert got[(date(2025, 6, 9), "新方案")] == 1  # not in daily_counts yet, read from the document
        assert aggregates.distinct_plans(conn) == ["审计署全国", "新方案", "莒南县审计局"]
    assert sum(n for (_, v), n in stored(store)["daily_counts"].items() if v == "n") == 4
    analyze(store, stage2=False, timezone=TZ)
    assert stored(store) == direct(store)


@pytest.mark.parametrize("built", [False, True])
def test_filtered_counts_equal_direct_counts(stories, built):
    engine, _ = stories
    insert_documents(engine, extra_documents())
    if built:
        aggregates.rebuild(engine, TZ)
    cube = direct(engine)["daily_counts"]
    first, last = date(2025, 6, 1), date(2025, 6, 10)
    cases = [
        {},
        {"plans": ["莒南县审计局"]},
        {"plans": ["审计署全国", "莒南县审计局"]},
        {"sources": ["人民网", "微博搜索"]},
        {"sentiments": ["neg", "none"]},
        {"plans": ["审计署全国"], "sentiments": ["pos"], "sources": ["示例新闻网"]},
    ]
    with engine.connect() as conn:
        for case in cases:
            want: Counter = Counter()
            for ((plans, day, source, _level, sentiment), value), n in cube.items():
                if value != "n" or not first <= day <= last:
                    continue
                if case.get("plans") and not set(case["plans"]) & set(plans.split("\n")):
                    continue
                if case.get("sources") and source not in case["sources"]:
                    continue
                if case.get("sentiments") and sentiment not in case["sentiments"]:
                    continue
                want[(day, source, sentiment)] += n
            got = aggregates.counts(conn, TZ, first, last, by=("day", "source", "sentiment"), **case)
            assert got == want, case
    assert sum(want.values()) >= 0


def test_counts_in_another_timezone_are_rebuilt(store):
    insert_documents(store, extra_documents())
    analyze(store, stage2=False, timezone=TZ)
    assert analyze(store, stage2=False, timezone="UTC").counts_rebuilt
    assert stored(store) == direct(store, "UTC")
    with store.connect() as conn:
        # x1 (23:59 in Shanghai on the 9th) and x2 (00:01 on the 10th) are both on the 9th in UTC
        got = aggregates.counts(conn, "UTC", date(2025, 6, 9), date(2025, 6, 9), by=("day",))
        assert got == Counter({(date(2025, 6, 9),): 2})
        # asked in a timezone the counts are not cut in: read live, still right
        live = aggregates.counts(conn, TZ, date(2025, 6, 10), date(2025, 6, 10), by=("day",))
        assert live == Counter({(date(2025, 6, 10),): 1})


def test_document_time_and_plans_are_written_on_insert(store):
    insert_documents(store, extra_documents())
    with store.connect() as conn:
        rows = {r.content_hash: r for r in conn.execute(select(documents))}
        plans = sorted(tuple(r) for r in conn.execute(select(document_plans.c.document_id, document_plans.c.plan)))
    assert rows["x3"].doc_time == rows["x3"].first_seen_at  # undated: first seen
    assert rows["x1"].doc_time == rows["x1"].published_at
    assert plans == sorted([(rows["x1"].id, "审计署全国"), (rows["x1"].id, "莒南县审计局"),
                            (rows["x3"].id, "审计署全国"), (rows["x4"].id, "审计署全国")])  # fmt: skip


def overview_numbers(engine, first: date, last: date, today: date, flt: reports.DocFilter):
    with engine.connect() as conn:
        got = reports.overview_counts(conn, first, last, TZ, flt)
        keywords, _ = reports.keyword_table(conn, first, last, TZ, flt)
        return (
            reports.overview_metrics(conn, today, TZ, flt),
            reports.daily_sentiment_from_counts(got["trend"], first, last).to_dict(),
            reports.count_by_from_counts(got["source"]).to_dict(),
            reports.count_by_from_counts(got["level"]).to_dict(),
            keywords.to_dict(),
            reports.plan_daily_counts(conn, first, last, TZ),
        )


def old_overview_numbers(engine, first: date, last: date, today: date, flt: reports.DocFilter):
    """The numbers as the 总览 computed them before the daily counts: every document into pandas."""
    with engine.connect() as conn:
        df = reports.fetch_documents(conn, *reports.days_window(first, last, TZ), flt)
        week = reports.fetch_documents(conn, *reports.days_window(today - timedelta(days=6), today, TZ), flt)
    today_start = reports.day_start(today, TZ)
    neg = int((week["sentiment"] == "neg").sum())
    daily: dict = {}
    for plans, day in zip(df["plans"], reports.local_days(df, TZ), strict=True):
        if flt == reports.DocFilter():
            for p in plans:
                daily.setdefault(p, {}).setdefault(day, 0)
                daily[p][day] += 1
    return (
        {"today": int((week["time"] >= today_start).sum()), "week": len(week), "week_neg": neg,
         "week_neg_share": neg / len(week) if len(week) else None,
         "week_office_neg": int(((week["target"] == "office") & (week["sentiment"] == "neg")).sum())},
        reports.daily_sentiment(df, first, last, TZ).to_dict(),
        reports.count_by(df, "source").to_dict(),
        reports.count_by(df, "level").to_dict(),
        reports.top_keywords(df, 20).to_dict(),
        daily,
    )  # fmt: skip


@pytest.mark.parametrize("flt", [reports.DocFilter(), reports.DocFilter(sentiments=("neg",)),
                                 reports.DocFilter(plans=("莒南县审计局",), sources=("示例新闻网", "人民网"))])  # fmt: skip
def test_overview_numbers_unchanged_on_the_stories(stories, flt):
    engine, _ = stories
    insert_documents(engine, extra_documents())
    today = STORY_NOW.astimezone(ZoneInfo(TZ)).date()
    first, last = today - timedelta(days=29), today
    before = old_overview_numbers(engine, first, last, today, flt)
    if flt != reports.DocFilter():
        before = (*before[:5], overview_numbers(engine, first, last, today, flt)[5])
    assert overview_numbers(engine, first, last, today, flt) == before  # read live
    assert before[0]["week"] > 0
    analyze(engine, stage2=False, timezone=TZ)  # built, then every document re-analysed
    after = old_overview_numbers(engine, first, last, today, flt)
    if flt != reports.DocFilter():
        after = (*after[:5], overview_numbers(engine, first, last, today, flt)[5])
    assert overview_numbers(engine, first, last, today, flt) == after  # read from the daily counts


def test_drill_down_lists_the_documents_behind_a_keyword_and_a_level(stories):
    engine, _ = stories
    insert_documents(engine, extra_documents())
    aggregates.rebuild(engine, TZ)
    window = reports.days_window(date(2025, 6, 1), date(2025, 6, 30), TZ)
    with engine.connect() as conn:
        money = reports.fetch_documents(conn, *window, reports.DocFilter(keyword="资金"))
        none_level = reports.fetch_documents(conn, *window, reports.DocFilter(levels=("",)))
        top = dict(aggregates.top_keywords(conn, TZ, date(2025, 6, 1), date(2025, 6, 30)))
        page = reports.fetch_documents(conn, *window, limit=2, offset=2)
        every = reports.fetch_documents(conn, *window)
    assert sorted(money["url"]) == ["https://news.example.cn/x1.html", "https://news.example.cn/x2.html"]
    assert top["资金"] == len(money)
    assert list(none_level["url"]) == ["https://news.example.cn/x2.html"]
    assert list(page["id"]) == list(every["id"][2:4])


def test_cli_rebuild_counts_repairs_them(store, store_url, monkeypatch, capsys):
    from yuqing.cli import main

    insert_documents(store, extra_documents())
    analyze(store, stage2=False, timezone=TZ)
    with store.begin() as conn:
        conn.execute(daily_counts.delete())  # counts lost (say, restored from an old backup)
    monkeypatch.setenv("MONITOR_DB_URL", store_url)
    assert main(["analyze", "--rebuild-counts"]) == 0
    assert "重建每日统计：4 篇文档" in capsys.readouterr().out
    assert stored(store) == direct(store)


def test_month_cover_splits_a_range_into_whole_months_and_edge_days():
    d = date
    assert aggregates.month_cover(d(2025, 1, 15), d(2025, 4, 10)) == (
        [d(2025, 2, 1), d(2025, 3, 1)], [(d(2025, 1, 15), d(2025, 1, 31)), (d(2025, 4, 1), d(2025, 4, 10))])
    assert aggregates.month_cover(d(2024, 12, 1), d(2025, 1, 31)) == ([d(2024, 12, 1), d(2025, 1, 1)], [])
    assert aggregates.month_cover(d(2025, 2, 2), d(2025, 2, 27)) == ([], [(d(2025, 2, 2), d(2025, 2, 27))])


def test_keywords_over_months_equal_a_direct_count(store):
    rows = [document(f"k{i}", published_at=datetime(2025, 1, 1, 4, tzinfo=UTC) + timedelta(days=9 * i),
                     analysis=analysed("neu", "other", keywords=["审计", f"词{i % 3}"])) for i in range(40)]  # fmt: skip
    insert_documents(store, rows)
    aggregates.rebuild(store, TZ)
    first, last = date(2025, 1, 20), date(2025, 9, 3)
    want: Counter = Counter()
    for i in range(40):
        if first <= (datetime(2025, 1, 1, 12) + timedelta(days=9 * i)).date() <= last:
            want.update(["审计", f"词{i % 3}"])
    with store.connect() as conn:
        assert aggregates.top_keywords(conn, TZ, first, last) == sorted(want.items(), key=lambda kv: (-kv[1], kv[0]))


def test_migration_backfills_document_time_and_plans_and_keeps_data(empty_store_url):
    from alembic import command
    from sqlalchemy import text

    from store.db import _alembic_config, make_engine, migrate

    engine = make_engine(empty_store_url)
    try:
        command.upgrade(_alembic_config(engine), "0007_w_events")
        seen, published = datetime(2025, 6, 1, 2, tzinfo=UTC), datetime(2025, 5, 30, 8, tzinfo=UTC)
        with engine.begin() as conn:
            for i, (pub, plans) in enumerate([(published, ["甲", "乙"]), (None, [])], start=1):
                conn.execute(documents.insert().values(
                    id=i, url=f"https://a.example.cn/{i}", source="s", platform="news", title="t", body="b",
                    published_at=pub, date_missing=pub is None, fetched_at=seen, first_seen_at=seen, updated_at=seen,
                    reposts=0, comments=0, likes=0, reads=0, plans=plans, terms=[], content_hash=str(i),
                ).execution_options(), {})  # fmt: skip
        migrate(engine)
        with engine.connect() as conn:
            times = dict(conn.execute(select(documents.c.id, documents.c.doc_time)).all())
            plans = sorted(conn.execute(select(document_plans.c.document_id, document_plans.c.plan)).all())
            assert conn.execute(text("SELECT count(*) FROM documents")).scalar() == 2
        assert times == {1: published, 2: seen}
        assert [tuple(p) for p in plans] == [(1, "乙"), (1, "甲")]
        command.downgrade(_alembic_config(engine), "0007_w_events")  # and back, keeping the documents
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM documents")).scalar() == 2
    finally:
        engine.dispose()
