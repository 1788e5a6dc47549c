"""审计结果公告 and their reception (store.announcements with analysis.opinion.announcements) on SQLite and,
marked requires_postgres, PostgreSQL: a 公告 is a document of an official source; reports are linked by
reprint group, event, cited number (the year must match) and named subject, never from an official source
and never from well before the 公告; counts by sentiment and criticism of the office."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from analysis.opinion import announcements as an
from store import announcements as q
from store.queries import sync_sources
from store.schema import documents
from tests.factories import analysed, document, insert_documents

T0 = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)
OFFICIAL, NEWS = "审计署 审计结果公告", "人民网"
TITLE = "2026年第3号公告：河北省保障性安居工程跟踪审计结果"

# key: title, body, days after T0, source, sentiment, target, reprint group (key), event
DOCS = {
    "ann": (TITLE, "审计署于2026年对河北省保障性安居工程进行了审计。", 0, OFFICIAL, "neu", "audited", "ann", 7),
    "other_ann": ("2026年第4号公告：全国医保基金专项审计结果", "……", 1, OFFICIAL, "neu", "audited", None, None),
    "reprint": ("安居工程审计结果公布", "审计署于2026年对河北省保障性安居工程进行了审计。", 0.2, NEWS, "neg", "audited", "ann", None),
    "same_event": ("河北安居工程问题引关注", "多地整改。", 0.5, "新华网", "neu", "other", None, 7),
    "number": ("审计署公告点名多地", "据审计署２０２６年第３号公告，部分项目闲置。", 1, "大众网", "neg", "audited", None, None),
    "subject": ("审计署公布河北省保障性安居工程跟踪审计结果", "正文", 2, "澎湃新闻", "pos", "other", None, None),
    "critic": ("网友质疑审计署公告避重就轻", "有网友认为2026年第3号公告对问题轻描淡写，审计机关整改跟踪不力。", 3, "微博搜索", "neg", "office", None, None),
    "old_year": ("旧闻", "2025年第3号公告涉及河北。", 2, "大众网", "neg", "audited", None, None),
    "own_news": ("审计署新闻：解读2026年第3号公告", "解读", 1, OFFICIAL, "pos", "other", None, None),
    "before": ("早前报道：河北省保障性安居工程跟踪审计结果", "早前", -3, "大众网", "neu", "other", None, None),
    "unrelated": ("化工企业爆炸事故", "响水县。", 1, NEWS, "neg", "other", None, None),
}  # fmt: skip


@pytest.fixture
def received(store):
    with store.begin() as conn:
        sync_sources(conn, [
            {"name": OFFICIAL, "kind": "official", "url": "https://www.audit.gov.cn/n5/", "level": "official"},
            {"name": NEWS, "kind": "rss", "url": "https://people.example/rss", "level": "central"},
        ])  # fmt: skip
    rows = []
    for key, (title, body, days, source, senti, target, _group, _event) in DOCS.items():
        when = T0 + timedelta(days=days)
        rows.append(document(key, title=title, body=body, source=source, published_at=when, fetched_at=when,
                             first_seen_at=when, analysis=analysed(senti, target)))  # fmt: skip
    ids = insert_documents(store, rows)
    with store.begin() as conn:
        for key, (*_rest, group, event) in DOCS.items():
            values = {"reprint_group": ids[group] if group else None, "event_id": event}
            conn.execute(update(documents).where(documents.c.id == ids[key]).values(**values))
    return store, ids


def test_announcements_are_the_documents_of_official_sources(received):
    engine, ids = received
    with engine.connect() as conn:
        found = q.official_documents(conn, T0 - timedelta(days=1), T0 + timedelta(days=5))
        assert [a["id"] for a in found] == [ids["own_news"], ids["other_ann"], ids["ann"]]  # same day: id
        assert q.official_document(conn, ids["reprint"]) is None
        assert q.official_document(conn, ids["ann"])["body_head"].startswith("审计署于2026年")


def test_reception_links_by_group_event_number_and_subject(received):
    engine, ids = received
    with engine.connect() as conn:
        ann = q.official_document(conn, ids["ann"])
        number, subject = an.number_key(ann["title"]), an.subject_key(ann["title"])
        docs, links = q.reporting_documents(conn, ann, numbers=an.number_variants(number), subject=subject)
    assert (number, subject) == ("2026年第3号", "河北省保障性安居工程跟踪审计结果")
    by_key = {k: links.get(i) for k, i in ids.items()}
    assert by_key["reprint"] == {"reprint"}
    assert by_key["same_event"] == {"event"}
    assert by_key["number"] == {"number"}  # full-width digits in the text
    assert by_key["subject"] == {"subject"}
    assert by_key["critic"] == {"number"}
    for key in ("ann", "other_ann", "old_year", "own_news", "before", "unrelated"):
        assert by_key[key] is None, key
    assert [d["id"] for d in docs] == [ids[k] for k in ("reprint", "same_event", "number", "subject", "critic")]
    rec = an.reception(docs, links)
    assert rec.documents == 5 and rec.sources == 5 and rec.events == (7,)
    assert rec.sentiment == {"neg": 3, "neu": 1, "pos": 1, "none": 0}
    assert rec.office_critical == 1 and rec.ids["office_critical"] == [ids["critic"]]
    assert rec.by_reason == {"reprint": 1, "event": 1, "number": 2, "subject": 1}
    assert sorted(rec.ids["neg"]) == sorted(ids[k] for k in ("reprint", "number", "critic"))


def test_number_and_subject_keys():
    assert an.number_key("２０２６年第１２号公告：某某审计结果") == "2026年第12号"
    assert an.number_key("审计署公告", "根据2025年 第 7 号公告") == "2025年第7号"
    assert an.number_key("第3号公告：没有年份") is None
    assert an.subject_key("2026年第4号公告：12个省（区、市）医疗保障基金专项审计结果") == "医疗保障基金专项审计结果"
    assert an.subject_key("2026年第5号公告：短标题") is None
    assert an.number_variants("2026年第3号") == ("2026年第3号", "２０２６年第３号")
    assert an.subject_key("审计署工作动态") is None
