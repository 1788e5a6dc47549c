"""scheduler jobs and heartbeat (yuqing serve)

Revision ID: 0003_serve
Revises: 0003_alerts
Create Date: 2026-11-23 08:00:00
"""

from alembic import op
import sqlalchemy as sa

from store.schema import UTCDateTime


revision = '0003_serve'
down_revision = '0003_alerts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('scheduler_jobs',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('last_started_at', UTCDateTime(), nullable=True),
    sa.Column('last_finished_at', UTCDateTime(), nullable=True),
    sa.Column('last_status', sa.String(length=16), nullable=True),
    sa.Column('last_ok_at', UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_summary', sa.Text(), nullable=True),
    sa.Column('consecutive_failures', sa.Integer(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('runs', sa.Integer(), nullable=False),
    sa.Column('next_run_at', UTCDateTime(), nullable=True),
    sa.Column('updated_at', UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_scheduler_jobs'))
    )
    op.create_table('scheduler_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('host', sa.String(length=200), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('started_at', UTCDateTime(), nullable=False),
    sa.Column('heartbeat_at', UTCDateTime(), nullable=False),
    sa.Column('heartbeat_seconds', sa.Integer(), nullable=False),
    sa.Column('stopped_at', UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduler_state'))
    )


def downgrade() -> None:
    op.drop_table('scheduler_state')
    op.drop_table('scheduler_jobs')
