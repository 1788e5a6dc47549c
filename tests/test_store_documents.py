"""Storage on SQLite and on the local PostgreSQL: migrations, idempotent upsert, batched writes, analysis."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from store.db import StoreError, current_revision, head_revision, open_store
from store.queries import count_documents, iter_unanalyzed, sync_sources, upsert_documents, write_analysis
from store.schema import documents, sources
from tests.factories import document


@pytest.fixture
def open_db():
    """open_store that disposes every engine it opened at teardown."""
    engines = []

    def _open(url, **kw):
        engine = open_store(url, **kw)
        engines.append(engine)
        return engine

    yield _open
    for e in engines:
        e.dispose()


def test_migrations_create_schema_at_head(empty_store_url, open_db):
    engine = open_db(empty_store_url)
    assert current_revision(engine) == head_revision()
    # opening again is a no-op, and a non-upgrading open accepts the current schema
    open_db(empty_store_url)
    open_db(empty_store_url, upgrade=False)


def test_open_without_upgrade_refuses_empty_schema(empty_store_url, open_db):
    with pytest.raises(StoreError, match="yuqing init-db"):
        open_db(empty_store_url, upgrade=False)


def test_upsert_inserts_then_refreshes_engagement_without_duplicates(store):
    with store.begin() as conn:
        assert upsert_documents(conn, [document(1), document(2)]) == (2, 0)
    later = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
    with store.begin() as conn:
        res = upsert_documents(
            conn, [document(1, reposts=99, likes=7, fetched_at=later, title="改过的标题"), document(3)]
        )
    assert res == (1, 1)
    with store.connect() as conn:
        rows = {r.url: r for r in conn.execute(select(documents))}
        assert count_documents(conn) == 3
    d1 = rows["https://news.example.cn/1.html"]
    assert (d1.reposts, d1.likes) == (99, 7)
    assert d1.title == "审计署公告第1号"  # content keeps what was stored first
    assert d1.first_seen_at == datetime(2026, 11, 21, 1, 0, tzinfo=UTC)
    assert d1.fetched_at == later


def test_times_round_trip_as_aware_utc(store):
    with store.begin() as conn:
        upsert_documents(conn, [document(1), document(2, published_at=None)])
    with store.connect() as conn:
        rows = {r.content_hash: r for r in conn.execute(select(documents))}
    assert rows["1"].published_at == datetime(2026, 11, 20, 2, 20, tzinfo=UTC)
    assert rows["1"].published_at.tzinfo is not None
    assert rows["2"].published_at is None and rows["2"].date_missing is True


def test_naive_datetime_is_refused(store):
    with pytest.raises(Exception, match="naive datetime"), store.begin() as conn:
        upsert_documents(conn, [document(1, published_at=datetime(2026, 1, 1))])


def test_chinese_json_lists_round_trip(store):
    with store.begin() as conn:
        upsert_documents(conn, [document(1, plans=["审计署全国", "莒南县审计局"])])
    with store.connect() as conn:
        assert conn.execute(select(documents.c.plans)).scalar_one() == ["审计署全国", "莒南县审计局"]


def test_duplicate_urls_in_one_batch_collapse(store):
    with store.begin() as conn:
        assert upsert_documents(conn, [document(1), document(1, reposts=5)]) == (1, 0)
        assert count_documents(conn) == 1


def test_large_batch(store):
    with store.begin() as conn:
        assert upsert_documents(conn, [document(i) for i in range(1200)]) == (1200, 0)
    with store.begin() as conn:
        assert upsert_documents(conn, [document(i) for i in range(1200)]) == (0, 1200)


def test_incremental_analysis_batches(store):
    with store.begin() as conn:
        upsert_documents(conn, [document(i) for i in range(7)])
    batches = list(iter_unanalyzed(store, "v1", batch_size=3))
    assert [len(b) for b in batches] == [3, 3, 1]
    now = datetime(2026, 11, 22, tzinfo=UTC)
    with store.begin() as conn:
        write_analysis(conn, [{"id": r["id"], "sentiment_label": "neg", "analysis_version": "v1", "analyzed_at": now,
                               "keywords": ["审计"]} for r in batches[0]])  # fmt: skip
    assert sum(len(b) for b in iter_unanalyzed(store, "v1", batch_size=3)) == 4
    assert sum(len(b) for b in iter_unanalyzed(store, "v2", batch_size=3)) == 7


def test_sync_sources_upserts_by_name(store):
    src = {"name": "甲", "kind": "rss", "url": "http://a/rss", "level": "central", "cadence_minutes": 30}
    with store.begin() as conn:
        sync_sources(conn, [src])
        sync_sources(conn, [{**src, "url": "http://b/rss", "enabled": False}])
    with store.connect() as conn:
        rows = conn.execute(select(sources)).all()
    assert len(rows) == 1 and rows[0].url == "http://b/rss" and rows[0].enabled is False


def test_sqlite_uses_wal(sqlite_store):
    with sqlite_store.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_unreachable_database_gives_clear_error(open_db):
    with pytest.raises(StoreError, match="无法连接数据库"):
        open_db("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")


def test_upgrade_from_first_revision_keeps_documents(empty_store_url, open_db):
    """A store created by an older release upgrades in place without losing documents."""
    from alembic import command
    from sqlalchemy import inspect

    from store.db import _alembic_config, make_engine

    engine = make_engine(empty_store_url)
    try:
        command.upgrade(_alembic_config(engine), "0001")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO documents (url, source, platform, title, body, date_missing, fetched_at, first_seen_at,"
                    " updated_at, reposts, comments, likes, reads, plans, terms, content_hash) VALUES ('http://a.cn/1',"
                    " 's', 'news', '审计', '正文', false, '2026-01-01 00:00:00', '2026-01-01 00:00:00',"
                    " '2026-01-01 00:00:00', 0, 0, 0, 0, '[]', '[]', 'x')"
                )
            )
    finally:
        engine.dispose()
    upgraded = open_db(empty_store_url)
    assert current_revision(upgraded) == head_revision()
    assert "events" in inspect(upgraded).get_table_names()
    with upgraded.connect() as conn:
        assert conn.execute(select(documents.c.title, documents.c.signature)).one() == ("审计", None)
