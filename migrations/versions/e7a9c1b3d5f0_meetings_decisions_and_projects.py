"""Face-to-face: coordination meetings, their agendas and decisions (tracked on the working clock), key
projects with milestones, visits, notes and the tickets that block them; the leader (一把手) and project
service commissioner (项目服务专员) roles.

Revision ID: e7a9c1b3d5f0
Revises: d4e6a8b0c2f3
Create Date: 2026-12-03 16:24:07
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e7a9c1b3d5f0'
down_revision = 'd4e6a8b0c2f3'
branch_labels = None
depends_on = None

OLD_ROLES = ('operator', 'handler', 'supervisor', 'admin')
NEW_ROLES = OLD_ROLES + ('leader', 'commissioner')


def _role_enum(values, name):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def _alter_roles(old, new):
    """The users' and API keys' role columns accept the new roles (their CHECK constraints change)."""
    for table, name in (('users', 'user_role'), ('api_keys', 'api_key_role')):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('role', existing_type=_role_enum(old, name), type_=_role_enum(new, name),
                                  existing_nullable=False)


def upgrade():
    _alter_roles(OLD_ROLES, NEW_ROLES)
    op.create_table('meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('breakfast', 'afternoon_tea', 'evening_salon', 'on_site', 'other', name='meeting_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('convener_id', sa.Integer(), nullable=False),
    sa.Column('held_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('attendees', sa.Text(), nullable=False),
    sa.Column('enterprises', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('scheduled', 'held', 'cancelled', name='meeting_state', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('minutes', sa.Text(), nullable=False),
    sa.Column('cancel_reason', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['convener_id'], ['users.id'], name=op.f('fk_meetings_convener_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_meetings_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meetings'))
    )
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meetings_convener_id'), ['convener_id'], unique=False)
        batch_op.create_index('ix_meetings_held_at', ['held_at'], unique=False)

    op.create_table('projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('enterprise_name', sa.String(length=200), nullable=False),
    sa.Column('enterprise_norm', sa.String(length=200), nullable=True),
    sa.Column('credit_code', sa.String(length=18), nullable=True),
    sa.Column('commissioner_id', sa.Integer(), nullable=True),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['commissioner_id'], ['users.id'], name=op.f('fk_projects_commissioner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_projects')),
    sa.UniqueConstraint('name', name=op.f('uq_projects_name'))
    )
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_projects_commissioner_id'), ['commissioner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_projects_credit_code'), ['credit_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_projects_enterprise_norm'), ['enterprise_norm'], unique=False)

    op.create_table('agenda_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('raised_on_spot', sa.Boolean(), nullable=False),
    sa.Column('outcome', sa.Enum('pending', 'settled', 'carried_over', name='agenda_outcome', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('settled_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_agenda_items_added_by_id_users')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_agenda_items_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_agenda_items_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda_items')),
    sa.UniqueConstraint('meeting_id', 'ticket_id', name=op.f('uq_agenda_items_meeting_id_ticket_id'))
    )
    with op.batch_alter_table('agenda_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agenda_items_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agenda_items_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('meeting_departments',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_meeting_departments_department_id_departments')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_departments_meeting_id_meetings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('meeting_id', 'department_id', name=op.f('pk_meeting_departments'))
    )
    op.create_table('project_milestones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('signed', 'approvals', 'land', 'construction', 'production', name='milestone_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('target_on', sa.Date(), nullable=False),
    sa.Column('reached_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_milestones_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_milestones')),
    sa.UniqueConstraint('project_id', 'kind', name=op.f('uq_project_milestones_project_id_kind'))
    )
    with op.batch_alter_table('project_milestones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_milestones_project_id'), ['project_id'], unique=False)

    op.create_table('project_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_project_notes_author_id_users')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_notes_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_project_notes_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_notes'))
    )
    with op.batch_alter_table('project_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_notes_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_notes_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('project_visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('visited_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_project_visits_author_id_users')),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_visits_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_visits'))
    )
    with op.batch_alter_table('project_visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_visits_project_id'), ['project_id'], unique=False)

    op.create_table('meeting_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('done_means', sa.Text(), nullable=False),
    sa.Column('working_days', sa.Integer(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('warn_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('open', 'done', 'cancelled', name='decision_state', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('cancel_reason', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('working_days > 0', name=op.f('ck_meeting_decisions_working_days_positive')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_meeting_decisions_decided_by_id_users')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_meeting_decisions_department_id_departments')),
    sa.ForeignKeyConstraint(['done_by_id'], ['users.id'], name=op.f('fk_meeting_decisions_done_by_id_users')),
    sa.ForeignKeyConstraint(['item_id'], ['agenda_items.id'], name=op.f('fk_meeting_decisions_item_id_agenda_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_decisions_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_meeting_decisions_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_decisions'))
    )
    with op.batch_alter_table('meeting_decisions', schema=None) as batch_op:
        batch_op.create_index('ix_meeting_decisions_dept_status', ['department_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_decisions_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_decisions_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index('ix_meeting_decisions_status_due', ['status', 'due_at'], unique=False)
        batch_op.create_index('ix_meeting_decisions_status_warn', ['status', 'warn_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_decisions_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('project_tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('milestone_id', sa.Integer(), nullable=True),
    sa.Column('linked_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['linked_by_id'], ['users.id'], name=op.f('fk_project_tickets_linked_by_id_users')),
    sa.ForeignKeyConstraint(['milestone_id'], ['project_milestones.id'], name=op.f('fk_project_tickets_milestone_id_project_milestones'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_project_tickets_project_id_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_project_tickets_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_tickets')),
    sa.UniqueConstraint('project_id', 'ticket_id', name=op.f('uq_project_tickets_project_id_ticket_id'))
    )
    with op.batch_alter_table('project_tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_tickets_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_tickets_ticket_id'), ['ticket_id'], unique=False)



def downgrade():
    with op.batch_alter_table('project_tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_tickets_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_project_tickets_project_id'))

    op.drop_table('project_tickets')
    with op.batch_alter_table('meeting_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_decisions_ticket_id'))
        batch_op.drop_index('ix_meeting_decisions_status_warn')
        batch_op.drop_index('ix_meeting_decisions_status_due')
        batch_op.drop_index(batch_op.f('ix_meeting_decisions_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_decisions_item_id'))
        batch_op.drop_index('ix_meeting_decisions_dept_status')

    op.drop_table('meeting_decisions')
    with op.batch_alter_table('project_visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_visits_project_id'))

    op.drop_table('project_visits')
    with op.batch_alter_table('project_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_notes_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_project_notes_project_id'))

    op.drop_table('project_notes')
    with op.batch_alter_table('project_milestones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_milestones_project_id'))

    op.drop_table('project_milestones')
    op.drop_table('meeting_departments')
    with op.batch_alter_table('agenda_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agenda_items_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_agenda_items_meeting_id'))

    op.drop_table('agenda_items')
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_projects_enterprise_norm'))
        batch_op.drop_index(batch_op.f('ix_projects_credit_code'))
        batch_op.drop_index(batch_op.f('ix_projects_commissioner_id'))

    op.drop_table('projects')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_index('ix_meetings_held_at')
        batch_op.drop_index(batch_op.f('ix_meetings_convener_id'))

    op.drop_table('meetings')
    op.execute("UPDATE users SET active = false, role = 'supervisor' WHERE role IN ('leader', 'commissioner')")
    op.execute("DELETE FROM api_keys WHERE role IN ('leader', 'commissioner')")
    _alter_roles(NEW_ROLES, OLD_ROLES)
