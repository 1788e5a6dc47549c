"""Full-text search (store.fulltext, store.search, migrations 0007_w_search and 0011_w_searchperf) on SQLite
(FTS5 trigram, an FTS5 bigram index for short terms, LIKE) and, marked requires_postgres, PostgreSQL (LIKE
with pg_trgm): the same hit lists for Chinese queries of one, two, three and more characters, several terms, ASCII case, LIKE wildcards and quotes, every
hit list checked against a plain substring search in Python; the index follows inserts, title changes and
deletes; the migration indexes documents stored before it; snippets mark what matched and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import delete, update

from store import exports as q
from store.db import _alembic_config, make_engine, migrate
from store.fulltext import fold, query_terms, snippet
from store.schema import documents
from store.search import hit_ids, search_page
from tests.factories import analysed, document, insert_documents

T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)

# key: title, body, hours after T0, source, sentiment, target, event
CORPUS = {
    "s1": ("审计署发布2026年第3号公告", "审计署公布扶贫资金专项审计结果，发现5个县挪用资金。", 0, "审计署网站", "neu", "audited", 1),
    "s2": ("莒南县审计局被指审计走过场", "网友称审计人员收受宴请，审计局尚未回应。", 1, "微博搜索", "neg", "office", 2),
    "s3": ("平山县扶贫资金被挪用", "据2026年第3号公告，平山县挪用扶贫 资金1260万元。", 2, "人民网", "neg", "audited", 1),
    "s4": ("PPP项目审计", "某市PPP项目违规举债，Ppp模式被滥用，增长50%以上。", 3, "新华网", "neg", "audited", None),
    "s5": ("化工企业爆炸", "响水县化工企业发生爆炸事故，应急管理部派出工作组。", 4, "澎湃新闻", "neg", "other", None),
    "s6": ("关于\"审计\"的问答", "问：什么是审计_报告？答：审计报告是审计机关出具的文书。", 5, "问答社区", "neu", "other", None),
    "s7": ("审", "单字标题的帖子，正文提到计划。", 6, "论坛", "neu", "other", None),
    "s8": ("Ärger über PPP项目", "ΩMEGA基金与[正则]?.*符号$^，反斜杠\\在此。", 7, "外文网", "neu", "other", None),
}  # fmt: skip
QUERIES = [
    "审计",  # two characters: the most common query
    "审计署",  # three: the trigram index on SQLite
    "审计局",
    "扶贫 资金",  # two terms, both required (s3 has them apart)
    "扶贫资金",
    "第3号公告",
    "2026年第3号公告",
    "ppp",  # ASCII case-insensitive
    "50%",  # a LIKE wildcard taken literally
    "审计_报告",
    '"审计"',  # quotes are text, not FTS5 syntax
    "审",  # one character
    "计",
    "号公",  # two characters across word boundaries
    "Pp",  # ASCII case, two characters
    "%",  # one character: a LIKE wildcard taken literally
    "ä",  # one character: other letters are exact
    "Ω",
    "审计　爆炸",  # full-width space between terms: nothing has both
    "爆炸 事故 工作组",
    "不存在的词语",
    "ppp项目",  # ASCII letters fold inside a mixed term
    "ärger",  # other letters are exact: Ä is not ä (FTS5 alone would fold it)
    "Ärger",
    "ωmega",
    "ΩMEGA基金",
    "[正则]?.*",  # regular-expression characters are text (PostgreSQL matches ASCII letters by regex)
    "$^",
    "反斜杠\\在",
]


def _corpus_rows() -> list[dict]:
    rows = []
    for key, (title, body, hours, source, senti, target, _event) in CORPUS.items():
        when = T0 + timedelta(hours=hours)
        rows.append(document(key, title=title, body=body, source=source, published_at=when, fetched_at=when,
                             first_seen_at=when, analysis=analysed(senti, target)))  # fmt: skip
    return rows


def _expected(query: str) -> list[str]:
    """Keys of the corpus documents holding every term in title or body (ASCII case-insensitive), newest
    first: the definition the SQL must agree with."""
    terms = query_terms(query)

    def has(text: str, term: str) -> bool:
        return fold(term) in fold(text)

    keys = [k for k, (title, body, *_rest) in CORPUS.items() if all(has(title, t) or has(body, t) for t in terms)]
    return sorted(keys, key=lambda k: CORPUS[k][2], reverse=True)


@pytest.fixture
def corpus(store):
    ids = insert_documents(store, _corpus_rows())
    with store.begin() as conn:
        for key, (*_rest, event_id) in CORPUS.items():
            if event_id is not None:
                conn.execute(update(documents).where(documents.c.id == ids[key]).values(event_id=event_id))
    return store, ids


def _hits(engine, query: str, **filters) -> list[int]:
    with engine.connect() as conn:
        return hit_ids(conn, q.ExportFilter(text=query_terms(query), **filters))


@pytest.mark.parametrize("query", QUERIES)
def test_search_hits_equal_a_substring_search_on_both_backends(corpus, query):
    engine, ids = corpus
    expected = [ids[k] for k in _expected(query)]
    assert _hits(engine, query) == expected
    with engine.connect() as conn:
        assert q.count_documents(conn, q.ExportFilter(text=query_terms(query))) == len(expected)


def test_search_two_character_query_finds_longer_words_containing_it(corpus):
    engine, ids = corpus
    hits = set(_hits(engine, "审计"))
    # 审计署, 审计局, 审计人员, 审计结果 and "审计" in quotes all contain 审计; the chemical blast does not
    assert {ids["s1"], ids["s2"], ids["s4"], ids["s6"]} <= hits
    assert ids["s5"] not in hits and ids["s7"] not in hits  # s7: 审 and 计 apart


def test_search_combines_text_with_the_export_filters(corpus):
    engine, ids = corpus
    assert _hits(engine, "审计", sentiments=("neg",)) == [ids["s4"], ids["s2"]]
    assert _hits(engine, "审计", targets=("office",)) == [ids["s2"]]
    assert _hits(engine, "第3号公告", events=(1,)) == [ids["s3"], ids["s1"]]
    assert _hits(engine, "审计", sources=("审计署网站",)) == [ids["s1"]]
    assert _hits(engine, "审计", start=T0 + timedelta(hours=1), end=T0 + timedelta(hours=4)) == [ids["s4"], ids["s2"]]


def test_search_page_pages_without_overlap_and_carries_bodies(corpus):
    engine, _ids = corpus
    flt = q.ExportFilter(text=("审计",))
    with engine.connect() as conn:
        first = search_page(conn, flt, limit=2, offset=0)
        second = search_page(conn, flt, limit=2, offset=2)
        rest = search_page(conn, flt, limit=10, offset=4)
        every = hit_ids(conn, flt)
    assert [r["id"] for r in first + second + rest] == every
    assert all("审计" in r["title"] + r["body"] for r in first + second + rest)


def test_search_index_follows_inserts_title_changes_and_deletes(corpus):
    engine, ids = corpus
    insert_documents(engine, [document("late", title="新入库的审计整改报道", body="正文", published_at=T0)])
    new_id = _hits(engine, "审计整改")
    assert len(new_id) == 1
    with engine.begin() as conn:
        conn.execute(update(documents).where(documents.c.id == new_id[0]).values(title="改过的标题"))
    assert _hits(engine, "审计整改") == []
    assert _hits(engine, "改过的标题") == new_id
    with engine.begin() as conn:
        conn.execute(delete(documents).where(documents.c.id == ids["s5"]))
    assert _hits(engine, "化工企业") == []


def test_migration_indexes_documents_stored_before_it(empty_store_url):
    engine = make_engine(empty_store_url)
    try:
        command.upgrade(_alembic_config(engine), "0007_w_scale")
        insert_documents(engine, _corpus_rows())
        migrate(engine)
        assert len(_hits(engine, "审计署")) == len(_expected("审计署")) > 0
        assert len(_hits(engine, "2026年第3号公告")) == 2
        for short in ("审计", "审", "公告"):  # the bigram index (0011_w_searchperf) holds them too
            assert len(_hits(engine, short)) == len(_expected(short)) > 0
    finally:
        engine.dispose()


def test_query_terms_split_on_any_space_and_drop_duplicates():
    assert query_terms("  审计　整改 审计  PPP ppp ") == ("审计", "整改", "PPP")
    assert query_terms("") == () and query_terms(None) == ()
    assert len(query_terms(" ".join(f"词{i}" for i in range(20)))) == 8


def test_snippet_marks_every_occurrence_in_a_window_around_the_first():
    text = "前言" * 100 + "审计署发布公告，审计发现问题。<script>审计</script>" + "后记" * 100
    s = snippet(text, ("审计",), width=60)
    assert s.before and s.after
    marked = [p for p, hit in zip(s.parts, s.hits, strict=True) if hit]
    assert marked == ["审计", "审计", "审计"]
    assert "<script>" in "".join(s.parts)  # raw: the caller escapes
    assert s.plain.startswith("…") and s.plain.endswith("…")
    assert snippet("no match here", ("审计",)).hits == (False,)
    assert [p for p, h in zip(*(lambda x: (x.parts, x.hits))(snippet("The PPP and ppp", ("Ppp",))), strict=True) if h] == ["PPP", "ppp"]


@pytest.mark.parametrize("window_max", [0, 30_000], ids=["index", "scan"])
def test_search_in_a_time_window_gives_the_same_hits_by_index_or_by_scan(corpus, monkeypatch, window_max):
    """SQLite scans a small time window with LIKE instead of the trigram index (store.exports.SCAN_WINDOW_MAX);
    both ways, and PostgreSQL, give the reference hits."""
    engine, ids = corpus
    monkeypatch.setattr(q, "SCAN_WINDOW_MAX", window_max)
    start, end = T0 + timedelta(hours=1), T0 + timedelta(hours=7)
    for query in QUERIES:
        expected = [ids[k] for k in _expected(query) if 1 <= CORPUS[k][2] < 7]
        assert _hits(engine, query, start=start, end=end) == expected, query


SHORT_CORPUS = {  # one- and two-character terms: at the very end, punctuation, ASCII and other letters, wildcards
    "t1": ("关于资金的审计", "正文提到整改。"),
    "t2": ("整改通报", "财政资金使用存在问题，需整改"),
    "t3": ("整改", "短"),  # a two-character title, a one-character body
    "t4": ("项目PP", "某市推进Pp"),  # ASCII letters fold, also at the end
    "t5": ("无关标题", "无关正文内容"),
    "t6": ("Ärger", "ärger über ΩMEGA ωmega"),  # other letters are exact
    "t7": ("百分比：50%", "a_b \\ \"引号\" 句末"),  # LIKE wildcards, backslash and quotes are text
    "t8": ("审", ""),  # a one-character title, an empty body
}


@pytest.mark.parametrize("docs_max", [100_000, 0], ids=["index", "scan"])
def test_one_and_two_character_terms_through_the_index_or_by_scan_equal_a_substring_search(
    store, monkeypatch, docs_max
):
    """SQLite (migration 0011_w_searchperf): a one- or two-character term in few documents is looked up in
    the bigram index (every two-character substring and last character of titles and bodies), a common one is
    scanned for. Both, and PostgreSQL, give every document holding it and no other."""
    from store import fulltext

    monkeypatch.setattr(fulltext, "short_docs_max", lambda conn, reads=None: docs_max)
    rows = [document(k, title=t, body=b, published_at=T0 + timedelta(hours=i), fetched_at=T0, first_seen_at=T0)
            for i, (k, (t, b)) in enumerate(SHORT_CORPUS.items())]  # fmt: skip
    ids = insert_documents(store, rows)
    texts = [text for t, b in SHORT_CORPUS.values() for text in (t, b)]
    terms = {text[i : i + n] for text in texts for n in (1, 2) for i in range(len(text) - n + 1)}
    terms = {t for t in terms if not t.isspace() and t == t.strip()}  # a space separates terms
    for term in sorted(terms | {"pp", "PP", "p", "ä", "Ω", "ω", "改。", "不在", "%", "_", "\\", '"'}):
        expected = {ids[k] for k, (t, b) in SHORT_CORPUS.items() if fold(term) in fold(t) or fold(term) in fold(b)}
        assert set(_hits(store, term)) == expected, term
        with store.connect() as conn:
            assert q.count_documents(conn, q.ExportFilter(text=(term,))) == len(expected), term
    if store.dialect.name == "sqlite":
        with store.connect() as conn:
            assert (fulltext._short_candidates(conn, "整改", "k", fulltext.short_docs_max(conn)) is None) == (docs_max == 0)
            assert (fulltext._short_candidates(conn, "审", "k", fulltext.short_docs_max(conn)) is None) == (docs_max == 0)


def test_short_terms_follow_inserts_title_changes_deletes_and_a_counts_rebuild(store):
    """The bigram index is kept by triggers: a document written through the store is found by a two- and a
    one-character term at once, a title change or delete takes it out, and rebuilding the daily counts (which
    rewrites documents) leaves the hits as they were."""
    from store import aggregates

    ids = insert_documents(store, [document("a", title="社保基金审计", body="正文", published_at=T0,
                                            analysis=analysed("neg", "audited"))])  # fmt: skip
    aggregates.rebuild(store, "Asia/Shanghai")
    ids = insert_documents(store, [document("b", title="医保与社保", body="正文", published_at=T0 + timedelta(hours=1))])
    assert _hits(store, "社保") == [ids["b"], ids["a"]]
    assert _hits(store, "社") == [ids["b"], ids["a"]]
    with store.begin() as conn:
        conn.execute(update(documents).where(documents.c.id == ids["a"]).values(title="基金审计"))
    assert _hits(store, "社保") == [ids["b"]]
    assert _hits(store, "基金") == [ids["a"]]
    aggregates.rebuild(store, "Asia/Shanghai")
    assert _hits(store, "医保") == [ids["b"]]
    with store.begin() as conn:
        conn.execute(delete(documents).where(documents.c.id == ids["b"]))
    assert _hits(store, "社保") == [] and _hits(store, "社") == []
    assert _hits(store, "审计") == [ids["a"]]
