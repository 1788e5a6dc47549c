"""full-text search over document titles and bodies (信息检索)

SQLite: an FTS5 table with the trigram tokenizer over documents.title and documents.body (external content:
the text is stored once, in documents), kept current by three triggers, filled for existing rows here.
PostgreSQL: GIN trigram indexes (pg_trgm) on documents.title and documents.body; the extension is created
in `public` when it is missing and may be created. Without pg_trgm, search still works (the same ILIKE
queries, unindexed) and a warning says so.

A later migration that recreates `documents` on SQLite (batch mode "move and copy") drops these triggers:
it must create them again (tests/test_store_search.py checks that new documents are found at head).

Revision ID: 0007_w_search
Revises: 0007_w_scale
Create Date: 2026-12-01 02:10:00
"""

import logging

from alembic import op
import sqlalchemy as sa

revision = "0007_w_search"
down_revision = "0007_w_scale"
branch_labels = None
depends_on = None

logger = logging.getLogger("alembic.runtime.migration")

SQLITE_UP = (
    "CREATE VIRTUAL TABLE documents_fts USING fts5("
    "title, body, content='documents', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER documents_fts_ai AFTER INSERT ON documents BEGIN "
    "INSERT INTO documents_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER documents_fts_ad AFTER DELETE ON documents BEGIN "
    "INSERT INTO documents_fts(documents_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); "
    "END",
    "CREATE TRIGGER documents_fts_au AFTER UPDATE OF title, body ON documents BEGIN "
    "INSERT INTO documents_fts(documents_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO documents_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "INSERT INTO documents_fts(documents_fts) VALUES ('rebuild')",
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS documents_fts_au",
    "DROP TRIGGER IF EXISTS documents_fts_ad",
    "DROP TRIGGER IF EXISTS documents_fts_ai",
    "DROP TABLE IF EXISTS documents_fts",
)
PG_INDEXES = ("ix_documents_title_trgm", "ix_documents_body_trgm")


def _trgm_schema(bind) -> str | None:
    return bind.execute(
        sa.text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'pg_trgm'"
        )
    ).scalar()


def _ensure_trgm(bind) -> str | None:
    """The schema pg_trgm lives in, creating it in `public` when needed and allowed; None if unavailable."""
    schema = _trgm_schema(bind)
    if schema:
        return schema
    available = bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).scalar()
    if not available:
        logger.warning("pg_trgm is not installed on this server: search runs without a trigram index")
        return None
    has_public = bind.execute(sa.text("SELECT 1 FROM pg_namespace WHERE nspname = 'public'")).scalar()
    where = " SCHEMA public" if has_public else ""
    try:
        with bind.begin_nested():  # a concurrent CREATE EXTENSION may win the race: then use its result
            bind.execute(sa.text(f"CREATE EXTENSION IF NOT EXISTS pg_trgm{where}"))
    except sa.exc.DBAPIError as exc:
        logger.warning("cannot create extension pg_trgm (%s): search runs without a trigram index",
                       str(exc).splitlines()[0])  # fmt: skip
    return _trgm_schema(bind)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for stmt in SQLITE_UP:
            op.execute(stmt)
        return
    schema = _ensure_trgm(bind)
    if schema is None:
        return
    opclass = f'"{schema}".gin_trgm_ops'
    for name, col in zip(PG_INDEXES, ("title", "body"), strict=True):
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON documents USING gin ({col} {opclass})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for stmt in SQLITE_DOWN:
            op.execute(stmt)
        return
    for name in PG_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
