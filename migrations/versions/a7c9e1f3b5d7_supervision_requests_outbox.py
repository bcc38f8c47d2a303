"""Supervision requests: the tickets package's outbox to escalation (a repeat, an unsatisfied callback or a
closing ticket asks for supervision to open, rise or end; escalation handles the row in the same
transaction, and its sweep handles any row left unhandled).

Revision ID: a7c9e1f3b5d7
Revises: b2d4f6a8c0e1
Create Date: 2026-12-03 15:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'a7c9e1f3b5d7'
down_revision = 'b2d4f6a8c0e1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'supervision_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('level', sa.Integer(), nullable=True),
        sa.Column('trigger', sa.String(length=40), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('raise', 'close')", name=op.f('ck_supervision_requests_kind_known')),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_supervision_requests_actor_id_users')),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_supervision_requests_ticket_id_tickets'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_requests')),
    )
    with op.batch_alter_table('supervision_requests', schema=None) as batch_op:
        batch_op.create_index('ix_supervision_requests_ticket_id', ['ticket_id'], unique=False)
        batch_op.create_index('ix_supervision_requests_unhandled', ['requested_at'], unique=False,
                              sqlite_where=sa.text('handled_at IS NULL'),
                              postgresql_where=sa.text('handled_at IS NULL'))


def downgrade():
    with op.batch_alter_table('supervision_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_supervision_requests_unhandled')
        batch_op.drop_index('ix_supervision_requests_ticket_id')
    op.drop_table('supervision_requests')
