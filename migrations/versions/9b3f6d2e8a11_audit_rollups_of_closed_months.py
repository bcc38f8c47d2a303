"""audit rollups of closed months, the log of late changes, a BRIN index for the on-time range

Revision ID: 9b3f6d2e8a11
Revises: 7c1e2a9d5b40
Create Date: 2026-11-28 16:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '9b3f6d2e8a11'
down_revision = '7c1e2a9d5b40'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_rollups',
                    sa.Column('month', sa.String(length=7), nullable=False),
                    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
                    sa.Column('seconds', sa.Float(), nullable=False),
                    sa.Column('version', sa.Integer(), nullable=False),
                    sa.Column('data', sa.JSON(), nullable=False),
                    sa.PrimaryKeyConstraint('month'))
    op.create_table('audit_changes',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('month', sa.String(length=7), nullable=False),
                    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('audit_changes', schema=None) as batch_op:
        batch_op.create_index('ix_audit_changes_month', ['month'], unique=False)
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index('ix_assignments_resolve_due_range', ['resolve_due_at'], unique=False,
                              postgresql_using='brin')


def downgrade():
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index('ix_assignments_resolve_due_range')
    with op.batch_alter_table('audit_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_changes_month')
    op.drop_table('audit_changes')
    op.drop_table('audit_rollups')
