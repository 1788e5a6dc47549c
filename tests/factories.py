"""Document and event rows for tests, and helpers that write them through the store's own functions.

`document(key, **fields)` returns a `documents` row as `store.queries.upsert_documents` takes it, every
column a test does not care about filled with a plausible value; `fields` override. A row may carry an
`analysis` dict (sentiment_label, target, keywords, analyzed_at, analysis_version ...): `insert_documents`
writes it with `store.queries.write_analysis` after the upsert, as `yuqing analyze` would. `event(id)` is
the same for `store.events.upsert_events`.

`story_documents()` are five analysed news documents about three stories (an audit finding reprinted
twice, an emergency, criticism of the audit office itself) that the event, workflow, CLI and dashboard
tests share; `stories` in conftest.py is them inserted into the `store` fixture.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from store.events import upsert_events
from store.queries import upsert_documents, write_analysis
from store.schema import documents

CST = timezone(timedelta(hours=8))
PUBLISHED = datetime(2026, 11, 20, 10, 20, tzinfo=CST)
FETCHED = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)

_keys = itertools.count(1)


def document(key: str | int | None = None, *, analysis: dict[str, Any] | None = None, **fields: Any) -> dict:
    """A document row identified by `key` (url https://news.example.cn/<key>.html, content hash <key>);
    without a key, the next of auto1, auto2 ... Defaults: 示例新闻网 (news, provincial), title
    审计署公告第<key>号, a 39-character audit body, published 2026-11-20 10:20 +08:00, fetched (and first
    seen) 2026-11-21 01:00 UTC, plan 审计署全国 with terms 审计署 and 审计发现."""
    if key is None:
        key = f"auto{next(_keys)}"
    row: dict[str, Any] = {
        "url": f"https://news.example.cn/{key}.html",
        "source": "示例新闻网",
        "platform": "news",
        "level": "provincial",
        "title": f"审计署公告第{key}号",
        "body": "审计发现某县挪用扶贫资金。" * 3,
        "published_at": PUBLISHED,
        "fetched_at": FETCHED,
        "plans": ["审计署全国"],
        "terms": ["审计署", "审计发现"],
        "content_hash": str(key),
    }
    row.update(fields)
    if analysis is not None:
        row["analysis"] = dict(analysis)
    return row


def analysed(sentiment: str | None = "neu", target: str | None = "other", **columns: Any) -> dict[str, Any]:
    """The analysis columns of one document (`document(..., analysis=analysed("neg", "office"))`)."""
    return {"sentiment_label": sentiment, "target": target, **columns}


def insert_documents(engine: Engine, rows: Iterable[dict]) -> dict[str, int]:
    """Upsert `rows` in one transaction, then write each row's `analysis` columns; returns content hash → id
    for every document in the store."""
    rows = list(rows)
    with engine.begin() as conn:
        upsert_documents(conn, [{k: v for k, v in r.items() if k != "analysis"} for r in rows])
        analysed_rows = [r for r in rows if r.get("analysis") is not None]
        if analysed_rows:
            ids = dict(conn.execute(select(documents.c.url, documents.c.id)).all())
            for r in analysed_rows:
                write_analysis(conn, [{"id": ids[r["url"]], **r["analysis"]}])
    return ids_by_key(engine)


def ids_by_key(engine: Engine) -> dict[str, int]:
    """Content hash (the factory's key) → document id."""
    with engine.connect() as conn:
        return {h: i for i, h in conn.execute(select(documents.c.id, documents.c.content_hash))}


def doc_rows(engine: Engine) -> dict[str, dict]:
    """Content hash → the whole stored row."""
    with engine.connect() as conn:
        return {r["content_hash"]: dict(r) for r in conn.execute(select(documents)).mappings()}


def event(event_id: int, **fields: Any) -> dict:
    """An `events` row for store.events.upsert_events: title t, seen (first, last, updated) at 2026-11-21
    01:00 UTC, no keywords, heat components, history or response terms."""
    row: dict[str, Any] = {
        "id": event_id,
        "title": "t",
        "first_seen_at": FETCHED,
        "last_seen_at": FETCHED,
        "updated_at": FETCHED,
        "keywords": [],
        "heat_components": {},
        "heat_history": [],
        "response_terms": [],
    }
    row.update(fields)
    return row


def insert_events(engine: Engine, rows: Iterable[dict]) -> None:
    with engine.begin() as conn:
        upsert_events(conn, list(rows))


# ------------------------------------------------------------------------------------------ the stories

STORY_NOW = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)

AUDIT_BODY = (
    "审计署12日公布审计结果公告，河北省平山县扶贫办将1260万元扶贫专项资金转入县城投公司，用于道路改造和"
    "办公楼装修。审计还发现平山县虚报易地扶贫搬迁人口，套取搬迁补助资金410万元。平山县表示将立即整改，"
    "追回被挪用资金，并对相关责任人严肃问责。县纪委已介入调查，整改情况将向社会公开。"
)
BLAST_BODY = (
    "10日上午9时许，江苏省盐城市响水县陈家港镇一化工企业发生爆炸事故，事故已造成6人死亡、30余人受伤，"
    "另有3人失联。应急管理部已派出工作组赶赴现场，当地正全力开展搜救和伤员救治工作，事故原因正在调查中。"
)
OFFICE_BODY = (
    "网友发帖称，莒南县审计局在对某乡镇的审计中走过场，审计人员收受被审计单位宴请，对发现的问题"
    "不予披露，帖子引发大量转发。莒南县审计局尚未回应。"
)


def story(key: str, title: str, body: str, source: str, published: datetime | None, seen: datetime, *,
          level: str = "provincial", sentiment: str = "neu", target: str = "other") -> dict:  # fmt: skip
    """One news document of the stories, after stage 1 (analysis version "t", analysed when first seen)."""
    return document(
        key, title=title, body=body, source=source, level=level, published_at=published, fetched_at=seen,
        first_seen_at=seen, terms=["审计"],
        analysis=analysed(sentiment, target, analyzed_at=seen, analysis_version="t"),
    )  # fmt: skip


def story_documents() -> list[dict]:
    t = STORY_NOW - timedelta(hours=6)
    return [
        # the audit story: published by 新华网 first, crawled from 人民网 first; reprinted twice
        story("a1", "审计署公告：平山县挪用扶贫资金1260万元", AUDIT_BODY, "人民网", t + timedelta(hours=1),
              t + timedelta(hours=1, minutes=5), level="central", sentiment="neg", target="audited"),
        story("a2", "平山县扶贫资金被挪用1260万", AUDIT_BODY, "新华网", t, t + timedelta(hours=2), level="central",
              sentiment="neg", target="audited"),
        story("a3", "转载：平山县挪用扶贫资金", "来源：大众网\n" + AUDIT_BODY, "大众网", t + timedelta(hours=2),
              t + timedelta(hours=2, minutes=30), sentiment="neu", target="audited"),
        # an emergency
        story("b1", "响水县化工企业爆炸事故致6人死亡", BLAST_BODY, "澎湃新闻", t + timedelta(hours=3),
              t + timedelta(hours=3, minutes=10), sentiment="neg"),
        # criticism of the audit office itself
        story("c1", "网友质疑莒南县审计局审计走过场", OFFICE_BODY, "微博搜索", t + timedelta(hours=4),
              t + timedelta(hours=4, minutes=1), level="self-media", sentiment="neg", target="office"),
    ]  # fmt: skip
