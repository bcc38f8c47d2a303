"""What each role is offered on a page (the services enforce the same rules; these decide the buttons)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from hotline.permissions import allows

ROLES = ("operator", "handler", "supervisor", "admin")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("status", ["dispatched", "returned", "resolved"])
def test_only_an_operator_is_offered_a_redispatch_and_only_of_a_returned_ticket(role, status):
    assert allows(role, "redispatch", SimpleNamespace(status=status)) == (role == "operator" and status == "returned")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("status", ["open", "cleared"])
def test_supervisors_work_open_cases_and_admins_only_read_them(role, status):
    case = SimpleNamespace(status=status)
    assert allows(role, "open_case", case) == (role in ("supervisor", "admin"))
    assert allows(role, "work_case", case) == (role == "supervisor" and status == "open")


def test_an_unknown_action_is_never_offered():
    assert not allows("admin", "delete_everything")


@pytest.mark.parametrize("role", ROLES)
def test_only_an_administrator_is_offered_the_ranking_weights(role):
    assert allows(role, "set_weights") == (role == "admin")
