"""Import every model module so metadata (and Alembic) sees all tables."""
from hotline.api.models import ApiKey  # noqa: F401
from hotline.audit.models import AuditChange, AuditRollup  # noqa: F401
from hotline.auth.models import User  # noqa: F401
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
from hotline.meetings.models import (  # noqa: F401
    AgendaItem,
    Decision,
    Meeting,
    MeetingDepartment,
    Milestone,
    Project,
    ProjectNote,
    ProjectTicket,
    ProjectVisit,
)
from hotline.notifications.models import ChannelPreference, ContactPoint, Delivery, Notification  # noqa: F401
from hotline.public.models import SatisfactionAnswer, StatusLookup  # noqa: F401
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
