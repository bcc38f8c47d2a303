"""One role enumeration: the actors of the transition tables and the roles an account may hold."""
from __future__ import annotations

import subprocess
import sys

from hotline import ROOT
from hotline.enums import LABELLED, LabelledEnum
from hotline.roles import ACCOUNT_ROLES, Role
from hotline.tickets.states import TICKET_TRANSITIONS, AssignmentState, TicketState


def test_an_account_holds_every_role_but_the_system():
    assert [r.value for r in ACCOUNT_ROLES] == ["operator", "handler", "supervisor", "admin", "leader",
                                                "commissioner"]
    assert not Role.system.is_account_role
    assert all(r.is_account_role for r in ACCOUNT_ROLES)


def test_the_transition_tables_use_the_same_roles():
    actors = {role for t in TICKET_TRANSITIONS.values() for role in t.roles}
    assert Role.system in actors and Role.operator in actors
    assert all(isinstance(a, Role) for a in actors)


def test_a_labelled_member_is_its_stored_value_and_carries_its_label():
    assert TicketState("resolved") is TicketState.resolved == "resolved"
    assert TicketState.resolved.msgid == "Resolved, awaiting callback"
    assert AssignmentState.dispatched.msgid == "To sign for"  # the same code, another enumeration's label
    assert Role.admin.msgid == "Administrator"
    assert LABELLED["TicketState"] is TicketState and issubclass(Role, LabelledEnum)


def test_the_role_and_state_modules_stay_pure():
    """No translation machinery and no database behind the labels (the package itself imports Flask)."""
    code = ("import sys, hotline.roles, hotline.tickets.states, hotline.enums\n"
            "print(sorted(n for n in sys.modules if n.split('.')[0] in ('flask_babel', 'babel', 'sqlalchemy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
