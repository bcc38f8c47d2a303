"""The pure parts: who hears of what on which channel, backoff, templates, signed links."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from hotline.notifications import links, messages, rules

NOW = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)


def test_a_handler_gets_sms_for_sign_for_and_contact_limits_and_email_for_the_rest_by_default():
    assert rules.staff_channels("escalation_sign_warn", is_handler=True, user_pref=None,
                                department_pref=None) == ("sms",)
    assert rules.staff_channels("escalation_contact_breach", is_handler=True, user_pref=None,
                                department_pref=None) == ("sms",)
    assert rules.staff_channels("new_assignment", is_handler=True, user_pref=None, department_pref=None) == ("email",)
    assert rules.staff_channels("escalation_resolve_warn", is_handler=True, user_pref=None,
                                department_pref=None) == ("email",)


def test_a_users_choice_beats_the_departments_which_beats_the_default():
    assert rules.staff_channels("new_assignment", is_handler=True, user_pref=None, department_pref="sms") == ("sms",)
    assert rules.staff_channels("new_assignment", is_handler=True, user_pref="", department_pref="sms") == ()
    assert rules.staff_channels("new_assignment", is_handler=True, user_pref="sms,email",
                                department_pref="") == ("email", "sms")


def test_other_roles_hear_outside_the_app_only_when_they_chose_to():
    assert rules.staff_channels("escalation_sign_breach", is_handler=False, user_pref=None, department_pref=None) == ()
    assert rules.staff_channels("escalation_sign_breach", is_handler=False, user_pref="sms",
                                department_pref=None) == ("sms",)


def test_unknown_channel_names_in_a_stored_preference_are_ignored():
    assert rules.parse_channels("fax, sms ,pigeon") == ("sms",)


def test_a_channel_without_a_usable_address_is_skipped():
    assert rules.staff_address("email", email="wang@linfen.test", mobile="") == "wang@linfen.test"
    assert rules.staff_address("email", email="not an address", mobile="") is None
    assert rules.staff_address("sms", email="", mobile="0357-2096666") is None  # a landline takes no SMS
    assert rules.staff_address("sms", email="", mobile="+86 139 0000 1234") == "13900001234"


@pytest.mark.parametrize(("phone", "confidential", "opted_in", "told"), [
    ("13812345678", False, False, True),
    ("13812345678", True, False, False),  # confidential: not without consent
    ("13812345678", True, True, True),
    ("03572096666", False, False, False),  # a landline
    (None, False, False, False),
])
def test_the_caller_is_told_by_sms_only_on_a_mobile_and_for_a_confidential_ticket_only_with_consent(
        phone, confidential, opted_in, told):
    assert rules.caller_may_be_told(phone=phone, confidential=confidential, opted_in=opted_in) is told


def test_backoff_doubles_from_the_base_up_to_the_cap():
    assert [rules.backoff_seconds(n, base=30, cap=300) for n in range(1, 7)] == [30, 60, 120, 240, 300, 300]
    assert rules.retry_intervals(5, base=30, cap=3600) == [30, 60, 120, 240]


def test_after_the_last_try_a_delivery_is_failed_and_not_tried_again():
    assert rules.after_failure(1, NOW, max_attempts=3, base=30, cap=3600) == ("pending", NOW + timedelta(seconds=30))
    assert rules.after_failure(2, NOW, max_attempts=3, base=30, cap=3600) == ("pending", NOW + timedelta(seconds=60))
    assert rules.after_failure(3, NOW, max_attempts=3, base=30, cap=3600) == ("failed", None)


@given(st.integers(min_value=1, max_value=200), st.integers(min_value=1, max_value=600),
       st.integers(min_value=1, max_value=86400))
def test_backoff_never_shrinks_and_never_passes_the_cap(attempt, base, cap):
    now = rules.backoff_seconds(attempt, base=base, cap=cap)
    later = rules.backoff_seconds(attempt + 1, base=base, cap=cap)
    assert 0 < now <= later <= max(cap, 1)


def test_admins_see_addresses_masked():
    assert rules.mask_address("13812345678") == "138****5678"
    assert rules.mask_address("wangli@linfen.test") == "w***@linfen.test"


def test_the_callers_dispatch_sms_carries_the_number_and_link_and_nothing_else():
    m = messages.render("caller_dispatched", "zh_CN", {"ticket": "20261203-0001", "link": "https://x/status?n=1"})
    assert "20261203-0001" in m.body and "https://x/status?n=1" in m.body and m.body.startswith("【临汾营商环境专线】")


def test_every_template_renders_in_both_languages_with_its_parameters():
    params = {"ticket": "20261203-0001", "link": "https://hotline.test/x", "level": 1}
    for event in messages.TEMPLATES:
        zh, en = messages.render(event, "zh_CN", params), messages.render(event, "en", params)
        assert "20261203-0001" in zh.subject + zh.body and "https://hotline.test/x" in zh.body
        assert en.body.startswith("[Linfen Business Environment Hotline]") and "https://hotline.test/x" in en.body
        assert "%" not in zh.body.replace("75%", "") and "%" not in en.body.replace("75%", "")


def test_a_signed_satisfaction_link_names_its_ticket_and_round():
    token = links.sign_satisfaction("secret", 42, 2)
    assert links.read_satisfaction("secret", token, max_age_seconds=3600) == links.SatisfactionClaim(42, 2)


def test_a_tampered_or_foreign_satisfaction_link_is_refused():
    token = links.sign_satisfaction("secret", 42, 1)
    other = links.sign_satisfaction("secret", 43, 1)
    forged = other.split(".")[0] + "." + ".".join(token.split(".")[1:])  # ticket 43's payload, 42's signature
    for bad in (forged, token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "nonsense"):
        with pytest.raises(links.LinkInvalid):
            links.read_satisfaction("secret", bad, max_age_seconds=3600)
    with pytest.raises(links.LinkInvalid):
        links.read_satisfaction("another secret", token, max_age_seconds=3600)


def test_a_satisfaction_link_expires():
    with time_machine.travel(NOW, tick=False):
        token = links.sign_satisfaction("secret", 42, 1)
    with time_machine.travel(NOW + timedelta(days=14, seconds=-5), tick=False):
        assert links.read_satisfaction("secret", token, max_age_seconds=14 * 86400).ticket_id == 42
    with time_machine.travel(NOW + timedelta(days=14, seconds=5), tick=False):
        with pytest.raises(links.LinkExpired):
            links.read_satisfaction("secret", token, max_age_seconds=14 * 86400)
