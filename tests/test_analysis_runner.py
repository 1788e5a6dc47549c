"""Stage-1 analysis over the store: what the sentiment model reads, idempotence, and re-scoring on a new model."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update

from analysis.runner import analysis_version, analyze, sentiment_input
from store.db import open_store
from store.queries import upsert_documents
from store.schema import documents


def test_articles_are_read_by_headline_with_the_news_head_and_posts_whole_with_the_social_head():
    assert sentiment_input("审计署发布审计结果公告", "正文很长" * 50, "news") == (
        "审计署发布审计结果公告",
        "news",
    )
    assert sentiment_input("", "审计局又通报了，整改到底落实没有？", "weibo") == (
        "审计局又通报了，整改到底落实没有？",
        "social",
    )
    text, domain = sentiment_input("通报", "某县审计局通报专项审计发现的问题", "news")
    assert domain == "news" and text.startswith("通报。某县审计局")


def _doc(i, title, body, platform="news"):
    now = datetime(2026, 11, 21, tzinfo=UTC)
    return {"url": f"http://a.cn/{i}", "source": "s", "platform": platform, "level": "county", "title": title,
            "body": body, "published_at": now, "fetched_at": now, "plans": ["p"], "terms": [], "content_hash": str(i)}  # fmt: skip


def test_analyze_is_idempotent_and_rescores_when_the_model_changes(tmp_path):
    engine = open_store(f"sqlite:///{tmp_path}/a.db")
    with engine.begin() as conn:
        upsert_documents(conn, [
            _doc(1, "审计发现某县挪用扶贫资金3000万元 多名干部被问责", "审计署公告显示，某县挪用扶贫资金。" * 5),
            _doc(2, "", "审计局的整改监督形同虚设，问题年年查年年有！", "weibo"),
        ])  # fmt: skip
    first = analyze(engine, stage2=False)
    assert first.documents == 2
    assert analyze(engine, stage2=False).documents == 0
    with engine.connect() as conn:
        rows = conn.execute(
            select(documents.c.sentiment_label, documents.c.analysis_version, documents.c.target)
        ).all()
    assert {r.analysis_version for r in rows} == {analysis_version("project")}
    assert {r.target for r in rows} <= {"office", "audited", "other"}
    # documents analysed by other weights (an older model) are analysed again
    with engine.begin() as conn:
        conn.execute(update(documents).values(analysis_version="1:project-0000000000"))
    assert analyze(engine, stage2=False).documents == 2
    engine.dispose()
