"""audit rollups record the definitions they were computed with (inquiries apart: old rollups are recomputed)

Revision ID: c3a1e7f0b9d2
Revises: 9b3f6d2e8a11
Create Date: 2026-12-02 10:00:00

Every existing rollup was computed when dispatched inquiries still counted in the complaint
measures; it gets definition 1, which the application no longer serves, so the rollup job
recomputes it. The downgrade deletes the rollups (a cache): the older code would otherwise serve
figures computed with the newer definitions.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c3a1e7f0b9d2'
down_revision = 'a1f3c5e7b9d0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_rollups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('definition', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    op.execute(sa.text('DELETE FROM audit_rollups'))
    with op.batch_alter_table('audit_rollups', schema=None) as batch_op:
        batch_op.drop_column('definition')
