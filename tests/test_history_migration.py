"""The checkpoints migration anchors every existing history at its head; verification is then clean."""
from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from hotline import ROOT, create_app
from hotline.extensions import db
from tests.conftest import _TestConfig
from tests.test_migrations import _empty_database


def test_upgrading_a_database_with_history_anchors_each_ticket_at_its_head(database_url, redis_url, tmp_path,
                                                                          _schema):
    from hotline.demo.seed import seed_reference
    from hotline.tickets import lifecycle
    from hotline.tickets.history import verify_all
    from hotline.tickets.intake import IntakeData, create_ticket
    from hotline.tickets.models import Event, HistoryCheckpoint

    with _empty_database(database_url, tmp_path) as url:
        app = create_app(_TestConfig(url, redis_url))
        directory = str(ROOT / "migrations")
        with app.app_context():
            upgrade(directory=directory)
            seed_reference()
            for i in range(3):
                ticket = create_ticket(IntakeData(channel="phone", kind="complaint", category_code="refusal",
                                                  subject=f"迁移{i}", description="窗口拒收申请材料，也不说明理由。",
                                                  caller_name="测试", caller_phone=f"1380000000{i}"),
                                       operator_id=None, operator_name="王丽")
                if i:
                    lifecycle.sign_for(ticket.assignments[0].id, actor=None)
            db.session.remove()
            downgrade(directory=directory, revision="c3a1e7f0b9d2")
            assert "history_checkpoints" not in sa.inspect(db.engine).get_table_names()
            upgrade(directory=directory)
            heads = dict(db.session.execute(sa.select(Event.ticket_id, sa.func.max(Event.seq))
                                            .group_by(Event.ticket_id)).all())
            anchored = dict(db.session.execute(sa.select(HistoryCheckpoint.ticket_id, HistoryCheckpoint.seq)).all())
            assert anchored == heads and len(heads) == 3
            report = verify_all()
            assert report.ok and report.checked == 3 and report.broken == []
            db.session.remove()
            db.engine.dispose()
