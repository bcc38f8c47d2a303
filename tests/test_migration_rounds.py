"""Migration a1f3c5e7b9d0 over the old shape of data, written through SQL at 9b3f6d2e8a11: per-department
rounds renumbered per dispatch, a co-handler's part left live by its lead's return withdrawn on the hash
chain, one live part per department enforced, bribe-seeking split from arbitrary fees; and back down."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy.exc import IntegrityError

from hotline import ROOT, create_app
from hotline.db import UTCDateTime
from hotline.extensions import db
from hotline.tickets import chain
from tests.conftest import _TestConfig
from tests.test_migrations import _empty_database

BEFORE = "9b3f6d2e8a11"
T0 = datetime(2026, 11, 16, 1, 30, tzinfo=UTC)  # stored instants only: no clock is read against them


def _type(value):
    if isinstance(value, datetime):
        return UTCDateTime()
    if isinstance(value, dict):
        return sa.JSON()
    if isinstance(value, bool):
        return sa.Boolean()
    return None


def _insert(conn, table: str, *, returning: bool = True, **values) -> int | None:
    """Insert one row through SQL (no model: the models describe the newest schema); returns its id."""
    t = sa.table(table, sa.column("id", sa.Integer), *[sa.column(k, _type(v)) for k, v in values.items()])
    stmt = sa.insert(t).values(**values)
    result = conn.execute(stmt.returning(t.c.id) if returning else stmt)
    return result.scalar_one() if returning else None


class _History:
    """Writes each ticket's events with a valid hash chain, as the services of 9b3f6d2e8a11 did."""

    def __init__(self, conn):
        self.conn, self.heads = conn, {}

    def __call__(self, ticket_id: int, action: str, at: datetime, *, assignment_id=None, from_state=None,
                 to_state=None, data=None) -> None:
        seq, prev = self.heads.get(ticket_id, (0, chain.GENESIS))
        fields = {"ticket_id": ticket_id, "seq": seq + 1, "assignment_id": assignment_id, "actor_id": None,
                  "action": action, "from_state": from_state, "to_state": to_state, "data": data or {},
                  "created_at": at}
        digest = chain.event_hash(prev, fields)
        _insert(self.conn, "events", **fields, prev_hash=prev, hash=digest)
        self.heads[ticket_id] = (seq + 1, digest)


def _directory(conn) -> dict[str, int]:
    """Districts, departments and the old categories (``bribery_fees`` between two others)."""
    kaifaqu = _insert(conn, "districts", code="kaifaqu", name_zh="临汾经济开发区", name_en="Linfen ETDZ", position=0)
    depts = {}
    for code, name, kind, district in (
            ("market", "市市场监督管理局", "city_department", None),
            ("housing", "市住房和城乡建设局", "city_department", None),
            ("finance_regulator", "市地方金融监管局", "city_department", None),
            ("discipline", "市纪委监委", "discipline_commission", None),
            ("devzone", "临汾经济开发区管委会", "development_zone", kaifaqu)):
        depts[code] = _insert(conn, "departments", code=code, name_zh=name, name_en=code, kind=kind,
                              district_id=district, active=True, created_at=T0)
    cats = {}
    for position, (code, name, misconduct, kind, lead) in enumerate((
            ("refusal", "不予受理", False, "complaint", "housing"),
            ("bribery_fees", "吃拿卡要、乱收费乱罚款乱摊派", True, "report", "discipline"),
            ("factor_supply", "要素保障", False, "help", "devzone"))):
        cats[code] = _insert(conn, "categories", code=code, name_zh=name, name_en=code, description_zh="",
                             keywords="", is_misconduct=misconduct, default_kind=kind, policy_id=None,
                             position=position, active=True)
        _insert(conn, "category_departments", returning=False, category_id=cats[code], department_id=depts[lead],
                position=0)
    _insert(conn, "settings", returning=False, key="reference_generation", value={"generation": 7}, updated_at=T0)
    return {**depts, **{f"cat:{k}": v for k, v in cats.items()}, "kaifaqu": kaifaqu}


def _ticket(conn, number: str, *, kind: str, category: int, subject: str, description: str, status: str,
            rule: str | None, confidential: bool = False, district: int | None = None) -> int:
    return _insert(conn, "tickets", number=number, channel="phone", kind=kind, category_id=category,
                   subject=subject, description=description, caller_name="测试", caller_phone="13800000001",
                   enterprise_name="", district_id=district, urgency="normal", confidential=confidential,
                   status=status, routing_rule=rule, routing={"rule": rule}, answer="", supervision_level=0,
                   reopen_count=0, received_at=T0, false_closure=False, created_at=T0, updated_at=T0)


def _part(conn, ticket: int, department: int, role: str, rnd: int, status: str, at: datetime, **more) -> int:
    return _insert(conn, "assignments", ticket_id=ticket, department_id=department, role=role, round=rnd,
                   status=status, dispatched_at=at, reply="", return_grounds=more.pop("grounds", ""),
                   extension_count=0, extension_days=0, **more)


def _old_data(conn) -> dict[str, int]:
    """The rows as 9b3f6d2e8a11's services left them."""
    d = _directory(conn)
    log = _History(conn)
    ids = dict(d)
    fees = ids["fees"] = _ticket(conn, "261116-00001", kind="complaint", category=d["cat:bribery_fees"],
                                 subject="重复收取城市基础设施配套费", status="dispatched", rule="on_receipt",
                                 description="县住建局重复收取城市基础设施配套费18.6万元，要求退还。")
    ids["fees_part"] = _part(conn, fees, d["market"], "lead", 1, "dispatched", T0)
    log(fees, "received", T0, to_state="received")
    log(fees, "dispatch", T0, from_state="received", to_state="dispatched", data={"lead": "market"})
    bribe = ids["bribe"] = _ticket(conn, "261116-00002", kind="report", category=d["cat:bribery_fees"],
                                   subject="检查人员索要好处费", status="dispatched", rule="discipline",
                                   confidential=True, description="消防检查人员暗示交五千元好处费才给通过，要求保密。")
    _part(conn, bribe, d["discipline"], "lead", 1, "dispatched", T0)
    log(bribe, "received", T0, to_state="received")
    log(bribe, "dispatch", T0, from_state="received", to_state="dispatched", data={"lead": "discipline"})
    gift = ids["gift_complaint"] = _ticket(conn, "261116-00003", kind="complaint", category=d["cat:bribery_fees"],
                                           subject="办证要先送购物卡", status="received", rule=None,
                                           description="窗口人员暗示办营业执照要先送购物卡。")
    log(gift, "received", T0, to_state="received")
    ids["answered"] = _ticket(conn, "261116-00004", kind="inquiry", category=d["cat:factor_supply"],
                              subject="用电报装流程", description="咨询用电报装流程。", status="answered",
                              rule="answered")
    _joint_returned_and_redispatched(conn, log, d, ids)
    _joint_returned_awaiting_redispatch(conn, log, d, ids)
    return ids


def _joint_returned_and_redispatched(conn, log, d, ids) -> None:
    """The zone (lead) returned; finance's signed part stayed live; re-dispatch to housing + finance gave
    finance its second per-department round while housing's first part is round 1."""
    t1, t2, t3 = T0 + timedelta(minutes=5), T0 + timedelta(hours=2), T0 + timedelta(hours=3)
    joint = ids["joint"] = _ticket(conn, "261116-00005", kind="help", category=d["cat:factor_supply"],
                                   subject="珠宝加工企业扩产急需厂房和流动资金", status="dispatched", rule="joint",
                                   description="开发区珠宝企业需要厂房，另有500万元流动资金缺口，申请贷款未获批。",
                                   district=d["kaifaqu"])
    zone = ids["joint_zone"] = _part(conn, joint, d["devzone"], "lead", 1, "returned", T0, returned_at=t2,
                                     grounds="厂房验收归住建部门")
    stale = ids["joint_finance_stale"] = _part(conn, joint, d["finance_regulator"], "co", 1, "signed", T0,
                                               signed_at=t1)
    ids["joint_housing"] = _part(conn, joint, d["housing"], "lead", 1, "dispatched", t3)
    ids["joint_finance_new"] = _part(conn, joint, d["finance_regulator"], "co", 2, "dispatched", t3)
    log(joint, "received", T0, to_state="received")
    log(joint, "dispatch", T0, from_state="received", to_state="dispatched",
        data={"lead": "devzone", "co_handlers": ["finance_regulator"], "joint": True})
    log(joint, "assignment_sign", t1, assignment_id=stale, from_state="dispatched", to_state="signed")
    log(joint, "start", t1, from_state="dispatched", to_state="in_progress")
    log(joint, "assignment_return", t2, assignment_id=zone, from_state="dispatched", to_state="returned",
        data={"grounds": "厂房验收归住建部门"})
    log(joint, "all_returned", t2, from_state="in_progress", to_state="returned")
    log(joint, "redispatch", t3, from_state="returned", to_state="dispatched",
        data={"lead": "housing", "co_handlers": ["finance_regulator"], "joint": True})
    log(joint, "redispatch_note", t3, data={"note": "改由住建局主办"})


def _joint_returned_awaiting_redispatch(conn, log, d, ids) -> None:
    """The zone returned; the ticket waits for the operators while finance's part is still live."""
    t1 = T0 + timedelta(minutes=30)
    waiting = ids["waiting"] = _ticket(conn, "261116-00006", kind="help", category=d["cat:factor_supply"],
                                       subject="厂房租金减免和贴息贷款", status="returned", rule="joint",
                                       description="开发区企业申请厂房租金减免和贴息贷款。", district=d["kaifaqu"])
    zone = _part(conn, waiting, d["devzone"], "lead", 1, "returned", T0, returned_at=t1, grounds="不属于管委会职责")
    ids["waiting_finance"] = _part(conn, waiting, d["finance_regulator"], "co", 1, "dispatched", T0)
    log(waiting, "received", T0, to_state="received")
    log(waiting, "dispatch", T0, from_state="received", to_state="dispatched",
        data={"lead": "devzone", "co_handlers": ["finance_regulator"], "joint": True})
    log(waiting, "assignment_return", t1, assignment_id=zone, from_state="dispatched", to_state="returned")
    log(waiting, "all_returned", t1, from_state="dispatched", to_state="returned")


EVENTS = sa.table("events", sa.column("ticket_id", sa.Integer), sa.column("seq", sa.Integer),
                  sa.column("assignment_id", sa.Integer), sa.column("actor_id", sa.Integer),
                  sa.column("action", sa.String), sa.column("from_state", sa.String),
                  sa.column("to_state", sa.String), sa.column("data", sa.JSON),
                  sa.column("created_at", UTCDateTime()), sa.column("prev_hash", sa.String),
                  sa.column("hash", sa.String))


def _events(conn, ticket_id: int) -> list[dict]:
    return [dict(r._mapping) for r in conn.execute(sa.select(EVENTS).where(EVENTS.c.ticket_id == ticket_id)
                                                   .order_by(EVENTS.c.seq))]


def _rows(conn, sql: str, **params) -> list[tuple]:
    return [tuple(r) for r in conn.execute(sa.text(sql), params)]


def _parts(conn, ticket_id: int, with_round: bool = True) -> list[tuple]:
    columns = "d.code, a.role, a.status" + (", a.round" if with_round else "")
    return _rows(conn, f"SELECT {columns} FROM assignments a JOIN departments d ON d.id = a.department_id "
                       "WHERE a.ticket_id = :t ORDER BY a.id", t=ticket_id)


def _category_of(conn, ticket_id: int) -> str:
    return conn.execute(sa.text("SELECT c.code FROM tickets t JOIN categories c ON c.id = t.category_id "
                                "WHERE t.id = :t"), {"t": ticket_id}).scalar_one()


def test_rounds_withdrawals_and_the_fee_split_over_old_rows(database_url, redis_url, tmp_path, _schema):
    with _empty_database(database_url, tmp_path) as url:
        app = create_app(_TestConfig(url, redis_url))
        directory = str(ROOT / "migrations")
        with app.app_context():
            upgrade(directory=directory, revision=BEFORE)
            with db.engine.begin() as conn:
                ids = _old_data(conn)
            upgrade(directory=directory)
            with db.engine.connect() as conn:
                _assert_rounds_and_withdrawals(conn, ids)
                _assert_fee_split(conn, ids)
            _assert_one_live_part_per_department(ids)
            downgrade(directory=directory, revision=BEFORE)
            with db.engine.connect() as conn:
                _assert_back_at_the_old_shape(conn, ids)
            db.session.remove()
            db.engine.dispose()


def _assert_rounds_and_withdrawals(conn, ids) -> None:
    joint, waiting = ids["joint"], ids["waiting"]
    assert _parts(conn, joint) == [("devzone", "lead", "returned", 1), ("finance_regulator", "co", "withdrawn", 1),
                                   ("housing", "lead", "dispatched", 2), ("finance_regulator", "co", "dispatched", 2)]
    assert _parts(conn, waiting) == [("devzone", "lead", "returned", 1), ("finance_regulator", "co", "withdrawn", 1)]
    assert _parts(conn, ids["fees"]) == [("market", "lead", "dispatched", 1)]  # a sound ticket is left alone
    rounds = dict(_rows(conn, "SELECT id, round FROM tickets"))
    assert (rounds[joint], rounds[waiting], rounds[ids["fees"]], rounds[ids["answered"]]) == (2, 1, 1, 0)

    for ticket_id, part, before in ((joint, ids["joint_finance_stale"], "signed"),
                                    (waiting, ids["waiting_finance"], "dispatched")):
        history = _events(conn, ticket_id)
        withdrawn = [e for e in history if e["action"] == "assignment_withdraw"]
        assert [(e["assignment_id"], e["from_state"], e["to_state"], e["data"]) for e in withdrawn] == [
            (part, before, "withdrawn", {"department": "finance_regulator", "because": "round_repair"})]
        assert history[-1] == withdrawn[0]  # appended at the end of the ticket's chain
        assert chain.verify(history) is None
    assert [e["action"] for e in _events(conn, ids["fees"])] == ["received", "dispatch"]

    tampered = _events(conn, joint)
    tampered[-1]["data"] = {**tampered[-1]["data"], "department": "housing"}
    assert chain.verify(tampered) == chain.Break(tampered[-1]["seq"], "hash")  # the check can fail


def _assert_fee_split(conn, ids) -> None:
    categories = {code: (position, misconduct, kind) for code, position, misconduct, kind in _rows(
        conn, "SELECT code, position, is_misconduct, default_kind FROM categories")}
    assert set(categories) == {"refusal", "bribery", "arbitrary_fees", "factor_supply"}
    assert categories["bribery"][0] == 1 and bool(categories["bribery"][1]) and categories["bribery"][2] == "report"
    assert categories["arbitrary_fees"][0] == 2 and not categories["arbitrary_fees"][1]
    assert categories["arbitrary_fees"][2] == "complaint" and categories["factor_supply"][0] == 3
    assert _category_of(conn, ids["fees"]) == "arbitrary_fees"
    assert _category_of(conn, ids["bribe"]) == "bribery"
    assert _category_of(conn, ids["gift_complaint"]) == "bribery"  # a complaint about a gift card is a bribe
    assert _rows(conn, "SELECT d.code FROM category_departments cd JOIN categories c ON c.id = cd.category_id "
                       "JOIN departments d ON d.id = cd.department_id WHERE c.code = 'arbitrary_fees'") == [("market",)]
    assert _rows(conn, "SELECT d.code FROM routing_rules r JOIN departments d ON d.id = r.department_id "
                       "WHERE r.code = 'price'") == [("market",)]
    assert _rows(conn, "SELECT key FROM settings WHERE key = 'reference_generation'") == []


def _assert_one_live_part_per_department(ids) -> None:
    joint, finance = ids["joint"], ids["finance_regulator"]
    with db.engine.connect() as conn:
        with pytest.raises(IntegrityError):
            _part(conn, joint, finance, "co", 3, "dispatched", T0 + timedelta(days=1))
        conn.rollback()
        _part(conn, joint, finance, "co", 3, "returned", T0 + timedelta(days=1))  # a part that is over may repeat
        conn.rollback()


def _assert_back_at_the_old_shape(conn, ids) -> None:
    assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() == BEFORE
    assert _parts(conn, ids["joint"]) == [("devzone", "lead", "returned", 1),
                                          ("finance_regulator", "co", "returned", 1),
                                          ("housing", "lead", "dispatched", 2),
                                          ("finance_regulator", "co", "dispatched", 2)]
    assert _rows(conn, "SELECT COUNT(*) FROM assignments WHERE status = 'withdrawn'") == [(0,)]
    assert {c["name"] for c in sa.inspect(conn).get_columns("tickets")}.isdisjoint(
        {"round", "respondent_name", "respondent_department_id"})
    assert "uq_assignments_one_live_per_department" not in {i["name"] for i in sa.inspect(conn).get_indexes(
        "assignments")}
    assert {code for (code,) in _rows(conn, "SELECT code FROM categories")} == {
        "refusal", "bribery_fees", "factor_supply"}
    for key in ("fees", "bribe", "gift_complaint"):
        assert _category_of(conn, ids[key]) == "bribery_fees"
    assert _rows(conn, "SELECT code FROM routing_rules WHERE code = 'price'") == []
    assert chain.verify(_events(conn, ids["joint"])) is None  # the history is append-only: it stays intact
