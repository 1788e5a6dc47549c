"""The stored text links of the 审计结果公告 (jobs.announcement_links, store.announcements) on SQLite and,
marked requires_postgres, PostgreSQL: after new documents and a new 公告 arrive and the analysis job runs,
the stored links equal a rebuild from every document, and every 公告's reception read through them equals
the full-text search from scratch (before the job runs too: the documents after the record are searched)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select, update

from analysis.opinion import announcements as an
from jobs import announcement_links
from jobs.analysis import analyze
from store import announcements as q
from store.schema import announcement_links as links_table
from store.schema import sources
from tests.factories import analysed, document, insert_documents
from tests.test_store_announcements import NEWS, OFFICIAL, T0, received  # noqa: F401 - the fixture

NEW_TITLE = "2026年第5号公告：山东省农村饮水安全工程审计结果"


def _reception(conn, ann_id: int) -> dict[int, set[str]]:
    ann = q.official_document(conn, ann_id)
    number, subject = an.number_key(ann["title"], ann["body_head"]), an.subject_key(ann["title"])
    _docs, links = q.reporting_documents(conn, ann, numbers=an.number_variants(number) if number else (),
                                         subject=subject)  # fmt: skip
    return links


def _all_receptions(engine, *, scratch: bool) -> dict[int, dict[int, set[str]]]:
    with engine.connect() as conn:
        if scratch:  # no record: every 公告 searched in the full text (rolled back below)
            q.clear_links(conn)
        out = {a["id"]: _reception(conn, a["id"]) for a in q.all_announcements(conn)}
        wanted = []
        for a in q.all_announcements(conn):
            number = an.number_key(a["title"], a["body_head"])
            wanted.append((a, an.number_variants(number) if number else (), an.subject_key(a["title"])))
        assert {i: links for i, (_docs, links) in q.reporting_documents_many(conn, wanted).items()} == out
        conn.rollback()
    return out


def _stored(engine) -> set[tuple]:
    c = links_table.c
    with engine.connect() as conn:
        return set(conn.execute(select(c.announcement_id, c.kind, c.document_id)).all())


def _doc(key, title, body, days, source=NEWS, senti="neu"):
    when = T0 + timedelta(days=days)
    return document(key, title=title, body=body, source=source, published_at=when, fetched_at=when,
                    first_seen_at=when, analysis=analysed(senti, "other"))  # fmt: skip


def test_stored_links_equal_a_search_from_scratch_after_new_documents(received, monkeypatch):  # noqa: F811
    engine, ids = received
    # an older report naming the subject of a 公告 that arrives later
    ids = insert_documents(engine, [_doc("early", "山东省农村饮水安全工程审计结果引关注", "正文", 0.5)])
    assert announcement_links.rebuild(engine) > 0
    with engine.connect() as conn:
        assert q.stored_upto(conn) == max(ids.values())
    assert _stored(engine) >= {(ids["ann"], "number", ids["number"]), (ids["ann"], "subject", ids["subject"])}
    assert _all_receptions(engine, scratch=False) == _all_receptions(engine, scratch=True)

    ids = insert_documents(engine, [
        _doc("new_number", "媒体解读", "审计署2026年第3号公告指出多个项目闲置。", 4),
        _doc("new_subject", "全国医保基金专项审计结果发布", "正文", 2, senti="neg"),
        _doc("new_ann", NEW_TITLE, "审计署组织审计了山东省农村饮水安全工程。", 1, source=OFFICIAL),
        _doc("new_report", "关注2026年第5号公告", "山东省农村饮水安全工程审计结果显示……", 3),
        _doc("official_quote", "审计署解读", "2026年第3号公告解读", 4, source=OFFICIAL),
        _doc("too_early", "全国医保基金专项审计结果", "旧文", -2),
    ])  # fmt: skip
    # before the job: the stored links plus a search of the documents after the record
    before_job = _all_receptions(engine, scratch=False)
    assert before_job == _all_receptions(engine, scratch=True)
    assert before_job[ids["ann"]][ids["new_number"]] == {"number"}
    assert before_job[ids["new_ann"]] == {ids["early"]: {"subject"}, ids["new_report"]: {"number", "subject"}}
    monkeypatch.setattr(q, "LIVE_MAX", 0)  # a long backlog: searched in the full text instead of read
    assert _all_receptions(engine, scratch=False) == before_job
    monkeypatch.undo()

    monkeypatch.setattr(announcement_links, "RESCAN", 0)  # the new 公告 searched for in the documents before
    stats = analyze(engine, stage2=False)
    monkeypatch.undo()
    # new_number also cites the number of own_news and of official_quote (公告 too: official documents)
    assert stats.announcement_links == 8
    with engine.connect() as conn:
        assert q.stored_upto(conn) == max(ids.values())
    stored = _stored(engine)
    assert {(ids["ann"], "number", ids["new_number"]), (ids["other_ann"], "subject", ids["new_subject"]),
            (ids["new_ann"], "subject", ids["early"]), (ids["new_ann"], "number", ids["new_report"]),
            (ids["new_ann"], "subject", ids["new_report"])} <= stored  # fmt: skip
    assert not {r for r in stored if r[2] in (ids["official_quote"], ids["too_early"])}
    after_job = _all_receptions(engine, scratch=False)
    assert after_job == before_job == _all_receptions(engine, scratch=True)
    announcement_links.rebuild(engine)
    assert _stored(engine) == stored  # kept up to date = found afresh

    # a document whose insert committed after a newer id was read (its links missing) is read again
    with engine.begin() as conn:
        conn.execute(delete(links_table).where(links_table.c.document_id == ids["new_number"]))
    insert_documents(engine, [_doc("later", "无关", "正文", 5)])
    assert announcement_links.update(engine) == 3
    assert _stored(engine) == stored


def test_stored_links_are_not_used_when_the_official_sources_change(received):  # noqa: F811 - the fixture
    engine, ids = received
    announcement_links.rebuild(engine)
    with engine.begin() as conn:
        assert q.stored_upto(conn) is not None
        conn.execute(update(sources).where(sources.c.name == NEWS).values(kind="official"))
        assert q.stored_upto(conn) is None  # read by full-text search until the job rebuilds
    assert announcement_links.update(engine) >= 0
    with engine.connect() as conn:
        assert q.stored_upto(conn) == max(ids.values())
        assert q.links_state(conn)["official"] == sorted([OFFICIAL, NEWS])


def test_cli_rebuild_counts_finds_the_links_again(received, store_url, monkeypatch, capsys):  # noqa: F811
    from yuqing.cli import main

    engine, ids = received
    announcement_links.rebuild(engine)
    stored = _stored(engine)
    with engine.begin() as conn:
        conn.execute(delete(links_table))  # links lost
    monkeypatch.setenv("MONITOR_DB_URL", store_url)
    assert main(["analyze", "--rebuild-counts"]) == 0
    assert f"已重建审计结果公告的报道关联：{len(stored)} 条。" in capsys.readouterr().out
    assert _stored(engine) == stored and (ids["ann"], "subject", ids["subject"]) in stored
