"""The roles (角色): who acts on a ticket, and which of them a user account may hold (pure).

One enumeration serves the transition tables of :mod:`hotline.tickets.states` (where ``system``, a
background worker, also acts) and the accounts of :mod:`hotline.auth.models` (stored as its value,
with a CHECK constraint over :data:`ACCOUNT_ROLES`). DOMAIN.md's four roles, the two of its
"Face-to-face" section, and the system."""
from __future__ import annotations

from hotline.enums import N_, LabelledEnum

__all__ = ["ACCOUNT_ROLES", "Role"]


class Role(LabelledEnum):
    """Who acts."""

    operator = "operator", N_("Operator")  # 话务员
    handler = "handler", N_("Handler")  # 承办人员
    supervisor = "supervisor", N_("Supervisor")  # 督办人员
    admin = "admin", N_("Administrator")  # 管理员
    leader = "leader", N_("Leader")  # 一把手: a county head or zone secretary who convenes coordination meetings
    commissioner = "commissioner", N_("Project service commissioner")  # 项目服务专员: assigned to a key project
    system = "system", N_("System")  # background workers: never an account

    @property
    def is_account_role(self) -> bool:
        """Whether a user account may hold this role (every role but ``system``)."""
        return self in ACCOUNT_ROLES


#: The roles a user account may hold, in the order forms offer them.
ACCOUNT_ROLES: tuple[Role, ...] = (Role.operator, Role.handler, Role.supervisor, Role.admin, Role.leader,
                                   Role.commissioner)
