"""Periodic work, declared in one place, for exactly one ``rq cron`` process."""
from rq import cron

from hotline.audit.jobs import refresh_rollups
from hotline.escalation.jobs import check_calendar_coverage, resume_deadline_recomputes, sweep
from hotline.notifications.jobs import sweep_deliveries
from hotline.tickets.jobs import sign_history

cron.register(sweep, "escalation", interval=60, name="escalation-sweep", job_timeout=600)
cron.register(check_calendar_coverage, "default", interval=3600, name="calendar-coverage")
cron.register(refresh_rollups, "reports", interval=900, name="audit-rollups", job_timeout=3600)
cron.register(resume_deadline_recomputes, "default", interval=300, name="deadline-recompute-resume")
cron.register(sweep_deliveries, "default", interval=60, name="delivery-sweep")
cron.register(sign_history, "default", cron="30 0 * * *", name="history-digest", job_timeout=3600)
