"""history checkpoints (each ticket chain's head, per transaction) and their signed daily digests

Revision ID: e5f7a9c1d3b4
Revises: c3a1e7f0b9d2
Create Date: 2026-12-05 10:00:00

The upgrade anchors every existing history at its current head (the last event of each ticket),
so verification has a checkpoint for what was there before; it cannot vouch for what happened to
a history before this migration. The downgrade drops both tables.
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e5f7a9c1d3b4'
down_revision = 'a7c9e1f3b5d7'
branch_labels = None
depends_on = None


def upgrade():
    checkpoints = op.create_table(
        'history_checkpoints',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_history_checkpoints')))
    with op.batch_alter_table('history_checkpoints', schema=None) as batch_op:
        batch_op.create_index('ix_history_checkpoints_ticket_seq', ['ticket_id', 'seq'], unique=False)
        batch_op.create_index('ix_history_checkpoints_created_id', ['created_at', 'id'], unique=False)
    op.create_table(
        'history_digests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cutoff', sa.DateTime(timezone=True), nullable=False),
        sa.Column('rows', sa.Integer(), nullable=False),
        sa.Column('prev_mac', sa.String(length=64), nullable=False),
        sa.Column('mac', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_history_digests')),
        sa.UniqueConstraint('cutoff', name=op.f('uq_history_digests_cutoff')),
        sa.UniqueConstraint('prev_mac', name=op.f('uq_history_digests_prev_mac')))

    events = sa.table('events', sa.column('ticket_id', sa.Integer()), sa.column('seq', sa.Integer()),
                      sa.column('hash', sa.String()))
    later = events.alias('later')
    now = sa.literal(datetime.now(UTC), sa.DateTime(timezone=True))
    heads = (sa.select(events.c.ticket_id, events.c.seq, events.c.hash, now)
             .where(~sa.exists().where(later.c.ticket_id == events.c.ticket_id, later.c.seq > events.c.seq))
             .order_by(events.c.ticket_id))
    op.execute(checkpoints.insert().from_select(['ticket_id', 'seq', 'hash', 'created_at'], heads))


def downgrade():
    op.drop_table('history_digests')
    with op.batch_alter_table('history_checkpoints', schema=None) as batch_op:
        batch_op.drop_index('ix_history_checkpoints_created_id')
        batch_op.drop_index('ix_history_checkpoints_ticket_seq')
    op.drop_table('history_checkpoints')
