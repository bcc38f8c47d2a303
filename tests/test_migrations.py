"""Migrations: one head; upgrade → downgrade → upgrade on an empty database; models match."""
from __future__ import annotations

import uuid
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from hotline import ROOT, create_app
from hotline.extensions import db
from tests.conftest import _TestConfig


def test_single_head(app):
    script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
    assert len(script.get_heads()) == 1


@contextmanager
def _empty_database(database_url, tmp_path):
    """A brand-new empty database: a SQLite file, or a new PostgreSQL database."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"hotline_mig_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _tables(engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}


def test_upgrade_downgrade_upgrade_on_an_empty_database(database_url, redis_url, tmp_path, _schema):
    with _empty_database(database_url, tmp_path) as url:
        app = create_app(_TestConfig(url, redis_url))
        directory = str(ROOT / "migrations")
        with app.app_context():
            upgrade(directory=directory)
            tables = _tables(db.engine)
            assert {"tickets", "assignments", "events", "users", "supervision_cases"} <= tables
            with db.engine.connect() as conn:
                diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
            assert diff == [], f"models and migrations differ: {diff}"
            downgrade(directory=directory, revision="base")
            assert _tables(db.engine) == set()
            upgrade(directory=directory)
            assert _tables(db.engine) == tables
            db.session.remove()
            db.engine.dispose()


@pytest.mark.parametrize("column", ["number"])
def test_ticket_number_is_unique_in_the_schema(app, column):
    uniques = sa.inspect(db.engine).get_unique_constraints("tickets")
    indexes = sa.inspect(db.engine).get_indexes("tickets")
    assert any(u["column_names"] == [column] for u in uniques) or \
        any(i["column_names"] == [column] and i["unique"] for i in indexes)


def test_stored_minutes_migration_downgrades_and_backfills_a_database_with_data(database_url, redis_url, tmp_path,
                                                                                 _schema):
    """Down to before 7c1e2a9d5b40 and up again over real rows: the backfill equals what the services store."""
    from hotline.demo.seed import seed_reference
    from hotline.tickets.models import Assignment, Callback
    from tests.audit.test_rollups import _work
    from tests.escalation.conftest import local
    from tests.factories import make_ticket

    with _empty_database(database_url, tmp_path) as url:
        app = create_app(_TestConfig(url, redis_url))
        directory = str(ROOT / "migrations")
        with app.app_context():
            upgrade(directory=directory)
            seed_reference()
            for i, category in enumerate(("refusal", "factor_supply", "unpaid_debts")):
                t = make_ticket(local(2026, 10, 12 + i, 9, 0), caller_phone=f"1380000000{i}", category_code=category)
                _work(t, 12 + i, callback="satisfied" if i != 1 else "unsatisfied")

            def stored():
                db.session.remove()
                return ({a.id: (a.sign_minutes, a.contact_minutes, a.submit_minutes)
                         for a in db.session.scalars(sa.select(Assignment))},
                        {c.id: (c.department_id, c.reply_solved) for c in db.session.scalars(sa.select(Callback))})

            before = stored()
            assert any(v[0] for v in before[0].values()) and before[1]
            db.session.remove()
            downgrade(directory=directory, revision="4039de7ef246")
            upgrade(directory=directory)
            assert stored() == before
            db.session.remove()
            db.engine.dispose()
