"""login sessions kept on the server, the users' session version, failed logins and lockouts

Revision ID: d4e6a8b0c2f3
Revises: 9b3f6d2e8a11
Create Date: 2026-12-03 12:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd4e6a8b0c2f3'
down_revision = 'e5f7a9c1d3b4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1', nullable=False))

    op.create_table('user_sessions',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('user_id', sa.Integer(), nullable=False),
                    sa.Column('token_hash', sa.String(length=64), nullable=False),
                    sa.Column('remember', sa.Boolean(), nullable=False),
                    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
                    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
                    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
                    sa.Column('address', sa.String(length=64), nullable=False),
                    sa.Column('user_agent', sa.String(length=200), nullable=False),
                    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
                    sa.Column('end_reason', sa.String(length=32), nullable=True),
                    sa.Column('ended_by_id', sa.Integer(), nullable=True),
                    sa.ForeignKeyConstraint(['ended_by_id'], ['users.id'],
                                            name=op.f('fk_user_sessions_ended_by_id_users'), ondelete='SET NULL'),
                    sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                            name=op.f('fk_user_sessions_user_id_users'), ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
                    sa.UniqueConstraint('token_hash', name=op.f('uq_user_sessions_token_hash')))
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)

    op.create_table('login_failures',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('account', sa.String(length=64), nullable=False),
                    sa.Column('address', sa.String(length=64), nullable=False),
                    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures')))
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index('ix_login_failures_account_address_at', ['account', 'address', 'at'], unique=False)
        batch_op.create_index('ix_login_failures_address_at', ['address', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failures_at'), ['at'], unique=False)

    op.create_table('login_lockouts',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('account', sa.String(length=64), nullable=True),
                    sa.Column('address', sa.String(length=64), nullable=False),
                    sa.Column('failures', sa.Integer(), nullable=False),
                    sa.Column('locked_at', sa.DateTime(timezone=True), nullable=False),
                    sa.Column('until', sa.DateTime(timezone=True), nullable=False),
                    sa.Column('unlocked_at', sa.DateTime(timezone=True), nullable=True),
                    sa.Column('unlocked_by_id', sa.Integer(), nullable=True),
                    sa.ForeignKeyConstraint(['unlocked_by_id'], ['users.id'],
                                            name=op.f('fk_login_lockouts_unlocked_by_id_users'), ondelete='SET NULL'),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_lockouts')))
    with op.batch_alter_table('login_lockouts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_lockouts_locked_at'), ['locked_at'], unique=False)


def downgrade():
    with op.batch_alter_table('login_lockouts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_lockouts_locked_at'))
    op.drop_table('login_lockouts')
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_failures_at'))
        batch_op.drop_index('ix_login_failures_address_at')
        batch_op.drop_index('ix_login_failures_account_address_at')
    op.drop_table('login_failures')
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))
    op.drop_table('user_sessions')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
