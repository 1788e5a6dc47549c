"""a report's period read from the index: ix_documents_doc_time also covers target and event_id

A 日报 / 周报 counts its period's documents by sentiment, target (criticism of the office), source, level and
event (store.reports.period_profile, period_counts). With target and event_id in the doc_time index, that
pass reads only index entries instead of every document row (a week at a million documents a year is
~20,000 rows, each on a page full of body text).

Revision ID: 0013_w_period
Revises: 0011_w_searchperf
Create Date: 2026-12-01 06:45:00
"""

from alembic import op

revision = "0013_w_period"
down_revision = "0011_w_searchperf"
branch_labels = None
depends_on = None

BEFORE = ["doc_time", "sentiment_label", "source", "level", "id"]
AFTER = ["doc_time", "sentiment_label", "source", "level", "target", "event_id", "id"]


def upgrade() -> None:
    op.drop_index("ix_documents_doc_time", table_name="documents")
    op.create_index("ix_documents_doc_time", "documents", AFTER, unique=False)


def downgrade() -> None:
    op.drop_index("ix_documents_doc_time", table_name="documents")
    op.create_index("ix_documents_doc_time", "documents", BEFORE, unique=False)
