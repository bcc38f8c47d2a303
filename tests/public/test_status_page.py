"""The public status page: what it shows, what it never shows, its limits, and one answer for
"no such ticket" and "wrong digits"."""
from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import event

from hotline.extensions import db
from tests.conftest import csrf_from
from tests.public.conftest import CALLER, intake, resolve


def _look_up(client, number: str, digits: str, address: str = "203.0.113.7"):
    token = csrf_from(client.get("/status").get_data(as_text=True))
    return client.post("/status", data={"number": number, "digits": digits, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address})


def _text(response) -> str:
    return response.get_data(as_text=True)


def _answer_part(response) -> str:
    """The page without what differs by design (the CSRF tokens, signed with the second they were made;
    the number typed back into the form)."""
    html = re.sub(r'<input[^>]*name="csrf_token"[^>]*>', "", _text(response))
    return re.sub(r'id="number" [^>]*>', "", html)


def test_the_right_number_and_digits_show_state_department_and_due_date_but_no_identity(client, city):
    ticket = intake()
    response = _look_up(client, ticket.number, CALLER[-4:])
    html = _text(response)
    assert response.status_code == 200 and 'id="status-result"' in html
    lead = ticket.assignments[0]
    assert lead.department.name_zh in html and 'id="status-due"' in html
    for secret in ("赵建国", CALLER, "华晟", "窗口拒收申请"):
        assert secret not in html


def test_the_reply_is_shown_once_resolved(client, city):
    ticket = resolve(intake(), reply="已受理申请并一次性告知补正材料。")
    html = _text(_look_up(client, ticket.number, CALLER[-4:]))
    assert "已受理申请并一次性告知补正材料。" in html and 'id="status-due"' not in html


def test_a_confidential_ticket_shows_its_state_only(client, city):
    ticket = resolve(intake(kind="report", category_code="bribery", confidential=True, subject="索要好处"),
                     reply="经核查，已移送纪委监委处理。")
    html = _text(_look_up(client, ticket.number, CALLER[-4:]))
    assert 'id="status-state"' in html
    assert 'id="status-department"' not in html and 'id="status-due"' not in html and "纪委" not in html
    assert "移送" not in html


def test_no_such_ticket_and_wrong_digits_get_the_same_answer(client, city):
    ticket = intake()
    wrong = _look_up(client, ticket.number, "0000" if CALLER[-4:] != "0000" else "1111")
    missing = _look_up(client, ticket.number[:-1] + ("9" if ticket.number[-1] != "9" else "8"), CALLER[-4:])
    assert wrong.status_code == missing.status_code == 200
    assert 'id="status-no-match"' in _text(wrong)
    import difflib

    diff = list(difflib.unified_diff(_answer_part(wrong).splitlines(), _answer_part(missing).splitlines(), lineterm=""))
    assert diff == [], "\n".join(diff)


def test_no_such_ticket_and_wrong_digits_run_the_same_statements(app, client, city):
    """Similar timing by construction: both paths read and write the same, in the same order."""
    number = intake().number
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(re.sub(r"\s+", " ", statement))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        token = csrf_from(client.get("/status").get_data(as_text=True))
        seen.clear()
        client.post("/status", data={"number": number, "digits": "0000", "csrf_token": token})
        wrong = list(seen)
        seen.clear()
        client.post("/status", data={"number": "NOSUCH-0001", "digits": CALLER[-4:], "csrf_token": token})
        missing = list(seen)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert wrong == missing and wrong


def test_an_address_that_looks_up_too_often_is_refused_for_a_while(app, client, city):
    app.config["STATUS_LIMIT_ADDRESS"] = "3 per 15 minutes"
    ticket = intake()
    for _ in range(3):
        assert _look_up(client, ticket.number, CALLER[-4:]).status_code == 200
    refused = _look_up(client, ticket.number, CALLER[-4:])
    assert refused.status_code == 429 and 'id="status-limited"' in _text(refused)
    assert 'id="status-result"' not in _text(refused)
    assert _look_up(client, ticket.number, CALLER[-4:], address="198.51.100.9").status_code == 200


def test_guessing_the_digits_of_one_ticket_from_many_addresses_is_stopped(app, client, city):
    app.config["STATUS_LIMIT_TICKET"] = "5 per 60 minutes"
    ticket = intake()
    for n in range(5):
        assert _look_up(client, ticket.number, f"{n:04d}", address=f"192.0.2.{n}").status_code == 200
    # even the right digits, from a fresh address, wait now: the guesser cannot tell a hit
    assert _look_up(client, ticket.number, CALLER[-4:], address="192.0.2.200").status_code == 429
    missing = "20991231-9999"
    for n in range(5):
        _look_up(client, missing, f"{n:04d}", address=f"192.0.2.{50 + n}")
    assert _look_up(client, missing, "1234", address="192.0.2.201").status_code == 429  # the same, for no ticket


def test_the_form_needs_its_csrf_token(client, city):
    ticket = intake()
    assert client.post("/status", data={"number": ticket.number, "digits": CALLER[-4:]}).status_code == 400


def test_the_page_is_chinese_first_and_english_on_request(client):
    assert "查询" in _text(client.get("/status"))
    token = csrf_from(_text(client.get("/status")))
    client.post("/language/en", data={"csrf_token": token, "next": "/status"})
    assert "Follow your request" in _text(client.get("/status"))


def test_any_input_gets_a_page_and_only_the_right_pair_shows_the_ticket(app, client, city):
    app.config["STATUS_LIMIT_ADDRESS"] = "100000 per 15 minutes"
    app.config["STATUS_LIMIT_TICKET"] = "100000 per 60 minutes"
    ticket = intake()
    token = csrf_from(_text(client.get("/status")))

    @settings(max_examples=60, deadline=None)
    @given(number=st.one_of(st.just(ticket.number), st.just(f" {ticket.number.lower()} "), st.text(max_size=60)),
           digits=st.one_of(st.just(CALLER[-4:]), st.text(alphabet="0123456789 ", max_size=6), st.text(max_size=8)))
    def check(number, digits):
        response = client.post("/status", data={"number": number, "digits": digits, "csrf_token": token})
        assert response.status_code in (200, 400)
        shown = 'id="status-result"' in _text(response)
        right = "".join(number.split()).upper() == ticket.number and digits.strip() == CALLER[-4:]
        assert shown == right

    check()
