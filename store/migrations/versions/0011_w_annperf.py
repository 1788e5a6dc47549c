"""announcement_links: the documents citing each 审计结果公告's number or naming its subject

The 公告反响 page searched the full text once per 公告 and way of linking on every render; on PostgreSQL the
trigram index reads the posting lists of common trigrams (审计, 公告 …) each time, so a page of 100 公告 took
seconds. The analysis job now finds these links once (jobs.announcement_links) and the page reads them here.
The table starts empty and without a state record: until the next `yuqing analyze` fills it, the page
searches as before (store.announcements).

Revision ID: 0011_w_annperf
Revises: 0010_w_speed
Create Date: 2026-12-01 05:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_w_annperf"
down_revision = "0010_w_speed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "announcement_links",
        sa.Column("announcement_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("announcement_id", "kind", "document_id", name=op.f("pk_announcement_links")),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("announcement_links")
    op.execute("DELETE FROM analysis_state WHERE key = 'announcement_links'")
