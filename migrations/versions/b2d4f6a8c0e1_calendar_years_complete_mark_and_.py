"""a complete mark per calendar year; deadline recomputations after the rules of time change

Revision ID: b2d4f6a8c0e1
Revises: 9b3f6d2e8a11
Create Date: 2026-12-03 14:00:06

Before this revision any admin-entered day made its year count as known. To keep every stored
deadline on the rules it was computed with, each year that already has admin-entered days is
marked complete here; from now on a new year counts only once an admin marks it.
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b2d4f6a8c0e1'
down_revision = 'c3a1e7f0b9d2'
branch_labels = None
depends_on = None


def upgrade():
    years = op.create_table(
        'calendar_years',
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('complete', sa.Boolean(), nullable=False),
        sa.Column('changed_by_id', sa.Integer(), nullable=True),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_calendar_years_changed_by_id_users')),
        sa.PrimaryKeyConstraint('year', name=op.f('pk_calendar_years')))
    op.create_table(
        'deadline_recomputes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cause', sa.JSON(), nullable=False),
        sa.Column('status', sa.Enum('queued', 'running', 'finished', name='recompute_status', native_enum=False,
                                    create_constraint=True, length=32), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('changed', sa.Integer(), nullable=False),
        sa.Column('last_ticket_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'],
                                name=op.f('fk_deadline_recomputes_requested_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_deadline_recomputes')))
    with op.batch_alter_table('deadline_recomputes', schema=None) as batch_op:
        batch_op.create_index('ix_deadline_recomputes_status', ['status', 'heartbeat_at'], unique=False)

    days = sa.table('calendar_days', sa.column('day', sa.Date()))
    entered = {day.year for day in op.get_bind().execute(sa.select(days.c.day)).scalars()}
    if entered:
        now = datetime.now(UTC)
        stamp = now.replace(tzinfo=None) if op.get_bind().dialect.name == 'sqlite' else now
        op.bulk_insert(years, [{'year': y, 'complete': True, 'changed_by_id': None, 'changed_at': stamp}
                               for y in sorted(entered)])


def downgrade():
    with op.batch_alter_table('deadline_recomputes', schema=None) as batch_op:
        batch_op.drop_index('ix_deadline_recomputes_status')
    op.drop_table('deadline_recomputes')
    op.drop_table('calendar_years')
