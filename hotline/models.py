"""Import every model module so metadata (and Alembic) sees all tables."""
from hotline.api.models import ApiKey  # noqa: F401
from hotline.audit.models import AuditChange, AuditRollup  # noqa: F401
from hotline.auth.models import User, UserRole  # noqa: F401
from hotline.directory.models import (  # noqa: F401
    Category,
    CategoryDepartment,
    Department,
    DepartmentKind,
    District,
    RoutingRule,
    TimeLimitPolicy,
)
from hotline.escalation.models import (  # noqa: F401
    DeadlineRecompute,
    EscalationStep,
    SupervisionAction,
    SupervisionCase,
)
from hotline.notifications.models import Notification  # noqa: F401
from hotline.tickets.models import (  # noqa: F401
    Assignment,
    Attachment,
    Callback,
    ContactAttempt,
    Event,
    Extension,
    MatterChain,
    Ticket,
    TicketCounter,
)
from hotline.worktime.models import CalendarDay, CalendarYear, Setting  # noqa: F401
