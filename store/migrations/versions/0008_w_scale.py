"""scale: stored document time, document_plans, daily counts and totals, daily and monthly keyword counts

Revision ID: 0007_w_scale
Revises: 0007_w_events
Create Date: 2026-12-01 02:30:00

documents.doc_time is back-filled (coalesce(published_at, first_seen_at)) and document_plans from the JSON
plans column, in SQL. The daily counts start empty: the next `yuqing analyze` (or `yuqing aggregates
rebuild`) fills them in the configured timezone (store.aggregates); until then the dashboard counts the
documents themselves.
"""

import sqlalchemy as sa
from alembic import op

from store.schema import UTCDateTime

revision = "0007_w_scale"
down_revision = "0007_w_events"
branch_labels = None
depends_on = None

DOC_INDEXES = {
    "ix_documents_doc_time": ["doc_time", "sentiment_label", "source", "level", "id"],
    "ix_documents_source_doc_time": ["source", "doc_time"],
    "ix_documents_agg_day_doc_time": ["agg_day", "doc_time"],
    "ix_documents_source_first_seen": ["source", "first_seen_at"],
    "ix_documents_region_province": ["region_province"],
    "ix_documents_region_city": ["region_city"],
    "ix_documents_region_county": ["region_county"],
    "ix_documents_region": ["region"],
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column("documents", sa.Column("doc_time", UTCDateTime(), nullable=True))
    op.add_column("documents", sa.Column("agg_day", sa.Date(), nullable=True))
    op.execute("UPDATE documents SET doc_time = coalesce(published_at, first_seen_at)")
    for name, cols in DOC_INDEXES.items():
        op.create_index(name, "documents", cols, unique=False)
    op.create_table(
        "document_plans",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("plan", sa.String(length=200), nullable=False),
        sa.Column("doc_time", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE",
                                name=op.f("fk_document_plans_document_id_documents")),  # fmt: skip
        sa.PrimaryKeyConstraint("document_id", "plan", name=op.f("pk_document_plans")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_document_plans_plan_doc_time", "document_plans", ["plan", "doc_time"], unique=False)
    if dialect == "sqlite":
        op.execute(
            "INSERT INTO document_plans (document_id, plan, doc_time) SELECT DISTINCT d.id, j.value, d.doc_time "
            "FROM documents AS d, json_each(d.plans) AS j WHERE json_valid(d.plans) AND j.type = 'text'"
        )
    else:
        op.execute(
            "INSERT INTO document_plans (document_id, plan, doc_time) SELECT DISTINCT d.id, p.value, d.doc_time "
            "FROM documents AS d, json_array_elements_text(CASE WHEN json_typeof(d.plans) = 'array' "
            "THEN d.plans ELSE '[]'::json END) AS p(value)"
        )
    def counts():
        return [
            sa.Column("day", sa.Date(), nullable=False),
            sa.Column("source", sa.String(length=200), nullable=False),
            sa.Column("level", sa.String(length=32), nullable=False),
            sa.Column("sentiment", sa.String(length=8), nullable=False),
        ]

    op.create_table(
        "daily_counts",
        sa.Column("plan_set", sa.String(length=1000), nullable=False),
        *counts(),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("n_office", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("plan_set", "day", "source", "level", "sentiment", name=op.f("pk_daily_counts")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "daily_totals",
        *counts(),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("n_office", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "source", "level", "sentiment", name=op.f("pk_daily_totals")),
        sqlite_with_rowid=False,
    )
    for table, period in (("daily_keywords", "day"), ("monthly_keywords", "month")):
        op.create_table(
            table,
            sa.Column(period, sa.Date(), nullable=False),
            sa.Column("keyword", sa.String(length=200), nullable=False),
            sa.Column("n", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint(period, "keyword", name=op.f(f"pk_{table}")),
            sqlite_with_rowid=False,
        )


def downgrade() -> None:
    for table in ("monthly_keywords", "daily_keywords", "daily_totals", "daily_counts"):
        op.drop_table(table)
    op.drop_index("ix_document_plans_plan_doc_time", table_name="document_plans")
    op.drop_table("document_plans")
    for name in DOC_INDEXES:
        op.drop_index(name, table_name="documents")
    op.drop_column("documents", "agg_day")
    op.drop_column("documents", "doc_time")
    # the daily counts' timezone mark goes with them
    op.execute("DELETE FROM analysis_state WHERE key = 'aggregates'")
