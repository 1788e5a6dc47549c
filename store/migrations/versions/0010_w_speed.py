"""two-character search terms through indexes on SQLite (信息检索 at a million documents)

The FTS5 trigram index (0007_w_search) cannot look up a term shorter than three characters, so such terms
were matched by scanning every document of the time window. A two-character term occurs either at the start
of some indexed trigram, or as the last two characters of a title or body. So this migration adds, on
SQLite only:
- `documents_fts_vocab`: an fts5vocab table over documents_fts (the trigrams, in order, with their document
  counts), to list the trigrams that begin with a term (a range of the vocabulary);
- two expression indexes on the last two characters of the title and of the body, ASCII letters folded
  (lower(), which folds ASCII only, like LIKE), for the occurrences at the very end.
store.fulltext combines them (and keeps scanning for terms common enough that a scan finds them at once).
PostgreSQL: nothing (pg_trgm serves LIKE there).

A later migration that recreates `documents` on SQLite (batch mode "move and copy") drops the expression
indexes: it must create them again (tests/test_store_search.py checks two-character search at head).

Revision ID: 0010_w_speed
Revises: 0007_w_search
Create Date: 2026-12-01 03:20:00
"""

from alembic import op

revision = "0010_w_speed"
down_revision = "0007_w_search"
branch_labels = None
depends_on = None

SQLITE_UP = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS documents_fts_vocab USING fts5vocab(documents_fts, 'row')",
    "CREATE INDEX IF NOT EXISTS ix_documents_title_tail ON documents (lower(substr(title, -2)))",
    "CREATE INDEX IF NOT EXISTS ix_documents_body_tail ON documents (lower(substr(body, -2)))",
)
SQLITE_DOWN = (
    "DROP INDEX IF EXISTS ix_documents_body_tail",
    "DROP INDEX IF EXISTS ix_documents_title_tail",
    "DROP TABLE IF EXISTS documents_fts_vocab",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for stmt in SQLITE_UP:
            op.execute(stmt)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for stmt in SQLITE_DOWN:
            op.execute(stmt)
