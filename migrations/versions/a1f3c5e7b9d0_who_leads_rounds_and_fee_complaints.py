"""Who leads, rounds, and fee complaints: the respondent body and the place (属地) in routing, a
ticket-level round with the live-assignment invariant (repairing existing rows), and bribe-seeking
split from arbitrary fees, fines and levies.

* ``tickets.respondent_name`` / ``respondent_department_id`` (被反映单位), ``tickets.round``;
* ``categories.territorial`` (the place leads; False: the competent bureau leads everywhere);
* assignments may be ``withdrawn`` (the lead returned the whole ticket);
* rounds renumbered per ticket (one round per distinct dispatch instant), the ticket's current
  round stored; a live part left in an earlier round, or a second live part of one department,
  is withdrawn with a hash-chained event each; then a partial unique index keeps one live part
  per department and ticket;
* category ``bribery_fees`` becomes ``bribery`` (吃拿卡要, a report for the discipline commission)
  and a new ``arbitrary_fees`` (乱收费、乱罚款、乱摊派, a complaint against the charging body,
  market regulation by default) takes its tickets that are not about bribes; a ``price`` routing
  rule sends price matters to market regulation.

Revision ID: a1f3c5e7b9d0
Revises: 9b3f6d2e8a11
Create Date: 2026-12-03 14:30:00
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from hotline.db import UTCDateTime
from hotline.tickets import chain

revision = 'a1f3c5e7b9d0'
down_revision = '9b3f6d2e8a11'
branch_labels = None
depends_on = None

OLD_STATES = ('dispatched', 'signed', 'contacted', 'submitted', 'returned')
NEW_STATES = OLD_STATES + ('withdrawn',)
LIVE = "status IN ('contacted', 'dispatched', 'signed')"
BRIBE_WORDS = ('吃拿卡要', '索要', '好处费', '吃请', '购物卡', '红包', '回扣', '索贿', '受贿')


def _state_enum(values):
    return sa.Enum(*values, name='assignment_state', native_enum=False, create_constraint=True, length=32)


def upgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('respondent_name', sa.String(length=120), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('respondent_department_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('round', sa.Integer(), nullable=False, server_default='0'))
        batch_op.create_foreign_key(batch_op.f('fk_tickets_respondent_department_id_departments'), 'departments',
                                    ['respondent_department_id'], ['id'])
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('territorial', sa.Boolean(), nullable=False, server_default=sa.true()))
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.alter_column('status', existing_type=_state_enum(OLD_STATES), type_=_state_enum(NEW_STATES),
                              existing_nullable=False)
    _renumber_rounds()
    _withdraw_stale_live_parts()
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index('uq_assignments_one_live_per_department', ['ticket_id', 'department_id'], unique=True,
                              sqlite_where=sa.text(LIVE), postgresql_where=sa.text(LIVE))
    _split_bribery_and_fees()
    op.execute("DELETE FROM settings WHERE key = 'reference_generation'")  # processes reload reference data


def _renumber_rounds():
    """One round per distinct dispatch instant of a ticket (all parts of a dispatch share it)."""
    op.execute("UPDATE assignments SET round = -id")  # no transient clash with the unique (ticket, dept, round)
    op.execute("UPDATE assignments SET round = (SELECT COUNT(DISTINCT a2.dispatched_at) FROM assignments a2 "
               "WHERE a2.ticket_id = assignments.ticket_id AND a2.dispatched_at <= assignments.dispatched_at)")
    op.execute("UPDATE tickets SET round = COALESCE((SELECT MAX(a.round) FROM assignments a "
               "WHERE a.ticket_id = tickets.id), 0)")


def _withdraw_stale_live_parts():
    """Withdraw live parts outside the ticket's current round, a department's second live part, and the
    live parts of a ticket whose lead returned it (each with an event on the ticket's chain)."""
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT a.id, a.ticket_id, a.department_id, a.round, a.status, t.round, t.status, d.code "
        "FROM assignments a JOIN tickets t ON t.id = a.ticket_id JOIN departments d ON d.id = a.department_id "
        f"WHERE a.{LIVE} ORDER BY a.ticket_id, a.id DESC")).all()
    seen, stale = set(), []
    for a_id, ticket_id, dept_id, rnd, status, current, ticket_status, code in rows:
        if rnd != current or (ticket_id, dept_id) in seen or ticket_status == 'returned':
            stale.append((a_id, ticket_id, status, code))
        seen.add((ticket_id, dept_id))
    now = datetime.now(UTC)
    for a_id, ticket_id, status, code in sorted(stale, key=lambda r: (r[1], r[0])):
        conn.execute(sa.text("UPDATE assignments SET status = 'withdrawn' WHERE id = :id"), {"id": a_id})
        head = conn.execute(sa.text("SELECT seq, hash FROM events WHERE ticket_id = :t ORDER BY seq DESC LIMIT 1"),
                            {"t": ticket_id}).first()
        seq, prev = (head[0] + 1, head[1]) if head else (1, chain.GENESIS)
        fields = {"ticket_id": ticket_id, "seq": seq, "assignment_id": a_id, "actor_id": None,
                  "action": "assignment_withdraw", "from_state": status, "to_state": "withdrawn",
                  "data": {"department": code, "because": "round_repair"}, "created_at": now}
        conn.execute(EVENTS.insert().values(**fields, prev_hash=prev, hash=chain.event_hash(prev, fields)))


EVENTS = sa.table('events', sa.column('ticket_id', sa.Integer), sa.column('seq', sa.Integer),
                  sa.column('assignment_id', sa.Integer), sa.column('actor_id', sa.Integer),
                  sa.column('action', sa.String), sa.column('from_state', sa.String), sa.column('to_state', sa.String),
                  sa.column('data', sa.JSON), sa.column('created_at', UTCDateTime),
                  sa.column('prev_hash', sa.String), sa.column('hash', sa.String))


def _split_bribery_and_fees():
    conn = op.get_bind()
    old = conn.execute(sa.text("SELECT id, position, policy_id FROM categories WHERE code = 'bribery_fees'")).first()
    if old is None:
        return  # a database whose categories were never seeded, or already split by hand
    cat_id, position, policy_id = old
    conn.execute(sa.text(
        "UPDATE categories SET code = 'bribery', name_zh = '吃拿卡要', name_en = 'Bribe-seeking (吃拿卡要)', "
        "keywords = '吃拿卡要 索要 好处费 吃请 购物卡 红包', "
        "description_zh = '工作人员利用职务便利索要、收受财物，或者接受吃请。' WHERE id = :id"), {"id": cat_id})
    conn.execute(sa.text("UPDATE categories SET position = position + 1 WHERE position > :p"), {"p": position})
    conn.execute(sa.text(
        "INSERT INTO categories (code, name_zh, name_en, description_zh, keywords, is_misconduct, territorial, "
        "default_kind, policy_id, position, active) VALUES ('arbitrary_fees', '乱收费、乱罚款、乱摊派', "
        "'Arbitrary fees, fines or levies', "
        "'违规收费、罚款、摊派，或者超标准、超范围收费。由收费单位答复，价格问题由市场监管部门协办。', "
        "'乱收费 乱罚款 摊派 收费 罚款 退费', :f, :t, 'complaint', :policy, :p, :t)"),
        {"policy": policy_id, "p": position + 1, "t": True, "f": False})
    fees_id = conn.execute(sa.text("SELECT id FROM categories WHERE code = 'arbitrary_fees'")).scalar_one()
    market = conn.execute(sa.text("SELECT id FROM departments WHERE code = 'market'")).scalar()
    if market is not None:
        conn.execute(sa.text("INSERT INTO category_departments (category_id, department_id, position) "
                             "VALUES (:c, :d, 0)"), {"c": fees_id, "d": market})
        if conn.execute(sa.text("SELECT id FROM routing_rules WHERE code = 'price'")).first() is None:
            conn.execute(sa.text(
                "INSERT INTO routing_rules (code, keywords, department_id, priority, active) VALUES ('price', "
                "'收费标准,乱收费,多收费,重复收费,明码标价,价格', :d, 75, :t)"), {"d": market, "t": True})
    about_bribes = " OR ".join(f"subject LIKE '%{w}%' OR description LIKE '%{w}%'" for w in BRIBE_WORDS)
    conn.execute(sa.text(f"UPDATE tickets SET category_id = :fees WHERE category_id = :old AND kind <> 'report' "
                         f"AND NOT ({about_bribes})"), {"fees": fees_id, "old": cat_id})


def downgrade():
    conn = op.get_bind()
    fees = conn.execute(sa.text("SELECT id, position FROM categories WHERE code = 'arbitrary_fees'")).first()
    bribery = conn.execute(sa.text("SELECT id FROM categories WHERE code = 'bribery'")).scalar()
    if fees is not None and bribery is not None:
        conn.execute(sa.text("UPDATE tickets SET category_id = :b WHERE category_id = :f"),
                     {"b": bribery, "f": fees[0]})
        conn.execute(sa.text("DELETE FROM category_departments WHERE category_id = :f"), {"f": fees[0]})
        conn.execute(sa.text("DELETE FROM categories WHERE id = :f"), {"f": fees[0]})
        conn.execute(sa.text("UPDATE categories SET position = position - 1 WHERE position > :p"), {"p": fees[1]})
        conn.execute(sa.text("UPDATE categories SET code = 'bribery_fees', name_zh = '吃拿卡要、乱收费乱罚款乱摊派', "
                             "name_en = 'Bribe-seeking, arbitrary fees, fines or levies' WHERE id = :b"),
                     {"b": bribery})
    op.execute("DELETE FROM routing_rules WHERE code = 'price'")
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index('uq_assignments_one_live_per_department')
    op.execute("UPDATE assignments SET status = 'returned' WHERE status = 'withdrawn'")
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.alter_column('status', existing_type=_state_enum(NEW_STATES), type_=_state_enum(OLD_STATES),
                              existing_nullable=False)
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.drop_column('territorial')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_tickets_respondent_department_id_departments'), type_='foreignkey')
        batch_op.drop_column('round')
        batch_op.drop_column('respondent_department_id')
        batch_op.drop_column('respondent_name')
    op.execute("DELETE FROM settings WHERE key = 'reference_generation'")
