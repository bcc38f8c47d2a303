"""The smallest Flask application with Hotline's web-form intake shape, for ``bench.ceiling``.

Served by ``gunicorn 'bench.ceiling_app:create_app()'`` with ``CEILING_DATABASE_URL``,
``CEILING_LEVEL`` (``bare`` or ``plain``) and ``SECRET_KEY`` in the environment. It uses the
stack Hotline uses — Flask, Flask-SQLAlchemy (SQLAlchemy 2 style, ``pool_pre_ping`` as in
Hotline's config), Flask-Login with the signed-cookie session, Flask-WTF's CSRF token, WTForms
validation, Jinja templates with a layout that shows flashed messages — and nothing else: no
routing, no numbering, no deadlines, no Redis, no translations.

* ``GET /login``, ``POST /login``: a login form (CSRF); the password (scrypt, werkzeug's default,
  as Hotline's) is checked here only. The user is loaded by id on every later request.
* ``GET /tickets/new``: the intake form with a CSRF token and a fresh hidden ``intake_key``.
* ``POST /tickets/new``: validates the CSRF token and a dozen fields, inserts one row into
  ``ceiling_tickets`` and one into ``ceiling_events``, commits, flashes, answers 302 to ``/t/<id>``.
  ``bare`` does it with ORM objects; ``plain`` with two SQL statements (``INSERT … RETURNING id``
  and the event's ``INSERT``) through ``Session.execute(text(...))``, the user loader too.

The paths are Hotline's (``/login``, ``/tickets/new``) so that ``bench.intake_http``'s simulated
operators drive this application unchanged. Every table is named ``ceiling_…``.
"""
from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime

from flask import Flask, abort, flash, redirect, render_template, url_for
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import FlaskForm
from jinja2 import DictLoader
from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from werkzeug.security import check_password_hash
from wtforms import HiddenField, PasswordField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

LEVELS = ("bare", "plain")
CHANNELS = ("phone", "12345", "web", "api", "email", "walk_in")  # hotline.demo.generator.CHANNELS
KINDS = ("complaint", "report", "inquiry", "help", "suggestion")
URGENCIES = ("normal", "urgent", "emergency")


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()


def utcnow() -> datetime:
    return datetime.now(UTC)


class CeilingUser(UserMixin, db.Model):
    """An operator account."""

    __tablename__ = "ceiling_users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(256))


class CeilingTicket(db.Model):
    """A ticket with the columns a real one has at intake."""

    __tablename__ = "ceiling_tickets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    intake_key: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    urgency: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    caller_name: Mapped[str] = mapped_column(String(64))
    caller_phone: Mapped[str | None] = mapped_column(String(32))
    enterprise_name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str | None] = mapped_column(String(18))
    operator_id: Mapped[int] = mapped_column(ForeignKey("ceiling_users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CeilingEvent(db.Model):
    """One line of a ticket's history."""

    __tablename__ = "ceiling_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ceiling_tickets.id"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("ceiling_users.id"))
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PlainUser(UserMixin):
    """The logged-in operator as the ``plain`` level loads it (a row, no ORM object)."""

    def __init__(self, id: int, username: str, display_name: str) -> None:
        self.id, self.username, self.display_name = id, username, display_name


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=128)])
    submit = SubmitField("Log in")


class IntakeForm(FlaskForm):
    intake_key = HiddenField(validators=[DataRequired(), Length(min=32, max=64)])
    channel = SelectField("Channel", choices=CHANNELS)
    kind = SelectField("Kind", choices=KINDS)
    urgency = SelectField("Urgency", choices=URGENCIES)
    category = StringField("Category", validators=[Optional(), Length(max=32)])
    subject = StringField("Subject", validators=[DataRequired(), Length(max=80)])
    description = TextAreaField("Description", validators=[DataRequired(), Length(max=4000)])
    caller_name = StringField("Caller", validators=[Length(max=64)])
    caller_phone = StringField("Phone", validators=[Optional(), Regexp(r"^[0-9-]{7,20}$")])
    enterprise_name = StringField("Enterprise", validators=[Length(max=200)])
    credit_code = StringField("Credit code", validators=[Optional(), Length(min=18, max=18)])
    submit = SubmitField("Save")


TEMPLATES = {
    "layout.html": """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{% block title %}{% endblock %} · ceiling</title></head>
<body><header>{% if current_user.is_authenticated %}{{ current_user.display_name }}{% endif %}</header>
{% for category, message in get_flashed_messages(with_categories=true) %}
<p class="flash {{ category }}">{{ message }}</p>{% endfor %}
<main>{% block main %}{% endblock %}</main></body></html>""",
    "login.html": """{% extends "layout.html" %}{% block title %}Log in{% endblock %}{% block main %}
<form method="post">{{ form.csrf_token }}
<label>{{ form.username.label }} {{ form.username(autocomplete="username") }}</label>
<label>{{ form.password.label }} {{ form.password(autocomplete="current-password") }}</label>
{{ form.submit() }}</form>{% endblock %}""",
    "intake.html": """{% extends "layout.html" %}{% block title %}New ticket{% endblock %}{% block main %}
<form method="post" action="{{ url_for('intake') }}">{{ form.csrf_token }}{{ form.intake_key }}
{% for field in (form.channel, form.kind, form.urgency, form.category, form.subject, form.description,
                 form.caller_name, form.caller_phone, form.enterprise_name, form.credit_code) %}
<div class="field">{{ field.label }} {{ field() }}
{% for error in field.errors %}<p class="error">{{ error }}</p>{% endfor %}</div>{% endfor %}
{{ form.submit() }}</form>{% endblock %}""",
    "ticket.html": """{% extends "layout.html" %}{% block title %}Ticket {{ ticket.id }}{% endblock %}
{% block main %}<h1>{{ ticket.subject }}</h1><p>{{ ticket.description }}</p>{% endblock %}""",
}

INSERT_TICKET = text(
    "INSERT INTO ceiling_tickets (intake_key, channel, kind, urgency, status, category, subject, description, "
    "caller_name, caller_phone, enterprise_name, credit_code, operator_id, created_at, updated_at) VALUES "
    "(:intake_key, :channel, :kind, :urgency, :status, :category, :subject, :description, :caller_name, "
    ":caller_phone, :enterprise_name, :credit_code, :operator_id, :now, :now) RETURNING id")
INSERT_EVENT = text("INSERT INTO ceiling_events (ticket_id, actor_id, kind, detail, created_at) "
                    "VALUES (:ticket_id, :actor_id, :kind, :detail, :now)")
SELECT_USER = text("SELECT id, username, display_name FROM ceiling_users WHERE id = :id")


def _ticket_values(form: IntakeForm, operator_id: int, now: datetime) -> dict:
    """The ticket's column values from a validated form."""
    return {"intake_key": form.intake_key.data, "channel": form.channel.data, "kind": form.kind.data,
            "urgency": form.urgency.data, "status": "received", "category": form.category.data or None,
            "subject": form.subject.data, "description": form.description.data,
            "caller_name": form.caller_name.data or "", "caller_phone": form.caller_phone.data or None,
            "enterprise_name": form.enterprise_name.data or "", "credit_code": form.credit_code.data or None,
            "operator_id": operator_id}


def save_bare(form: IntakeForm, operator_id: int) -> int:
    """The ticket and its event as ORM objects; returns the ticket's id."""
    now = utcnow()
    ticket = CeilingTicket(**_ticket_values(form, operator_id, now), created_at=now, updated_at=now)
    db.session.add(ticket)
    db.session.flush()
    ticket_id = ticket.id  # read before the commit expires it
    db.session.add(CeilingEvent(ticket_id=ticket_id, actor_id=operator_id, kind="created",
                                detail=f"channel={ticket.channel}", created_at=now))
    db.session.commit()
    return ticket_id


def save_plain(form: IntakeForm, operator_id: int) -> int:
    """The ticket and its event as two SQL statements; returns the ticket's id."""
    now = utcnow()
    ticket_id = db.session.execute(INSERT_TICKET, {**_ticket_values(form, operator_id, now), "now": now}).scalar_one()
    db.session.execute(INSERT_EVENT, {"ticket_id": ticket_id, "actor_id": operator_id, "kind": "created",
                                      "detail": f"channel={form.channel.data}", "now": now})
    db.session.commit()
    return ticket_id


def create_app(database_url: str | None = None, level: str | None = None) -> Flask:
    """The application, configured from the arguments or the ``CEILING_*`` environment."""
    level = level or os.environ.get("CEILING_LEVEL", "bare")
    if level not in LEVELS:
        raise ValueError(f"CEILING_LEVEL must be one of {LEVELS}, not {level!r}")
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=os.environ.get("SECRET_KEY", "ceiling-bench-only-secret-key"),
        SQLALCHEMY_DATABASE_URI=database_url or os.environ["CEILING_DATABASE_URL"],
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True}, WTF_CSRF_TIME_LIMIT=None,
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", CEILING_LEVEL=level)
    app.jinja_loader = DictLoader(TEMPLATES)
    db.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "login"
    login_manager.user_loader(_load_plain if level == "plain" else _load_bare)
    _routes(app, save_plain if level == "plain" else save_bare)
    return app


def _load_bare(user_id: str):
    return db.session.get(CeilingUser, int(user_id))


def _load_plain(user_id: str):
    row = db.session.execute(SELECT_USER, {"id": int(user_id)}).first()
    return PlainUser(*row) if row else None


def _routes(app: Flask, save) -> None:
    @app.route("/login", methods=["GET", "POST"])
    def login():
        form = LoginForm()
        if form.validate_on_submit():
            user = db.session.scalar(select(CeilingUser).where(CeilingUser.username == form.username.data))
            if user is not None and check_password_hash(user.password_hash, form.password.data):
                login_user(user)
                return redirect(url_for("intake"))
            form.password.errors.append("Wrong username or password.")
        return render_template("login.html", form=form), (400 if form.errors else 200)

    @app.route("/tickets/new", methods=["GET", "POST"])
    @login_required
    def intake():
        form = IntakeForm()
        if form.validate_on_submit():
            ticket_id = save(form, current_user.id)
            flash(f"Ticket {ticket_id} saved.", "success")
            return redirect(url_for("ticket", ticket_id=ticket_id))
        if not form.is_submitted():
            form.intake_key.data = uuid.uuid4().hex
        return render_template("intake.html", form=form), (400 if form.errors else 200)

    @app.route("/t/<int:ticket_id>")
    @login_required
    def ticket(ticket_id: int):
        row = db.session.get(CeilingTicket, ticket_id)
        if row is None:
            abort(404)
        return render_template("ticket.html", ticket=row)
