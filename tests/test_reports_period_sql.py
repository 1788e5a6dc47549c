"""A 日报 / 周报 period read in SQL (store.reports.period_* and critic_documents, jobs.reports): the counts,
the source mix and the quoted criticisms equal what the documents say, a report quotes criticisms in level,
engagement, time order one per reprint group however many there are, and an undated criticism is quoted at
its first-seen time (it used to fail the report)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from config.loader import load_settings
from jobs import reports as job
from jobs.reports import build_report
from store import reports as q
from store.db import open_store
from tests.factories import STORY_NOW, insert_documents, story

T0 = STORY_NOW - timedelta(hours=10)


def _critic(i: int, *, level: str = "provincial", published: datetime | None = None, seen: datetime | None = None):
    seen = seen or T0 + timedelta(minutes=i)
    return story(f"k{i}", f"质疑审计局{i}", f"网友质疑审计局敷衍整改第{i}次。", f"信源{i % 7}", published, seen,
                 level=level, sentiment="neg", target="office")  # fmt: skip


@pytest.fixture
def engine(tmp_path):
    eng = open_store(f"sqlite:///{tmp_path / 'p.db'}")
    yield eng
    eng.dispose()


def test_period_counts_and_sources_match_the_documents(engine) -> None:
    rows = [_critic(i, published=T0 + timedelta(minutes=i)) for i in range(12)]
    rows.append(story("n1", "审计整改进展", "审计整改。", "新华网", T0, T0, level="central", sentiment="neu"))
    rows.append(story("old", "旧闻", "审计。", "新华网", T0 - timedelta(days=3), T0, level="central"))
    insert_documents(engine, rows)
    with engine.connect() as conn:
        got = q.period_counts(conn, T0 - timedelta(hours=1), STORY_NOW)
        mix = q.period_profile(conn, T0 - timedelta(hours=1), STORY_NOW).sources
        empty = q.period_counts(conn, STORY_NOW, STORY_NOW + timedelta(hours=1))
    assert got == {"documents": 13, "negative": 12, "negative_share": 12 / 13, "critics": 12}
    assert mix[("central", "新华网")] == 1 and sum(n for (lv, _), n in mix.items() if lv == "provincial") == 12
    assert empty == {"documents": 0, "negative": 0, "negative_share": None, "critics": 0}


def test_period_profile_counts_sources_and_events_in_one_pass(engine) -> None:
    """period_profile (what a report reads of its period): its counts equal period_counts, and its source mix
    and per-event counts are those of the documents, also with filters and undated documents in the mix."""
    from sqlalchemy import update

    from store.schema import documents

    rows = [_critic(i, published=T0 + timedelta(minutes=i) if i % 3 else None) for i in range(9)]
    rows.append(story("n1", "审计整改进展", "审计整改。", "新华网", T0, T0, level="central", sentiment="neu"))
    rows.append(story("n2", "审计工作", "审计。", "自媒体", T0, T0, level=None, sentiment="pos"))
    ids = insert_documents(engine, rows)
    with engine.begin() as conn:
        conn.execute(update(documents).where(documents.c.id.in_([ids["k1"], ids["k4"], ids["n1"]])).values(event_id=5))
        conn.execute(update(documents).where(documents.c.id == ids["k2"]).values(event_id=9))
    start, end = T0 - timedelta(hours=1), STORY_NOW
    critics = {("provincial", "信源0"): 2, ("provincial", "信源1"): 2,
               **{("provincial", f"信源{i}"): 1 for i in range(2, 7)}}  # fmt: skip
    expected = {
        q.DocFilter(): ({**critics, ("central", "新华网"): 1, ("", "自媒体"): 1}, {5: 3, 9: 1}),
        q.DocFilter(sentiments=("neg",)): (critics, {5: 2, 9: 1}),
        q.DocFilter(levels=("central", "")): ({("central", "新华网"): 1, ("", "自媒体"): 1}, {5: 1}),
    }
    for flt, (sources, events) in expected.items():
        with engine.connect() as conn:
            prof = q.period_profile(conn, start, end, flt)
            assert prof.counts == q.period_counts(conn, start, end, flt)
        assert (prof.sources, prof.events) == (sources, events), flt
    with engine.connect() as conn:
        prof = q.period_profile(conn, start, end)
    assert prof.counts["documents"] == 11 and prof.counts["critics"] == 9


def test_quotes_follow_level_engagement_and_time_one_per_reprint_group(engine, monkeypatch) -> None:
    rows = [_critic(i) for i in range(8)]
    rows[5] = _critic(5, level="central")
    ids = insert_documents(engine, rows)
    with engine.begin() as conn:  # k1 and k2 are reprints of one another: only the first is quoted
        from sqlalchemy import update

        from store.schema import documents

        conn.execute(update(documents).where(documents.c.id.in_([ids["k1"], ids["k2"]])).values(reprint_group=77))
        conn.execute(update(documents).where(documents.c.id == ids["k7"]).values(reposts=1000))
    monkeypatch.setattr(job, "QUOTES_PAGE", 2)  # pages smaller than the quotes: the picking reads on
    with engine.connect() as conn:
        newest = q.critic_documents(conn, T0, STORY_NOW, limit=3)
        blocks = job._critic_blocks(conn, 8, (T0, STORY_NOW, q.DocFilter()), job.References("Asia/Shanghai"),
                                    "Asia/Shanghai")  # fmt: skip
    assert [d["title"] for d in newest] == ["质疑审计局7", "质疑审计局6", "质疑审计局5"]
    quoted = [b.spans[1].text for b in blocks[1:]]
    assert [next(f"{i}" for i in range(8) if f"第{i}次" in t) for t in quoted] == ["5", "7", "0", "1", "3"]


def test_undated_criticism_is_quoted_at_its_first_seen_time() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        eng = open_store(f"sqlite:///{d}/u.db")
        insert_documents(eng, [_critic(1, published=None, seen=STORY_NOW - timedelta(hours=2))])
        report = build_report(load_settings(), eng, "daily", now=STORY_NOW)
        eng.dispose()
    text = report.plain_text()
    assert "批评审计机关的信息1篇" in text and "信源1（省级，2025-06-10 18:00）：" in text
    assert report.counts["critics"] == 1 and report.end == STORY_NOW.astimezone(UTC)


def test_events_with_plan_reads_the_document_plans(engine) -> None:
    from sqlalchemy import update

    from store import digest
    from store.schema import documents

    rows = [dict(_critic(i), plans=[["审计署全国"], ["地方审计局"], []][i % 3]) for i in range(6)]
    ids = insert_documents(engine, rows)
    with engine.begin() as conn:
        for i in range(6):
            conn.execute(update(documents).where(documents.c.id == ids[f"k{i}"]).values(event_id=10 + i % 3))
    with engine.connect() as conn:
        assert digest.events_with_plan(conn, [10, 11, 12, 13], "审计署全国") == {10}
        assert digest.events_with_plan(conn, [11, 12], "地方审计局") == {11}
        assert digest.events_with_plan(conn, [], "地方审计局") == set()
