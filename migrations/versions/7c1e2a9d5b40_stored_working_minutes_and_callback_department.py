"""stored working minutes on assignments; the judged lead department on callbacks

Revision ID: 7c1e2a9d5b40
Revises: 4039de7ef246
Create Date: 2026-11-28 15:45:00

The audit's average times (dispatch → sign, first contact, submit) were computed by walking the
working calendar in Python for every row of the month; they are now stored when the step happens.
Callbacks now carry the lead department whose reply the caller judged and whether that reply said
solved, so the callback measures group and filter without a correlated subquery per row.
Existing rows are backfilled here.
"""
from datetime import UTC

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '7c1e2a9d5b40'
down_revision = '4039de7ef246'
branch_labels = None
depends_on = None

BATCH = 5000
# The lead assignment of the callback's round that submitted the reply (the latest one, as the
# audit attributed it before this migration).
CALLBACK_BACKFILL = sa.text("""
    UPDATE callbacks SET
      department_id = (SELECT a.department_id FROM assignments a
                       WHERE a.ticket_id = callbacks.ticket_id AND a.role = 'lead'
                         AND a.status = 'submitted' AND a.round = callbacks.round
                       ORDER BY a.id DESC LIMIT 1),
      reply_solved = (SELECT a.reply_solved FROM assignments a
                      WHERE a.ticket_id = callbacks.ticket_id AND a.role = 'lead'
                        AND a.status = 'submitted' AND a.round = callbacks.round
                      ORDER BY a.id DESC LIMIT 1)
""")


def upgrade():
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sign_minutes', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('contact_minutes', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('submit_minutes', sa.Float(), nullable=True))

    with op.batch_alter_table('callbacks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('department_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reply_solved', sa.Boolean(), nullable=True))
        batch_op.create_foreign_key('fk_callbacks_department_id_departments', 'departments', ['department_id'], ['id'])
        batch_op.create_index('ix_callbacks_department_at', ['department_id', 'at'], unique=False)

    bind = op.get_bind()
    # The lead assignment of the callback's round that submitted the reply (the latest one, as the
    # audit attributed it before this migration).
    bind.execute(CALLBACK_BACKFILL)
    _backfill_minutes(bind)


def _backfill_minutes(bind):
    """Working minutes for assignments that already signed, contacted or submitted (in batches by id).

    Uses the application's working clock (the calendar as the admins keep it), as the services do.
    """
    from hotline.worktime.calendar import working_clock

    clock = None
    update = sa.text("UPDATE assignments SET sign_minutes = :s, contact_minutes = :c, submit_minutes = :m "
                     "WHERE id = :id")
    select = sa.text("SELECT id, dispatched_at, signed_at, first_contact_at, submitted_at FROM assignments "
                     "WHERE id > :last AND (signed_at IS NOT NULL OR first_contact_at IS NOT NULL "
                     "OR submitted_at IS NOT NULL) ORDER BY id LIMIT :n")

    def minutes(start, instant):
        if instant is None:
            return None
        return max(0.0, clock.working_minutes_between(_instant(start), _instant(instant)))

    last = 0
    while True:
        rows = bind.execute(select, {"last": last, "n": BATCH}).all()
        if not rows:
            return
        clock = clock or working_clock()
        bind.execute(update, [{"id": r[0], "s": minutes(r[1], r[2]), "c": minutes(r[1], r[3]),
                               "m": minutes(r[1], r[4])} for r in rows])
        last = rows[-1][0]


def _instant(value):
    """SQLite hands back UTC wall time as text for raw SQL; PostgreSQL an aware datetime."""
    from datetime import datetime

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def downgrade():
    with op.batch_alter_table('callbacks', schema=None) as batch_op:
        batch_op.drop_index('ix_callbacks_department_at')
        batch_op.drop_constraint('fk_callbacks_department_id_departments', type_='foreignkey')
        batch_op.drop_column('reply_solved')
        batch_op.drop_column('department_id')

    if op.get_bind().dialect.name == "sqlite":
        # Plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35): a batch rebuild of assignments would drop the
        # table that contact attempts, extensions and events point at, which foreign keys refuse.
        for column in ('submit_minutes', 'contact_minutes', 'sign_minutes'):
            op.execute(f'ALTER TABLE assignments DROP COLUMN {column}')
        return
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_column('submit_minutes')
        batch_op.drop_column('contact_minutes')
        batch_op.drop_column('sign_minutes')
