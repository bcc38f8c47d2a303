"""deliveries, channel preferences, status lookups and satisfaction answers

Revision ID: f2b4d6e8a0c1
Revises: e7a9c1b3d5f0
Create Date: 2026-12-03 16:27:31.642508

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f2b4d6e8a0c1'
down_revision = 'e7a9c1b3d5f0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('status_lookups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('matched', sa.Boolean(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_status_lookups'))
    )
    with op.batch_alter_table('status_lookups', schema=None) as batch_op:
        batch_op.create_index('ix_status_lookups_address_at', ['address', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_status_lookups_at'), ['at'], unique=False)
        batch_op.create_index('ix_status_lookups_number_at', ['number', 'at'], unique=False)

    op.create_table('channel_preferences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('event', sa.String(length=40), nullable=False),
    sa.Column('channels', sa.String(length=40), nullable=False),
    sa.CheckConstraint('(user_id IS NULL) <> (department_id IS NULL)', name=op.f('ck_channel_preferences_one_scope')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_channel_preferences_department_id_departments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_channel_preferences_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_preferences')),
    sa.UniqueConstraint('department_id', 'event', name=op.f('uq_channel_preferences_department_id_event')),
    sa.UniqueConstraint('user_id', 'event', name=op.f('uq_channel_preferences_user_id_event'))
    )
    op.create_table('contact_points',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('mobile', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_contact_points_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_contact_points'))
    )
    op.create_table('deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('event', sa.String(length=40), nullable=False),
    sa.Column('audience', sa.String(length=10), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('provider_ref', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("channel IN ('email', 'sms')", name=op.f('ck_deliveries_channel_known')),
    sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name=op.f('ck_deliveries_status_known')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_deliveries_ticket_id_tickets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_deliveries_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries'))
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_deliveries_created', ['created_at'], unique=False)
        batch_op.create_index('ix_deliveries_status_next', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_deliveries_ticket_id'), ['ticket_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deliveries_user_id'), ['user_id'], unique=False)

    op.create_table('satisfaction_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('solved', sa.Boolean(), nullable=False),
    sa.Column('satisfaction', sa.String(length=32), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('callback_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['callback_id'], ['callbacks.id'], name=op.f('fk_satisfaction_answers_callback_id_callbacks'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_satisfaction_answers_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_satisfaction_answers')),
    sa.UniqueConstraint('ticket_id', 'round', name=op.f('uq_satisfaction_answers_ticket_id_round'))
    )
    with op.batch_alter_table('callbacks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('via', sa.String(length=10), server_default='phone', nullable=False))

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('caller_sms_opt_in', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('caller_sms_opt_in')

    with op.batch_alter_table('callbacks', schema=None) as batch_op:
        batch_op.drop_column('via')

    op.drop_table('satisfaction_answers')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deliveries_user_id'))
        batch_op.drop_index(batch_op.f('ix_deliveries_ticket_id'))
        batch_op.drop_index('ix_deliveries_status_next')
        batch_op.drop_index('ix_deliveries_created')

    op.drop_table('deliveries')
    op.drop_table('contact_points')
    op.drop_table('channel_preferences')
    with op.batch_alter_table('status_lookups', schema=None) as batch_op:
        batch_op.drop_index('ix_status_lookups_number_at')
        batch_op.drop_index(batch_op.f('ix_status_lookups_at'))
        batch_op.drop_index('ix_status_lookups_address_at')

    op.drop_table('status_lookups')
