"""edges: 64-bit engagement counts, quarantine for items the store refused

Revision ID: 0003_edges
Revises: 0003_serve
Create Date: 2026-11-24 09:00:00
"""

import sqlalchemy as sa
from alembic import op

from store.schema import UTCDateTime

revision = "0003_edges"
down_revision = "0003_serve"
branch_labels = None
depends_on = None

COUNTS = ("reposts", "comments", "likes", "reads")


def upgrade() -> None:
    # SQLite's INTEGER already holds 64 bits; PostgreSQL's integer stops at 2,147,483,647
    if op.get_bind().dialect.name == "postgresql":
        for col in COUNTS:
            op.alter_column("documents", col, type_=sa.BigInteger(), existing_type=sa.Integer(),
                            existing_nullable=False)  # fmt: skip
    op.create_table(
        "quarantine",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("spider", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("item", sa.Text(), nullable=False),
        sa.Column("quarantined_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantine")),
    )
    op.create_index(op.f("ix_quarantine_source"), "quarantine", ["source"], unique=False)
    op.create_index(op.f("ix_quarantine_quarantined_at"), "quarantine", ["quarantined_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_quarantine_quarantined_at"), table_name="quarantine")
    op.drop_index(op.f("ix_quarantine_source"), table_name="quarantine")
    op.drop_table("quarantine")
    if op.get_bind().dialect.name == "postgresql":
        for col in COUNTS:
            op.alter_column("documents", col, type_=sa.Integer(), existing_type=sa.BigInteger(),
                            existing_nullable=False)  # fmt: skip
