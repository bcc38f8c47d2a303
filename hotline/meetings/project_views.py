"""Key projects: the list, a project page (milestones, blocking tickets, days from signing, its
enterprise's tickets, visits and notes) and the commissioner's read-only ticket page."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from hotline import citytime
from hotline.auth.models import User
from hotline.db import transaction, utcnow
from hotline.extensions import db
from hotline.labels import domain_error_text, label
from hotline.meetings import forms, projects
from hotline.meetings.models import Milestone, Project, ProjectNote, ProjectTicket, ProjectVisit
from hotline.meetings.rules import MeetingRefused
from hotline.roles import Role
from hotline.security import roles_required
from hotline.tickets import confidential
from hotline.tickets import queries as ticket_queries
from hotline.tickets.forms import choices
from hotline.tickets.models import Ticket

bp = Blueprint("projects", __name__)
READERS = ("supervisor", "leader", "admin", "commissioner")
EDITORS = ("supervisor", "commissioner")


@bp.context_processor
def _shown():
    return {"subject_shown": confidential.subject}


def _today():
    return citytime.today(utcnow())


def _project_or_404(project_id: int) -> Project:
    """The project; a commissioner reaches only the projects they serve (others are not found)."""
    project = db.session.get(Project, project_id)
    if project is None or (current_user.role == Role.commissioner and project.commissioner_id != current_user.id):
        abort(404)
    return project


@bp.route("/")
@roles_required(*READERS)
def index():
    """Key projects (a commissioner: the ones they serve)."""
    if current_user.role == Role.commissioner:
        rows = projects.commissioner_projects(current_user)
    else:
        rows = list(db.session.scalars(select(Project).order_by(Project.name)))
    return render_template("projects/index.html", rows=rows, today=_today(),
                           can={"create": current_user.role in ("supervisor", "admin")})


@bp.route("/new", methods=["GET", "POST"])
@roles_required("supervisor", "admin")
def new():
    """Register a key project with its commissioner and milestones."""
    form = forms.ProjectForm()
    form.commissioner_id.choices = choices([("", "—")] + [(u.id, u.display_name) for u in db.session.scalars(
        select(User).where(User.role == Role.commissioner, User.active).order_by(User.display_name))])
    if form.validate_on_submit():
        try:
            with transaction():
                project = projects.create_project(
                    name=form.name.data, enterprise_name=form.enterprise_name.data,
                    credit_code=form.credit_code.data or None, commissioner_id=form.commissioner_id.data,
                    signed_on=form.signed_on.data,
                    targets={k: getattr(form, k).data for k in ("approvals", "land", "construction", "production")})
        except MeetingRefused as exc:
            flash(domain_error_text(exc.code, exc.params), "error")
        else:
            return redirect(url_for(".detail", project_id=project.id))
    return render_template("projects/new.html", form=form), (400 if form.errors else 200)


def _page_forms(project: Project):
    link = forms.LinkForm(prefix="link")
    link.milestone_id.choices = choices([("", "—")] + [(m.id, label(m.kind))
                                                       for m in project.milestones])
    return {"link": link, "visit": forms.VisitForm(prefix="visit"), "note": forms.NoteForm(prefix="note"),
            "reached": forms.ReachedForm(prefix="reached")}


@bp.route("/<int:project_id>")
@roles_required(*READERS)
def detail(project_id: int, page_forms=None, status: int = 200):
    """Milestones with their target dates, the tickets that block them, days from signing, every ticket
    of the enterprise, visits and notes."""
    project = _project_or_404(project_id)
    links = {link.ticket_id: link for link in db.session.scalars(
        select(ProjectTicket).where(ProjectTicket.project_id == project.id))}
    tickets = projects.enterprise_tickets(project)
    linked_only = [link.ticket for tid, link in links.items() if tid not in {t.id for t in tickets}]
    visits = db.session.scalars(select(ProjectVisit).where(ProjectVisit.project_id == project.id)
                                .order_by(ProjectVisit.visited_at.desc())).all()
    notes = db.session.scalars(select(ProjectNote).where(ProjectNote.project_id == project.id)
                               .order_by(ProjectNote.created_at.desc())).all()
    return render_template("projects/detail.html", project=project, tickets=tickets + linked_only, links=links,
                           visits=visits, notes=notes, today=_today(), forms=page_forms or _page_forms(project),
                           days=projects.days_from_signing(project, _today()),
                           can={"edit": current_user.role in EDITORS}), status


def _act(project_id: int, key: str, call):
    project = _project_or_404(project_id)
    page_forms = _page_forms(project)
    form = page_forms[key]
    if not form.validate_on_submit():
        return detail(project_id, page_forms, 400)
    try:
        with transaction():
            call(project, form)
    except MeetingRefused as exc:
        flash(domain_error_text(exc.code, exc.params), "error")
        return detail(project_id, page_forms, 409)
    flash(_("Recorded."), "success")
    return redirect(url_for(".detail", project_id=project_id))


@bp.route("/<int:project_id>/link", methods=["POST"])
@roles_required(*EDITORS)
def link(project_id: int):
    """Link a ticket to the milestone it blocks."""
    return _act(project_id, "link", lambda p, f: projects.link_ticket(
        p.id, f.number.data, milestone_id=f.milestone_id.data, actor=current_user))


@bp.route("/<int:project_id>/visits", methods=["POST"])
@roles_required(*EDITORS)
def visit(project_id: int):
    """Log an on-site visit."""
    return _act(project_id, "visit", lambda p, f: projects.log_visit(
        p.id, visited_at=citytime.typed(f.visited_at.data), place=f.place.data or "", summary=f.summary.data,
        actor=current_user))


def _note(project, form):
    ticket = None
    if form.number.data:
        ticket = db.session.scalar(select(Ticket).where(Ticket.number == form.number.data))
        if ticket is None:
            raise MeetingRefused("ticket_not_found", number=form.number.data)
    projects.add_note(project, text=form.text.data, ticket=ticket, actor=current_user)


@bp.route("/<int:project_id>/notes", methods=["POST"])
@roles_required(*EDITORS)
def note(project_id: int):
    """A note on the project or one of its enterprise's tickets."""
    return _act(project_id, "note", _note)


@bp.route("/<int:project_id>/milestones/<int:milestone_id>/reached", methods=["POST"])
@roles_required(*EDITORS)
def reached(project_id: int, milestone_id: int):
    """Record the day a milestone was reached."""
    milestone = db.session.get(Milestone, milestone_id)
    if milestone is None or milestone.project_id != project_id:
        abort(404)
    return _act(project_id, "reached", lambda p, f: projects.mark_reached(milestone_id, on=f.reached_on.data,
                                                                          actor=current_user))


@bp.route("/<int:project_id>/tickets/<number>")
@roles_required(*READERS)
def ticket(project_id: int, number: str):
    """One ticket of the project's enterprise, read-only: facts (identity masked when confidential),
    parts and history."""
    project = _project_or_404(project_id)
    t = ticket_queries.ticket_or_404(number)
    linked = db.session.scalar(select(ProjectTicket.id).where(ProjectTicket.project_id == project.id,
                                                              ProjectTicket.ticket_id == t.id))
    if not (projects.is_enterprise_ticket(project, t) or linked):
        abort(404)
    return render_template("projects/ticket.html", project=project, ticket=t, view=ticket_queries.detail_view(t),
                           shown=confidential.text_filter(t), form=_page_forms(project)["note"],
                           can={"note": current_user.role in EDITORS})
