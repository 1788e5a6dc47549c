"""a bigram index for one- and two-character search terms on SQLite (信息检索 at a million documents)

The FTS5 trigram index (0007_w_search) cannot look up a term shorter than three characters. 0010_w_speed
listed the trigrams beginning with a two-character term from the trigram vocabulary, which reads every one
of their document lists and was given up for any term in more than 20,000 documents: a common term such as
社保 (in a few percent of a year's titles) was then matched by scanning the whole year with LIKE.

This migration adds, on SQLite only, `documents_bigram`: a contentless FTS5 table (detail=none: document ids
only, no positions) whose one column holds every two-character substring of a document's title and of its
body, separated by spaces, and its last character alone (so that a one-character term is a prefix query).
The tokenizer is unicode61 with every category but separators (Z*) as token characters and no diacritics
removed, so each substring is one token, punctuation included; it folds case, so the index gives a superset
of the hits and store.fulltext checks them with LIKE. Three triggers keep the index current with every
insert, title or body change and delete, cutting the substrings in SQL (`grams`: substr over the rows of
`fulltext_positions`, texts up to 10^8 characters); the documents already stored are indexed here in
Python (the same substrings, several times faster).
It replaces the trigram-vocabulary route: `documents_fts_vocab` and the two tail indexes of 0010_w_speed
are dropped (downgrade recreates them).
PostgreSQL: nothing (pg_trgm serves LIKE there).

A later migration that recreates `documents` on SQLite (batch mode "move and copy") drops these triggers:
it must create them again (tests/test_store_search.py checks that new documents are found at head).

Revision ID: 0011_w_searchperf
Revises: 0011_w_annperf
Create Date: 2026-12-01 05:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_w_searchperf"
down_revision = "0011_w_annperf"
branch_labels = None
depends_on = None

ROWS = 1000  # rows of fulltext_positions (0 .. ROWS - 1)
BIG, SMALL = 4096, 64  # chunk sizes: substr() walks a text from its start, so a text is cut in steps


def grams(col: str) -> str:
    """SQL: the two-character substrings of `col` and its last character, space-separated (NULL for NULL or '').

    substr(x, i, n) walks x from its start, so cutting a text of L characters position by position costs L^2 / 2
    character steps (seconds for a 200,000-character body). The text is cut into chunks of BIG characters plus
    the next one (chunk numbers a * ROWS + b: texts up to ROWS^2 * BIG characters), those into chunks of SMALL
    plus one, those into the substrings: about L^2 / 2 BIG + L BIG / 2 SMALL + L SMALL / 2 steps. Each chunk is
    cut once: LIMIT -1 keeps a chunk subquery from being flattened into its join."""
    big = (
        f"SELECT substr({col}, (a.n * {ROWS} + b.n) * {BIG} + 1, {BIG + 1}) AS chunk "
        f"FROM fulltext_positions AS a, fulltext_positions AS b "
        f"WHERE a.n < (length({col}) + {ROWS * BIG - 1}) / {ROWS * BIG} "
        f"AND b.n < (length({col}) + {BIG - 1}) / {BIG} - a.n * {ROWS} LIMIT -1"
    )
    small = (
        f"SELECT substr(k1.chunk, c.n * {SMALL} + 1, {SMALL + 1}) AS chunk FROM ({big}) AS k1 "
        f"JOIN fulltext_positions AS c ON c.n < (min({BIG}, length(k1.chunk)) + {SMALL - 1}) / {SMALL} LIMIT -1"
    )
    return (
        f"(SELECT group_concat(substr(k2.chunk, d.n + 1, 2), ' ') FROM ({small}) AS k2 "
        f"JOIN fulltext_positions AS d ON d.n < min({SMALL}, length(k2.chunk)))"
    )


def doc_grams(alias: str) -> str:
    return f"coalesce({grams(alias + '.title')}, '') || ' ' || coalesce({grams(alias + '.body')}, '')"


def py_grams(text: str | None) -> str:
    """The tokens of `grams` in Python, each once (a contentless FTS5 table deletes a row by its tokens, as a set
    with detail=none; fewer repeats make indexing faster)."""
    text = text or ""
    return " ".join(dict.fromkeys([*map(str.__add__, text, text[1:]), text[-1]])) if text else ""


TOKENIZE = "unicode61 remove_diacritics 0 categories 'L* N* C* M* P* S*'"
SQLITE_UP = (
    "CREATE TABLE fulltext_positions (n INTEGER PRIMARY KEY)",
    f"WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < {ROWS - 1}) "
    "INSERT INTO fulltext_positions (n) SELECT n FROM s",
    f"CREATE VIRTUAL TABLE documents_bigram USING fts5(grams, content='', detail=none, prefix='1', tokenize=\"{TOKENIZE}\")",
    "CREATE TRIGGER documents_bigram_ai AFTER INSERT ON documents BEGIN "
    f"INSERT INTO documents_bigram(rowid, grams) VALUES (new.id, {doc_grams('new')}); END",
    "CREATE TRIGGER documents_bigram_ad AFTER DELETE ON documents BEGIN "
    f"INSERT INTO documents_bigram(documents_bigram, rowid, grams) VALUES ('delete', old.id, {doc_grams('old')}); END",
    "CREATE TRIGGER documents_bigram_au AFTER UPDATE OF title, body ON documents BEGIN "
    f"INSERT INTO documents_bigram(documents_bigram, rowid, grams) VALUES ('delete', old.id, {doc_grams('old')}); "
    f"INSERT INTO documents_bigram(rowid, grams) VALUES (new.id, {doc_grams('new')}); END",
    "DROP INDEX IF EXISTS ix_documents_body_tail",
    "DROP INDEX IF EXISTS ix_documents_title_tail",
    "DROP TABLE IF EXISTS documents_fts_vocab",
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS documents_bigram_au",
    "DROP TRIGGER IF EXISTS documents_bigram_ad",
    "DROP TRIGGER IF EXISTS documents_bigram_ai",
    "DROP TABLE IF EXISTS documents_bigram",
    "DROP TABLE IF EXISTS fulltext_positions",
    "CREATE VIRTUAL TABLE IF NOT EXISTS documents_fts_vocab USING fts5vocab(documents_fts, 'row')",
    "CREATE INDEX IF NOT EXISTS ix_documents_title_tail ON documents (lower(substr(title, -2)))",
    "CREATE INDEX IF NOT EXISTS ix_documents_body_tail ON documents (lower(substr(body, -2)))",
)


def _fill(bind, batch: int = 5000) -> None:
    """Index the documents already stored, in id order, `batch` at a time (substrings cut in Python: several
    times faster than the triggers' SQL for a million documents)."""
    after = 0
    insert = sa.text("INSERT INTO documents_bigram(rowid, grams) VALUES (:id, :grams)")
    read = sa.text("SELECT id, title, body FROM documents WHERE id > :after ORDER BY id LIMIT :batch")
    while rows := bind.execute(read, {"after": after, "batch": batch}).all():
        bind.execute(insert, [{"id": i, "grams": py_grams(t) + " " + py_grams(b)} for i, t, b in rows])
        after = rows[-1][0]


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for stmt in SQLITE_UP:
            op.execute(stmt)
        _fill(bind)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for stmt in SQLITE_DOWN:
            op.execute(stmt)
