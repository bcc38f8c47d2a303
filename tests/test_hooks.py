"""Visible plumbing: every SQLAlchemy listener is installed by install_session_hooks (from the factory),
once, in its documented order; per-transaction caches end with their transaction; transaction() is the
unit of work."""
from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from hotline import ROOT, txcache
from hotline.db import transaction
from hotline.extensions import db
from hotline.hooks import install_session_hooks, session_hooks


def _listeners(target, identifier) -> list:
    return list(getattr(target.dispatch, identifier)._clslevel[target])


def test_building_the_app_many_times_installs_each_listener_once(app):
    from hotline import create_app

    create_app(app.config.copy())
    install_session_hooks(app)
    for hook in session_hooks():
        assert event.contains(hook.target, hook.identifier, hook.fn), hook
        if hook.target is Session:  # (an engine's connect hook lives on the pool's events)
            assert _listeners(hook.target, hook.identifier).count(hook.fn) == 1, hook


def test_escalation_handles_its_outbox_first_then_histories_are_checkpointed(app):
    from hotline.escalation.outbox import handle_pending
    from hotline.tickets.events import anchor_heads

    before_commit = _listeners(Session, "before_commit")
    assert before_commit[0] is handle_pending
    assert before_commit.index(anchor_heads) > 0


IMPORT_EVERYTHING = """
import importlib, pkgutil
import hotline
for m in pkgutil.walk_packages(hotline.__path__, 'hotline.'):
    if m.name not in ('hotline.worker',):
        importlib.import_module(m.name)
from sqlalchemy import event
from hotline.hooks import session_hooks
print(sorted(h.fn.__qualname__ for h in session_hooks() if event.contains(h.target, h.identifier, h.fn)))
"""


def test_importing_every_module_installs_no_listener():
    """Nothing registers a hook because a module happened to be imported: only the factory does."""
    out = subprocess.run([sys.executable, "-c", IMPORT_EVERYTHING], capture_output=True, text=True, cwd=ROOT,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_no_module_but_the_hooks_module_registers_a_listener():
    offenders = [f"{path.relative_to(ROOT)}:{n}" for path in (ROOT / "hotline").rglob("*.py")
                 if path.name != "hooks.py"
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if "listens_for(" in line or "event.listen(" in line or "sa_event.listen(" in line]
    assert offenders == []


@pytest.mark.parametrize("end", ["commit", "rollback"])
def test_every_per_transaction_cache_ends_with_its_transaction(app, end):
    session = db.session()
    session.execute(select(1))  # a transaction under way
    for key in txcache.CACHES:
        session.info[key] = [] if key == txcache.SUPERVISION_PENDING else {}
    session.info["someone_elses"] = 1
    getattr(session, end)()
    assert [key for key in txcache.CACHES if key in session.info] == []
    assert session.info.pop("someone_elses") == 1  # only the registry's keys are Hotline's to drop


def test_the_cache_keys_are_the_ones_the_modules_use():
    from hotline.audit import rollups
    from hotline.directory import generation
    from hotline.notifications import services as notifications
    from hotline.tickets import events, supervision

    assert {rollups.MARKED, generation.SNAPSHOT_INFO_KEY, events.HEADS, events.PRIMED, supervision.PENDING,
            txcache.CATEGORIES_BY_CODE, notifications.STAFF_PENDING, notifications.CALLER_PENDING,
            notifications.TO_ENQUEUE, notifications.CONTACTS} == set(txcache.CACHES)


def _district_codes() -> list[str]:
    from hotline.directory.models import District

    return list(db.session.scalars(select(District.code).order_by(District.code)))


def _district(code: str):
    from hotline.directory.models import District

    return District(code=code, name_zh=f"测试区{code}", name_en=f"District {code}", position=0)


def test_a_transaction_commits_when_its_block_ends(app):
    with transaction() as session:
        session.add(_district("d1"))
    db.session.rollback()  # nothing left to roll back: it was committed
    assert _district_codes() == ["d1"]


def test_a_transaction_rolls_back_everything_when_its_block_raises(app):
    with pytest.raises(ValueError):
        with transaction() as session:
            session.add(_district("d1"))
            session.flush()
            raise ValueError("refused")
    db.session.commit()  # a later commit by someone else does not save the refused work
    assert _district_codes() == []


def test_nested_blocks_commit_once_at_the_outermost_and_an_inner_failure_undoes_all(app):
    with transaction() as session:
        session.add(_district("outer"))
        with transaction():
            session.add(_district("inner"))
        assert session.in_transaction()  # the inner block did not commit
        db.session.connection()  # still the same transaction
    assert _district_codes() == ["inner", "outer"]
    with pytest.raises(ValueError):
        with transaction() as session:
            session.add(_district("a"))
            with transaction():
                session.add(_district("b"))
                raise ValueError("refused")
    db.session.commit()
    assert _district_codes() == ["inner", "outer"]
    assert db.session.info.get(txcache.UNIT_OF_WORK_DEPTH, 0) == 0


def test_no_view_rolls_back_by_hand():
    offenders = [f"{path.relative_to(ROOT)}:{n}" for path in (ROOT / "hotline").rglob("*views.py")
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if "session.rollback(" in line]
    assert offenders == []
