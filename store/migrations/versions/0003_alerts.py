"""alerts outbox: alerts_sent becomes the item outbox (status, rule, event, message), alert_messages holds
what is delivered (rendered parts, attempts, backoff, lease)

Revision ID: 0003_alerts
Revises: 0002
Create Date: 2026-11-23 09:00:00
"""

from alembic import op
import sqlalchemy as sa

from store.schema import UTCDateTime


revision = '0003_alerts'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('alerts_sent', schema=None) as batch_op:
        batch_op.alter_column('sent_at', existing_type=UTCDateTime(), nullable=True)
        batch_op.add_column(sa.Column('item_key', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('rule', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('trigger', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('channel_name', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('event_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('document_ids', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('urgent', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('status', sa.String(length=16), nullable=False, server_default='sent'))
        batch_op.add_column(sa.Column('message_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('created_at', UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('note', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_alerts_sent_item_key'), ['item_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_sent_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_sent_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_sent_message_id'), ['message_id'], unique=False)
    # rows written before this revision (none are expected: the table was unused) count as sent
    with op.batch_alter_table('alerts_sent', schema=None) as batch_op:
        batch_op.alter_column('status', server_default=None)
        batch_op.alter_column('document_ids', server_default=None)
        batch_op.alter_column('urgent', server_default=None)

    op.create_table('alert_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_key', sa.String(length=64), nullable=False),
    sa.Column('recipient', sa.String(length=200), nullable=False),
    sa.Column('channel_name', sa.String(length=100), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('address', sa.String(length=320), nullable=True),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('parts', sa.JSON(), nullable=False),
    sa.Column('parts_sent', sa.Integer(), nullable=False),
    sa.Column('item_count', sa.Integer(), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', UTCDateTime(), nullable=True),
    sa.Column('claimed_at', UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('sent_at', UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_messages')),
    sa.UniqueConstraint('message_key', name=op.f('uq_alert_messages_message_key'))
    )
    with op.batch_alter_table('alert_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_messages_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_messages_next_attempt_at'), ['next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_messages_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_alert_messages_recipient_channel', ['recipient', 'channel_name'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('alert_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_alert_messages_recipient_channel')
        batch_op.drop_index(batch_op.f('ix_alert_messages_created_at'))
        batch_op.drop_index(batch_op.f('ix_alert_messages_next_attempt_at'))
        batch_op.drop_index(batch_op.f('ix_alert_messages_status'))
    op.drop_table('alert_messages')
    with op.batch_alter_table('alerts_sent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alerts_sent_message_id'))
        batch_op.drop_index(batch_op.f('ix_alerts_sent_status'))
        batch_op.drop_index(batch_op.f('ix_alerts_sent_event_id'))
        batch_op.drop_index(batch_op.f('ix_alerts_sent_item_key'))
        for col in ('note', 'created_at', 'message_id', 'status', 'urgent', 'document_ids', 'event_id',
                    'channel_name', 'trigger', 'rule', 'item_key'):
            batch_op.drop_column(col)
        batch_op.alter_column('sent_at', existing_type=UTCDateTime(), nullable=False)
