"""people's marks: event acknowledgement (值班领导), assignment time; site-watch acknowledgement and 误报 on
impersonation candidates and own-site integrity findings (who and when)

Revision ID: 0007_w_events
Revises: 0003_auth
Create Date: 2026-12-01 02:30:00
"""

import sqlalchemy as sa
from alembic import op

from store.schema import UTCDateTime

revision = "0007_w_events"
down_revision = "0003_auth"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch mode: SQLite cannot ALTER TABLE ... ADD COLUMN with every option; existing rows are kept
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("assigned_by", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("assigned_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("acknowledged_by", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("acknowledged_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("site_candidates") as batch:
        batch.add_column(sa.Column("acknowledged_by", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("acknowledged_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("integrity_findings") as batch:
        batch.add_column(sa.Column("review", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("review_by", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("review_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("review_note", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("integrity_findings") as batch:
        for col in ("review_note", "review_at", "review_by", "review"):
            batch.drop_column(col)
    with op.batch_alter_table("site_candidates") as batch:
        for col in ("acknowledged_at", "acknowledged_by"):
            batch.drop_column(col)
    with op.batch_alter_table("events") as batch:
        for col in ("acknowledged_at", "acknowledged_by", "assigned_at", "assigned_by"):
            batch.drop_column(col)
