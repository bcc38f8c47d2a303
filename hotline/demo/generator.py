"""The deterministic ticket-history generator of ``bench.generate`` and the demo's past
(:mod:`hotline.demo.history`). It yields rows; the caller writes them (COPY, executemany, or
SQLAlchemy in the demo seed).

The history is a pure function of ``--seed`` and ``--tickets`` (and ``--start``/``--end``):

* received times over ``--start`` .. ``--end`` (default 2023-01-01 .. 2026-11-27, city time),
  growing over the years, fewer on weekends and public holidays (the line is staffed 08:00-18:00
  every day; web, e-mail and API matters arrive around the clock);
* enterprises, phones and texts from :mod:`hotline.demo.corpus` (valid credit codes, normalized
  phones, ``enterprise_norm`` by ``normalize_enterprise_name``, per-category templates);
* about 8 % of tickets repeat an earlier complaint of the same enterprise within 180 days and
  share its ``chain_id``; a repeat with no new facts while the earlier ticket is open is merged
  (并单), otherwise re-handled (重办) under supervision;
* each ticket is played through its lifecycle on the working clock (official holidays and
  make-up days, 08:30-12:00 and 14:30-18:00) the way the services write it — intake and dispatch
  (``tickets.intake``), sign, contact attempts, extensions, returns and re-dispatch, submit,
  resolve, callbacks, close or reopen into a new round (``tickets.lifecycle``), supervision cases
  opened, escalated and cleared (``escalation.services``) — with the same event actions and
  data, and cut at the end of the history, so old tickets are closed and open ones are recent.

With ``--open-share S`` (for ``bench.sweep``) that share of the dispatched tickets is held open: each
is cut at a random instant between its first dispatch and its first resolution (its own random stream,
so ``--open-share 0``, the default, writes exactly the history above); later repeats are merged into it
while it waits, and the supervision they open is kept up to the end of the history.

Written: matter_chains, tickets, assignments (with warning instants), contact_attempts,
extensions, events (hash-chained; a sample is verified with ``hotline.tickets.events``),
callbacks, supervision_cases, supervision_actions, ticket_counters. Not written: notifications,
attachments, supervision notices, and the escalation engine's automatic warning and breach
steps (``escalation_*`` events, ``escalation_steps``) for late work.
"""

from __future__ import annotations

import bisect
import calendar as _cal
import json
import random
import time
from array import array
from datetime import UTC, date, datetime, timedelta
from hashlib import sha256
from zoneinfo import ZoneInfo

from hotline.demo import corpus
from hotline.tickets import chain as _chain

GENESIS = _chain.GENESIS
# The encoding of hotline.tickets.chain.canonical (sort_keys, ensure_ascii=False, compact separators),
# with the C encoder built once instead of per call; verify_sample() checks hashes with the project's code.
try:
    from json.encoder import c_make_encoder as _c_make_encoder
    from json.encoder import encode_basestring as _encode_str

    _CANONICAL = _c_make_encoder(None, _chain._default, _encode_str, None, ":", ",", True, False, True)

    def canonical_json(obj) -> str:
        return "".join(_CANONICAL(obj, 0))
except (ImportError, TypeError):  # no C accelerator
    canonical_json = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                                      default=_chain._default).encode
assert tuple(sorted(_chain.HASHED_FIELDS)) == ("action", "actor_id", "assignment_id", "created_at", "data",
                                               "from_state", "seq", "ticket_id", "to_state")

TZ = ZoneInfo("Asia/Shanghai")
UTC_OFFSET = 8 * 3600  # Asia/Shanghai has no DST since 1991
DEFAULT_START = date(2023, 1, 1)
DEFAULT_END = date(2026, 11, 27)
REPEAT_RATE = 0.081  # attempts; a few find no eligible earlier ticket → ~8 % of tickets
REPEAT_WINDOW_S = 180 * 86400
CHUNK = 5000

TICKET_COLUMNS = (
    "id", "number", "idempotency_key", "channel", "kind", "category_id", "subject", "description",
    "caller_name", "caller_phone", "enterprise_name", "enterprise_norm", "credit_code", "district_id",
    "urgency", "confidential", "status", "routing_rule", "routing", "answer", "supervision_level",
    "reopen_count", "chain_id", "merged_into_id", "operator_id", "received_at", "dispatch_due_at",
    "dispatched_at", "resolved_at", "callback_due_at", "closed_at", "close_reason", "false_closure",
    "created_at", "updated_at", "respondent_name", "respondent_department_id", "round",
)
ASSIGNMENT_COLUMNS = (
    "id", "ticket_id", "department_id", "role", "round", "status", "dispatched_at", "sign_due_at", "sign_warn_at",
    "contact_due_at", "contact_warn_at", "return_due_at", "resolve_due_at", "resolve_warn_at", "signed_at",
    "signed_by_id", "first_contact_at", "submitted_at", "submitted_by_id", "reply", "reply_solved", "returned_at",
    "return_grounds", "extension_count", "extension_days", "sign_minutes", "contact_minutes", "submit_minutes",
)
CONTACT_COLUMNS = ("id", "assignment_id", "at", "method", "reached", "summary", "user_id", "created_at")
EXTENSION_COLUMNS = ("id", "assignment_id", "days", "reason", "status", "requested_by_id", "requested_at",
                     "decided_by_id", "decided_at", "decision_note")
CASE_COLUMNS = ("id", "ticket_id", "level", "opened_round", "trigger", "status", "opened_at", "due_at", "closed_at",
                "closed_by_id", "close_reason")
ACTION_COLUMNS = ("id", "case_id", "kind", "department_id", "due_at", "held_at", "participants", "outcome",
                  "actor_id", "created_at")
EVENT_COLUMNS = ("id", "ticket_id", "seq", "assignment_id", "actor_id", "action", "from_state", "to_state",
                 "data", "created_at", "prev_hash", "hash")
CALLBACK_COLUMNS = ("id", "ticket_id", "round", "attempt", "at", "operator_id", "reached", "solved",
                    "satisfaction", "comment", "department_id", "reply_solved")
CHAIN_COLUMNS = ("id", "repeat_count", "supervision_level", "created_at")
COUNTER_COLUMNS = ("day", "last")
TABLES = {"matter_chains": CHAIN_COLUMNS, "tickets": TICKET_COLUMNS, "assignments": ASSIGNMENT_COLUMNS,
          "contact_attempts": CONTACT_COLUMNS, "extensions": EXTENSION_COLUMNS, "events": EVENT_COLUMNS,
          "callbacks": CALLBACK_COLUMNS, "supervision_cases": CASE_COLUMNS, "supervision_actions": ACTION_COLUMNS,
          "ticket_counters": COUNTER_COLUMNS}
# in foreign-key order; their secondary indexes are dropped for the load and built after it
BULK_TABLES = ("tickets", "assignments", "contact_attempts", "extensions", "events", "callbacks",
               "supervision_cases", "supervision_actions")

CATEGORY_WEIGHTS = (
    ("refusal", 6), ("extra_steps", 8), ("deadline_missed", 14), ("buck_passing", 8), ("bribery", 1),
    ("arbitrary_fees", 2),
    ("private_gain", 1), ("rough_enforcement", 5), ("leak_secrets", 1), ("retaliation", 1),
    ("unpaid_debts", 10), ("policy_unfulfilled", 9), ("designated_intermediary", 3), ("factor_supply", 14),
    ("inaction", 9), (None, 8),
)
CATEGORIES = tuple(c for c, _ in CATEGORY_WEIGHTS)
KINDS = ("complaint", "report", "inquiry", "help", "suggestion")
CHANNELS = ("phone", "12345", "web", "api", "email", "walk_in")
CHANNEL_WEIGHTS = (62, 15, 10, 5, 3, 5)
STAFFED = frozenset({0, 1, 5})  # phone, 12345 transfers, walk-in: entered and dispatched at once, 08-18
URGENCIES = ("normal", "urgent", "emergency")
STAFFED_HOURS = tuple(range(8, 18))
STAFFED_HOUR_WEIGHTS = (9, 13, 12, 9, 5, 7, 11, 12, 11, 7)
ANY_HOUR_WEIGHTS = (1, 1, 1, 1, 1, 1, 2, 4, 7, 9, 9, 8, 6, 7, 8, 8, 8, 7, 6, 6, 5, 4, 3, 2)
OPEN_STATES = frozenset({"received", "dispatched", "in_progress", "resolved", "returned", "reopened"})


# --------------------------------------------------------------------------------------------
# Working clock on epoch seconds (checked against hotline.worktime.clock at start-up)
# --------------------------------------------------------------------------------------------


class FastClock:
    """``WorkingClock.add_working_minutes`` on integer epoch seconds via cumulative working time."""

    def __init__(self, clock, first: date, last: date) -> None:
        self.clock = clock
        starts, ends, cum, total = [], [], [], 0
        zone = ZoneInfo(clock.hours.tz)
        day = first
        while day <= last:
            if clock.calendar.is_workday(day):
                for ps, pe in clock.hours.periods:
                    s = int(datetime.combine(day, ps, zone).timestamp())
                    e = int(datetime.combine(day, pe, zone).timestamp())
                    starts.append(s)
                    ends.append(e)
                    total += e - s
                    cum.append(total)
            day += timedelta(days=1)
        self.starts, self.ends, self.cum = starts, ends, cum
        self.minutes_per_day = clock.hours.minutes_per_day

    def worked(self, t: int) -> int:
        """Working seconds from the table start to ``t``."""
        k = bisect.bisect_right(self.ends, t)
        before = self.cum[k - 1] if k else 0
        if k < len(self.starts) and t > self.starts[k]:
            before += t - self.starts[k]
        return before

    def add(self, t: int, seconds: int) -> int:
        """``t`` plus ``seconds`` of working time (a result at a period's end stays there)."""
        if seconds <= 0:
            return t
        target = self.worked(t) + seconds
        k = bisect.bisect_left(self.cum, target)
        return self.starts[k] + target - (self.cum[k] - (self.ends[k] - self.starts[k]))

    def check(self, rng: random.Random, first: int, last: int, samples: int = 300) -> None:
        """Compare with the project's clock on random instants and amounts."""
        for _ in range(samples):
            t = rng.randrange(first, last)
            minutes = rng.choice((1, 30, 120, 210, 420, 630, 2100, 4200, 6300))
            mine = self.add(t, minutes * 60)
            ref = self.clock.add_working_minutes(datetime.fromtimestamp(t, UTC), minutes)
            if int(ref.timestamp()) != mine:
                raise AssertionError(f"FastClock differs at {t} + {minutes} min: {mine} != {ref}")


class Limits:
    """The default policy's limits as (working?, seconds)."""

    def __init__(self, policy, minutes_per_day: int) -> None:
        from hotline.worktime.limits import Unit

        def conv(limit):
            if limit.unit is Unit.NATURAL_MINUTES:
                return (False, int(limit.amount * 60))
            per = minutes_per_day if limit.unit is Unit.WORKING_DAYS else 1
            return (True, int(round(limit.amount * per * 60)))

        self.dispatch = conv(policy.dispatch)
        self.sign = conv(policy.sign)
        self.contact = {str(k): conv(v) for k, v in policy.contact.items()}
        self.return_window = conv(policy.return_window)
        self.resolve = conv(policy.resolve)
        self.joint_resolve = conv(policy.joint_resolve)
        self.co_answer = conv(policy.co_answer)
        self.callback = conv(policy.callback)
        self.supervision = conv(policy.supervision_level)
        self.day = int(round(minutes_per_day * 60))
        self.max_extension_days = policy.max_extension_days


# --------------------------------------------------------------------------------------------
# Timestamps as strings (formatted once per day and second of day)
# --------------------------------------------------------------------------------------------


class Stamps:
    """Epoch seconds → the column format of the dialect, and → the event hash's ISO form."""

    def __init__(self, dialect: str) -> None:
        self.suffix = "+00" if dialect == "postgresql" else ".000000"
        self.days: dict[int, str] = {}
        self.tod = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)]

    def day(self, d: int) -> str:
        s = self.days.get(d)
        if s is None:
            s = self.days[d] = (date(1970, 1, 1) + timedelta(days=d)).isoformat()
        return s

    def col(self, t: int | None) -> str | None:
        if t is None:
            return None
        d, s = divmod(t, 86400)
        return f"{self.day(d)} {self.tod[s]}{self.suffix}"

    def iso(self, t: int) -> str:
        """As hotline.tickets.chain serialises an event's instant."""
        d, s = divmod(t, 86400)
        return f"{self.day(d)}T{self.tod[s]}.000000Z"

    def isodata(self, t: int) -> str:
        """``datetime.isoformat()`` of an aware UTC instant, as services put in event data."""
        d, s = divmod(t, 86400)
        return f"{self.day(d)}T{self.tod[s]}+00:00"


# --------------------------------------------------------------------------------------------
# The history
# --------------------------------------------------------------------------------------------


class Assignment:
    """One department's part, played on the clock; cut at the end of the history."""

    __slots__ = ("id", "dept", "code", "role", "round", "steps", "contacts")

    def __init__(self, aid: int, dept: int, code: str, role: str, rnd: int) -> None:
        self.id, self.dept, self.code, self.role, self.round = aid, dept, code, role, rnd
        # (t, event action or None, to_state or None, field updates, event data)
        self.steps: list[tuple] = []
        self.contacts: list[tuple] = []  # (recorded at, contact at, method, reached)


class Story:
    """What happens to one ticket, before cutting at the end of the history."""

    __slots__ = ("evs", "asgs", "callbacks", "extensions", "supervise", "close", "close_reason", "reopen_t",
                 "false_closure_t")

    def __init__(self) -> None:
        self.evs: list[tuple] = []  # (t, order, action, from, to, assignment id, data, actor)
        self.asgs: list[Assignment] = []
        self.callbacks: list[tuple] = []  # (round, attempt, t, reached, solved, satisfaction)
        self.extensions: list[tuple] = []  # (assignment id, days, reason, requested_at, decided_at)
        self.supervise: list[tuple] = []  # (t, order, level or "+1", trigger)
        self.close: int | None = None
        self.close_reason: str | None = None
        self.reopen_t: int | None = None
        self.false_closure_t: int | None = None


# Event order at one instant: the step before what it causes.
O_RECEIVED, O_INTAKE, O_DISPATCH, O_SUPERVISE_INTAKE, O_MERGED, O_SUPERVISE_MERGE = 0, 1, 2, 3, 5, 6
O_ASSIGNMENT, O_ALL_RETURNED, O_REDISPATCH, O_NOTE, O_START, O_RESOLVE = 8, 10, 11, 12, 13, 14
O_CALLBACK, O_CLOSE, O_SUPERVISE_REOPEN, O_INTERVIEW, O_CLEAR = 15, 16, 17, 18, 19
CLEAR_REASONS = {"satisfied": "工单已办结，回访满意，解除督办。",
                 "unreachable": "工单已办结，两次回访未接通，解除督办。"}
EXTENSION_REASONS = ("需协调多个部门现场核查", "涉及历史遗留问题，需调取档案", "需等待上级部门批复",
                     "企业补充材料需要时间")
CONTACT_METHODS = ("phone", "phone", "phone", "phone", "visit", "sms", "via_centre")


class History:
    """Plans and generates the ticket history for one seed."""

    def __init__(self, n: int, seed: int, start: date, end: date, dialect: str, refs: dict,
                 open_share: float = 0.0) -> None:
        from hotline.worktime.calendar import WorkCalendar, WorkingClock, WorkingHours
        from hotline.worktime.limits import Policy

        self.n, self.seed, self.start, self.end, self.dialect = n, seed, start, end, dialect
        self.refs = refs
        self.calendar = WorkCalendar()
        clock = WorkingClock(self.calendar, WorkingHours())
        self.fc = FastClock(clock, start - timedelta(days=7), end + timedelta(days=400))
        self.end_t = _local_midnight(end + timedelta(days=1))
        self.start_t = _local_midnight(start)
        self.fc.check(random.Random(seed), self.start_t, self.end_t)
        self.policy = Policy()
        self.lim = Limits(self.policy, clock.hours.minutes_per_day)
        self.stamps = Stamps(dialect)
        self.n_enterprises = max(50, n // 4)
        self.n_frequent = max(5, self.n_enterprises // 100)
        self.n_individuals = max(20, n // 10)
        self.n_agents = max(3, n // 25000)
        self.counts = {t: 0 for t in BULK_TABLES}
        self.states: dict[str, int] = {}
        self.next_id = {t: 1 for t in BULK_TABLES}
        # --open-share: that share of dispatched tickets is cut before its resolution (stays open);
        # its own random stream, so open_share=0 writes exactly the history it always wrote
        self.open_share = open_share
        self.open_rng = random.Random(seed * 2 + 3)
        self.open_tickets = 0
        self.open_assignments = 0

    # -- planning ---------------------------------------------------------------------------

    def plan(self) -> None:
        """Times, numbers, identities, categories and repeat chains, in received order."""
        rng = random.Random(self.seed * 2 + 1)
        n = self.n
        days = []
        d = self.start
        while d <= self.end:
            days.append(d)
            d += timedelta(days=1)
        weights = [self._day_weight(d, i / max(1, len(days) - 1), rng) for i, d in enumerate(days)]
        per_day = _allocate(n, weights)
        self.day_counts = [(d, c) for d, c in zip(days, per_day, strict=True) if c]
        self.t = array("q", [0]) * n
        self.channel = bytearray(n)
        self.day_index = array("l", [0]) * n
        self.serial = array("l", [0]) * n
        self.day_codes = []
        i = 0
        for di, (d, count) in enumerate(self.day_counts):
            midnight = _local_midnight(d)
            self.day_codes.append(d.strftime("%y%m%d"))
            todays = []
            for _ in range(count):
                ch = rng.choices(range(6), CHANNEL_WEIGHTS)[0]
                if ch in STAFFED:
                    hour = rng.choices(STAFFED_HOURS, STAFFED_HOUR_WEIGHTS)[0]
                else:
                    hour = rng.choices(range(24), ANY_HOUR_WEIGHTS)[0]
                todays.append((hour * 3600 + rng.randrange(3600), ch))
            todays.sort()
            for serial, (sec, ch) in enumerate(todays, 1):
                self.t[i] = midnight + sec
                self.channel[i] = ch
                self.day_index[i] = di
                self.serial[i] = serial
                i += 1
        assert i == n
        self.ent = array("q", [0]) * n
        self.pid = array("q", [0]) * n
        self.cat = bytearray(n)
        self.kind = bytearray(n)
        self.urgency = bytearray(n)
        self.key = array("q", [0]) * n
        self.rep = array("q", [-1]) * n
        self.newf = bytearray(n)
        self.chain = array("l", [0]) * n
        self.pos = bytearray(n)  # 1-based position in its chain (0: no chain)
        self.cc_given = bytearray(n)
        self.repeats_of: dict[int, list[int]] = {}
        chain_sizes: list[int] = [0]
        chain_created: list[int] = [0]
        cat_weights = [w for _, w in CATEGORY_WEIGHTS]
        for i in range(n):
            j = self._pick_repeat(rng, i) if rng.random() < REPEAT_RATE else -1
            if j >= 0:
                self.rep[i] = j
                self.ent[i] = self.ent[j]
                self.pid[i] = self.pid[j] if rng.random() < 0.75 or self.pid[j] >= corpus.AGENT_PID_BASE \
                    else corpus.enterprise_contact(self.ent[j], rng.choice((0, 1, 2)))[0]
                self.cat[i] = self.cat[j]
                self.kind[i] = self.kind[j]
                self.urgency[i] = self.urgency[j]
                self.key[i] = self.key[j]
                self.newf[i] = rng.random() < 0.3
                self.cc_given[i] = self.cc_given[j] if rng.random() < 0.8 else rng.random() < 0.72
                if not self.chain[j]:
                    chain_sizes.append(1)
                    chain_created.append(self.t[i])
                    self.chain[j] = len(chain_sizes) - 1
                    self.pos[j] = 1
                c = self.chain[j]
                chain_sizes[c] += 1
                self.chain[i] = c
                self.pos[i] = min(255, chain_sizes[c])
                self.repeats_of.setdefault(j, []).append(i)
                continue
            who = rng.random()
            if who < 0.86:
                e = rng.randrange(self.n_frequent) if rng.random() < 0.15 else rng.randrange(self.n_enterprises)
                self.ent[i] = e
                self.pid[i] = corpus.enterprise_contact(e, rng.choices((0, 1, 2), (55, 30, 15))[0])[0]
                self.cc_given[i] = rng.random() < 0.72
            elif who < 0.96:
                self.ent[i] = -1
                self.pid[i] = corpus.INDIVIDUAL_PID_BASE + rng.randrange(self.n_individuals)
            else:
                self.ent[i] = rng.randrange(self.n_enterprises)
                self.pid[i] = corpus.AGENT_PID_BASE + rng.randrange(self.n_agents)
                self.cc_given[i] = rng.random() < 0.9
            c = rng.choices(range(len(CATEGORIES)), cat_weights)[0]
            self.cat[i] = c
            code = CATEGORIES[c]
            if code is None:
                self.kind[i] = 2 if rng.random() < 0.7 else 4
            elif code in corpus.MISCONDUCT:
                self.kind[i] = 1
            else:
                self.kind[i] = rng.choices((0, 3, 2, 4), (78, 14, 5, 3))[0]
            boost = 3 if code == "factor_supply" else 1
            self.urgency[i] = rng.choices((0, 1, 2), (90, 8 * boost, 2 * boost))[0]
            self.key[i] = rng.getrandbits(62)
        self.chain_rows = []
        for c in range(1, len(chain_sizes)):
            self.chain_rows.append((c, chain_sizes[c], min(3, chain_sizes[c] - 1), chain_created[c]))
        self.decision = bytearray(n)  # for repeats: 1 merged into the earlier ticket, 2 re-handled
        self.lead = array("l", [0]) * n
        self.repeats = sum(1 for x in self.rep if x >= 0)

    def _day_weight(self, d: date, frac: float, rng: random.Random) -> float:
        import chinese_calendar

        growth = 1.0 + 0.9 * frac
        if self.calendar.is_workday(d):
            w = 1.15 if d.weekday() == 0 else (0.9 if d.weekday() >= 5 else 1.0)
        else:
            w = 0.3
            try:
                on_holiday, name = chinese_calendar.get_holiday_detail(d)
                if on_holiday and name == chinese_calendar.Holiday.spring_festival.value:
                    w = 0.12
            except NotImplementedError:
                pass
        return growth * w * rng.uniform(0.85, 1.15)

    def _pick_repeat(self, rng: random.Random, i: int) -> int:
        """An earlier complaint of an enterprise, received up to 180 days before ticket ``i``."""
        back = min(179.0, rng.expovariate(1 / 21)) * 86400 + 600
        j = bisect.bisect_right(self.t, self.t[i] - int(back), 0, i) - 1
        for _ in range(40):
            if j < 0 or self.t[i] - self.t[j] > REPEAT_WINDOW_S:
                return -1
            if self.ent[j] >= 0 and self.kind[j] in (0, 1, 3):
                return j
            j -= 1
        return -1

    # -- generation -------------------------------------------------------------------------

    def number(self, i: int) -> str:
        return f"{self.day_codes[self.day_index[i]]}-{self.serial[i]:05d}"

    def counter_rows(self):
        return [(d.isoformat(), c) for d, c in self.day_counts]

    def chains(self):
        col = self.stamps.col
        return [(c, size, level, col(t)) for c, size, level, t in self.chain_rows]

    def generate(self, loader, progress_every: int = 100_000, log=None) -> None:
        """Stream every ticket's rows to ``loader`` (``loader.put([(table, rows), …])``) in chunks; ``log(text)``
        reports progress every ``progress_every`` tickets."""
        rng = random.Random(self.seed * 2 + 2)
        chunk = {t: [] for t in BULK_TABLES}
        started = time.perf_counter()
        for i in range(self.n):
            self._ticket(i, rng, chunk)
            if (i + 1) % CHUNK == 0:
                loader.put([(t, chunk[t]) for t in BULK_TABLES])
                chunk = {t: [] for t in BULK_TABLES}
            if log is not None and (i + 1) % progress_every == 0:
                rate = (i + 1) / (time.perf_counter() - started)
                log(f"{i + 1:,} tickets generated ({rate:,.0f}/s)")
        loader.put([(t, chunk[t]) for t in BULK_TABLES])

    def _id(self, table: str) -> int:
        n = self.next_id[table]
        self.next_id[table] = n + 1
        self.counts[table] += 1
        return n

    def _ticket(self, i: int, rng: random.Random, out: dict) -> None:
        refs, lim, fc, col = self.refs, self.lim, self.fc, self.stamps.col
        tid = i + 1
        t0 = self.t[i]
        end = self.end_t
        ch = self.channel[i]
        channel = CHANNELS[ch]
        cat = CATEGORIES[self.cat[i]]
        kind = KINDS[self.kind[i]]
        urgency = URGENCIES[self.urgency[i]]
        key = self.key[i]
        j = self.rep[i]
        op = refs["operator_id"]
        # identity
        e_idx, pid = self.ent[i], self.pid[i]
        if e_idx >= 0:
            ent = corpus.enterprise(e_idx)
            ent_name = corpus.name_variant(ent, key >> 40 if j < 0 else rng.randrange(100))
            ent_norm, credit = ent.norm, (ent.credit_code if self.cc_given[i] else None)
            district = ent.district
        else:
            ent_name, ent_norm, credit = "", None, None
            district = corpus.PLACE_SLOTS[pid % len(corpus.PLACE_SLOTS)][0]
        if pid >= corpus.AGENT_PID_BASE:
            a = pid - corpus.AGENT_PID_BASE
            phone = corpus.phone(pid, landline=a % 2 == 0)
            who, role = corpus.agent_name(a), f"工作人员，受{ent_name}委托"
        else:
            phone = corpus.phone(pid, landline=pid < corpus.INDIVIDUAL_PID_BASE and pid % 3 == 2)
            who, role = ent_name, None
        caller = corpus.person_name(pid)
        m = corpus.matter(cat, kind, key, channel=channel, who=who, role=role, repeat=j >= 0,
                          new_facts=bool(self.newf[i]))
        answered = kind == "inquiry" and j < 0 and (key >> 20) % 10 < 8
        merged = j >= 0 and self.decision[i] == 1
        confidential = kind == "report" or cat in corpus.MISCONDUCT or rng.random() < 0.03
        # routing (the Decision.to_dict shape)
        co: tuple[str, ...] = ()
        sup_level = 0
        reasons = []
        if answered:
            rule, lead = "answered", None
            reasons.append({"code": "answered_on_spot", "params": {}})
        elif merged:
            rule, lead = "merge", None
        elif kind == "report" or cat in corpus.MISCONDUCT:
            rule, lead = "discipline", "discipline"
            reasons.append({"code": "misconduct_category" if cat in corpus.MISCONDUCT else "report_kind",
                            "params": {"category": cat or ""}})
            reasons.append({"code": "confidential_by_rule", "params": {}})
        elif j >= 0 and self.lead[j]:
            rule, lead = "rehandle", refs["dept_codes"][self.lead[j]]
        else:
            rule, lead, co, why = self._route(cat, district, m.lead_hint, rng)
            reasons.extend(why)
            if j >= 0:
                rule = "rehandle"
        if j >= 0:
            sup_level = min(3, self.pos[i] - 1)
            code = ("repeat_open_no_new_facts" if merged else
                    "repeat_new_facts" if self.newf[i] else "repeat_after_close")
            reasons.append({"code": code, "params": {
                "ticket": self.number(j), "chain": str(self.chain[i]), "complaint_number": str(self.pos[i]),
                "supervision_level": str(sup_level)}})
        routing = {"rule": rule, "lead": lead, "co_handlers": list(co),
                   "departments": ([lead] if lead else []) + list(co),
                   "merge_into": self.number(j) if merged else None, "supervision_level": sup_level,
                   "confidential": confidential, "joint_limits": bool(co), "overridden": False,
                   "reasons": reasons}
        if lead is not None:
            self.lead[i] = refs["dept_index"][lead]
        # the story
        s = Story()
        evs = s.evs
        evs.append((t0, O_RECEIVED, "received", None, "received", None,
                    {"channel": channel, "kind": kind, "routing": routing}, op))
        if answered:
            evs.append((t0, O_INTAKE, "answer_on_spot", "received", "answered", None, {"answer": m.answer}, op))
            s.close, s.close_reason = t0, "answered_on_spot"
        elif merged:
            evs.append((t0, O_INTAKE, "merge", "received", "merged", None, {"into": self.number(j)}, op))
            s.close, s.close_reason = t0, "merged"
        else:
            self._play(i, t0, ch, lead, co, urgency, sup_level if j >= 0 else 0, rng, s)
        cut = end
        if self.open_share and self.open_rng.random() < self.open_share and not answered and not merged:
            cut = self._open_cut(s, end)
        held_open = cut < end  # cut before its resolution: open until the end of the history
        # later repeats of this ticket: merged while it is open (no new facts), else re-handled
        for r in self.repeats_of.get(i, ()):
            tr = self.t[r]
            if not self.newf[r] and not answered and not merged and (
                    held_open or s.close is None or tr < s.close):
                self.decision[r] = 1
                evs.append((tr, O_MERGED, "repeat_merged", None, None, None,
                            {"ticket": self.number(r), "new_facts": False}, op))
                level = min(3, self.pos[r] - 1)
                if level:
                    s.supervise.append((tr, O_SUPERVISE_MERGE, level, "repeat"))
            else:
                self.decision[r] = 2
        if held_open:
            s.reopen_t = s.false_closure_t = None
            self.open_tickets += 1
        level = self._supervision(tid, s, rng, out, cut) if s.supervise else 0
        # cut at the end of the history (a held-open ticket at its cut; repeats merged into it while it
        # waits, and the supervision they open, up to the end of the history)
        if held_open:
            evs = [e for e in evs if e[0] < cut or (e[0] < end and e[2] in ("repeat_merged", "supervision_opened"))]
            end = cut
        else:
            evs = [e for e in evs if e[0] < end]
        evs.sort(key=lambda e: (e[0], e[1]))
        status = "received"
        resolved_at = dispatched_at = None
        reopens = 0
        for e in evs:
            if e[4] is not None and e[5] is None:
                status = e[4]
            action = e[2]
            if action == "resolve":
                resolved_at = e[0]
            elif action in ("dispatch", "redispatch"):
                dispatched_at = e[0]
            elif action == "reopen":
                reopens += 1
                resolved_at = None
        self.states[status] = self.states.get(status, 0) + 1
        out_events = out["events"]
        prev = GENESIS
        iso, dumps = self.stamps.iso, json.dumps
        for seq, (t, _, action, frm, to, aid, data, actor) in enumerate(evs, 1):
            # hotline.tickets.chain.event_hash with the encoder built once (verify_sample checks it)
            fields = {"action": action, "actor_id": actor, "assignment_id": aid, "created_at": iso(t),
                      "data": data, "from_state": frm, "seq": seq, "ticket_id": tid, "to_state": to}
            h = sha256(b"%s\n%s" % (prev.encode(), canonical_json(fields).encode())).hexdigest()
            out_events.append((self._id("events"), tid, seq, aid, actor, action, frm, to, dumps(data), col(t),
                               prev, h))
            prev = h
        ticket_row = (
            tid, self.number(i), None, channel, kind, refs["category_ids"].get(cat) if cat else None,
            m.subject[:200], m.description, caller, phone, ent_name, ent_norm, credit, refs["district_ids"][district],
            urgency, confidential, status, rule, dumps(routing), m.answer if answered else "", level, reopens,
            self.chain[i] or None, (j + 1) if merged else None, op, col(t0), col(fc.add(t0, lim.dispatch[1])),
            col(dispatched_at), col(resolved_at), col(fc.add(resolved_at, lim.callback[1]) if resolved_at else None),
            col(s.close if s.close is not None and s.close < end else None),
            s.close_reason if s.close is not None and s.close < end else None,
            s.false_closure_t is not None and s.false_closure_t < end, col(t0), col(evs[-1][0]),
            "", None, len({a.steps[0][0] for a in s.asgs if a.steps[0][0] < end}),
        )
        out["tickets"].append(ticket_row)
        self.counts["tickets"] += 1
        for a in s.asgs:
            self._assignment_rows(tid, a, end, out)
        for aid, days, reason, t_req, t_dec in s.extensions:
            if t_req < end:
                decided = t_dec < end
                out["extensions"].append((
                    self._id("extensions"), aid, days, reason, "approved" if decided else "pending", None, col(t_req),
                    refs["supervisor_id"] if decided else None, col(t_dec) if decided else None, ""))
        for rnd, attempt, t, reached, solved, satisfaction, dept, reply_solved in s.callbacks:
            if t < end:
                out["callbacks"].append((self._id("callbacks"), tid, rnd, attempt, col(t), op, reached, solved,
                                         satisfaction, "", dept, reply_solved))

    def _route(self, cat, district, hint, rng):
        """Departments for a new matter: category default, the text's department, or the county."""
        defaults = corpus.CATEGORY_DEFAULTS.get(cat) if cat else None
        county = corpus.COUNTY_GOV.get(district)
        r = rng.random()
        reasons = []
        if hint and r < 0.45:
            lead = hint
            reasons.append({"code": "keyword_match", "params": {"department": hint}})
        elif county and r < 0.65:
            lead = county
            reasons.append({"code": "operator_override", "params": {"lead": county}})
        elif defaults:
            lead = defaults[0]
            reasons.append({"code": "category_default", "params": {"category": cat, "department": lead}})
        else:
            lead = hint or "bizenv_office"
            reasons.append({"code": "operator_override", "params": {"lead": lead}})
        co: tuple[str, ...] = ()
        if defaults and len(defaults) > 1 and rng.random() < 0.7:
            co = tuple(d for d in defaults if d != lead)[:2]
        elif rng.random() < 0.12:
            pool = [d for d in dict.fromkeys((county, defaults[0] if defaults else None, hint, "bizenv_office"))
                    if d and d != lead]
            co = tuple(rng.sample(pool, min(len(pool), 1 if rng.random() < 0.7 else 2)))
        if co:
            reasons.append({"code": "multiple_departments", "params": {"count": str(1 + len(co)), "lead": lead}})
        return ("joint" if co else "on_receipt"), lead, co, reasons

    # -- lifecycle (hotline.tickets.intake / lifecycle / escalation.services) ----------------

    def _deadlines(self, t: int, urgency: str, joint: bool, co: bool, extension_days: int = 0) -> dict:
        """``limits.assignment_deadlines`` on the fast clock."""
        lim, fc = self.lim, self.fc
        ratio = self.policy.warn_ratio
        base = (lim.co_answer if co else lim.joint_resolve if joint else lim.resolve)[1] + extension_days * lim.day
        working, contact = lim.contact[urgency]

        def after(secs, is_working=True):
            return fc.add(t, secs) if is_working else t + secs

        return {"dispatched_at": t, "sign_due_at": after(lim.sign[1]),
                "sign_warn_at": after(int(lim.sign[1] * ratio)),
                "contact_due_at": after(contact, working), "contact_warn_at": after(int(contact * ratio), working),
                "return_due_at": after(lim.return_window[1]),
                "resolve_due_at": after(base), "resolve_warn_at": after(int(base * ratio))}

    def _assign(self, s: Story, code: str, role: str, t: int, urgency: str, joint: bool) -> Assignment:
        """``make_assignments``: the ticket's round of the dispatch at ``t`` (one per dispatch instant),
        deadlines from ``t``."""
        dept = self.refs["department_ids"][code]
        rnd = len({x.steps[0][0] for x in s.asgs} | {t})
        a = Assignment(self.next_id["assignments"], dept, code, role, rnd)
        self.next_id["assignments"] += 1
        a.steps.append((t, None, "dispatched", self._deadlines(t, urgency, joint, role == "co"), None))
        s.asgs.append(a)
        return a

    def _handle(self, s: Story, a: Assignment, base: int, limit_s: int, urgency: str, joint: bool, rng, *,
                not_before: int = 0, sign_after: int = 0, extensions: int = 0) -> tuple[int, int, bool]:
        """Sign, contact (one or two attempts), maybe extensions, submit; (signed, submitted, solved)."""
        fc, lim = self.fc, self.lim
        dept = {"department": a.code}
        r = rng.random()
        t_sign = fc.add(base, sign_after + (rng.randrange(300, 6600) if r < 0.8 else (
            rng.randrange(6600, 14400) if r < 0.95 else rng.randrange(14400, 90000))))
        a.steps.append((t_sign, "assignment_sign", "signed", {"signed_at": t_sign}, dept))
        scale = {"normal": 1.0, "urgent": 0.1, "emergency": 0.025}[urgency]
        r = rng.random()
        t_contact = t_sign + max(60, int((rng.randrange(600, 72000) if r < 0.85 else
                                          rng.randrange(86400, 259200)) * scale))
        attempts = [(t_contact, False)] if rng.random() < 0.12 else []
        if attempts:
            t_contact += rng.randrange(3600, 6 * 3600)
        attempts.append((t_contact, True))
        for k, (t, reached) in enumerate(attempts):
            at = t - t % 60  # forms give minutes
            method = rng.choice(CONTACT_METHODS)
            fields = {"first_contact_at": at} if k == 0 else {}
            a.steps.append((t, "assignment_record_contact", "contacted", fields,
                            {"department": a.code, "at": self.stamps.isodata(at), "method": method,
                             "reached": reached}))
            a.contacts.append((t, at, method, reached))
        last = t_contact
        ext_days = 0
        for k in range(extensions):
            t_req = max(last + 600, fc.add(base, int(limit_s * rng.uniform(0.3, 0.6))))
            t_dec = fc.add(t_req, int(lim.day * rng.uniform(0.05, 0.8)))
            days = lim.max_extension_days
            ext_days += days
            reason = rng.choice(EXTENSION_REASONS)
            due = self._deadlines(a.steps[0][3]["dispatched_at"], urgency, joint, a.role == "co", ext_days)
            a.steps.append((t_req, "extension_requested", None, {}, {"days": days, "reason": reason}))
            a.steps.append((t_dec, "extension_decided", None,
                            {"extension_count": k + 1, "extension_days": ext_days,
                             "resolve_due_at": due["resolve_due_at"], "resolve_warn_at": due["resolve_warn_at"]},
                            {"days": days, "approved": True, "note": "",
                             "resolve_due_at": self.stamps.isodata(due["resolve_due_at"])}))
            s.extensions.append((a.id, days, reason, t_req, t_dec))
            last = t_dec
        r = rng.random()
        frac = rng.uniform(0.15, 0.9) if r < 0.7 else rng.uniform(0.9, 1.0) if r < 0.9 else \
            rng.uniform(1.0, 1.8) if r < 0.98 else rng.uniform(2.0, 6.0)
        t_sub = max(fc.add(base, int((limit_s + ext_days * lim.day) * frac)), last + 1800, not_before + 600)
        solved = rng.random() < 0.92
        a.steps.append((t_sub, "assignment_submit", "submitted",
                        {"submitted_at": t_sub, "reply": corpus.reply(a.id), "reply_solved": solved},
                        {"department": a.code, "solved": solved, "final": a.role == "lead"}))
        return t_sign, t_sub, solved

    def _play(self, i, t0, ch, lead, co, urgency, sup_level, rng, s: Story) -> None:
        """Dispatch, handle, resolve, call back, close or reopen (and handle again)."""
        lim, fc, op = self.lim, self.fc, self.refs["operator_id"]
        evs = s.evs
        if ch in STAFFED:
            td = t0
        else:  # queued until an operator dispatches it, usually within the 0.5 working-day limit
            frac = rng.uniform(0.02, 1.0) if rng.random() < 0.95 else rng.uniform(1.0, 2.5)
            td = fc.add(t0, int(lim.dispatch[1] * frac))
        joint = bool(co)
        evs.append((td, O_DISPATCH, "dispatch", "received", "dispatched", None,
                    {"lead": lead, "co_handlers": list(co), "joint": joint}, op))
        if sup_level:
            s.supervise.append((td, O_SUPERVISE_INTAKE, sup_level, "repeat"))
        lead_a = self._assign(s, lead, "lead", td, urgency, joint)
        base = td
        # 退单: a misrouted single-department ticket is returned within the window and re-dispatched
        if not co and lead != "discipline" and rng.random() < 0.03:
            t_ret = fc.add(td, int(lim.return_window[1] * rng.uniform(0.05, 0.95)))
            new_lead = rng.choice([d for d in ("approval", "market", "housing", "natural_resources", "ndrc",
                                               "bizenv_office") if d != lead])
            grounds = corpus.RETURN_GROUNDS.format(dept=corpus.DEPARTMENT_NAMES[new_lead])
            lead_a.steps.append((t_ret, "assignment_return", "returned", {"returned_at": t_ret,
                                                                         "return_grounds": grounds},
                                 {"department": lead_a.code, "grounds": grounds}))
            evs.append((t_ret, O_ALL_RETURNED, "all_returned", "dispatched", "returned", None, {}, None))
            base = fc.add(t_ret, int(lim.day * rng.uniform(0.2, 2.0)))  # awaits an operator
            evs.append((base, O_REDISPATCH, "redispatch", "returned", "dispatched", None,
                        {"lead": new_lead, "co_handlers": [], "joint": False}, op))
            evs.append((base, O_NOTE, "redispatch_note", None, None, None, {"note": "按退单意见改派"}, op))
            lead_a = self._assign(s, new_lead, "lead", base, urgency, False)
        first_sign = None
        co_done = 0
        for code in co:
            a = self._assign(s, code, "co", base, urgency, joint)
            if rng.random() < 0.03:  # a co-handler returns its part; the lead goes on without it
                t_ret = fc.add(base, int(lim.return_window[1] * rng.uniform(0.05, 0.95)))
                grounds = corpus.RETURN_GROUNDS.format(dept=corpus.DEPARTMENT_NAMES[lead])
                a.steps.append((t_ret, "assignment_return", "returned",
                                {"returned_at": t_ret, "return_grounds": grounds},
                                {"department": code, "grounds": grounds}))
                continue
            t_sign, t_sub, _ = self._handle(s, a, base, lim.co_answer[1], urgency, joint, rng)
            first_sign = t_sign if first_sign is None else min(first_sign, t_sign)
            co_done = max(co_done, t_sub)
        extensions = 1 if rng.random() < 0.05 else (2 if rng.random() < 0.01 else 0)
        lead_limit = (lim.joint_resolve if joint else lim.resolve)[1]
        t_sign, t_res, solved_reply = self._handle(s, lead_a, base, lead_limit, urgency, joint, rng,
                                                   not_before=co_done, extensions=extensions)
        first_sign = t_sign if first_sign is None else min(first_sign, t_sign)
        evs.append((first_sign, O_START, "start", "dispatched", "in_progress", None, {}, None))
        evs.append((t_res, O_RESOLVE, "resolve", "in_progress", "resolved", None, {}, None))
        t_ro = self._callbacks(s, 1, t_res, rng, solved_reply, lead_a.dept)
        if t_ro is not None:
            # 重办: back to the same lead department, a new round with a fresh clock, one level up
            again = self._assign(s, lead_a.code, "lead", t_ro, urgency, False)
            s.supervise.append((t_ro, O_SUPERVISE_REOPEN, "+1", "unsatisfied_callback"))
            t_sign2, t_res2, solved_again = self._handle(s, again, t_ro, lim.resolve[1], urgency, False, rng,
                                                         sign_after=int(lim.day * rng.uniform(0.3, 2.5)))
            evs.append((t_sign2, O_START, "start", "reopened", "in_progress", None, {}, None))
            evs.append((t_res2, O_RESOLVE, "resolve", "in_progress", "resolved", None, {}, None))
            self._callbacks(s, 2, t_res2, rng, solved_again, again.dept)
        # the assignments' own events
        for a in s.asgs:
            state = "dispatched"
            for t, action, to, _fields, data in a.steps:
                if action is None:
                    continue
                actor = self.refs["supervisor_id"] if action == "extension_decided" else None
                evs.append((t, O_ASSIGNMENT, action, state if to else None, to, a.id, data, actor))
                state = to or state

    def _callbacks(self, s: Story, rnd: int, t_res: int, rng, solved_reply: bool, dept: int) -> int | None:
        """``record_callback``: up to two attempts; closes the ticket, or returns when it was reopened."""
        fc, lim, op = self.fc, self.lim, self.refs["operator_id"]
        frac = rng.uniform(0.05, 0.95) if rng.random() < 0.95 else rng.uniform(1.0, 2.0)
        t = fc.add(t_res, int(lim.callback[1] * frac))
        for attempt in (1, 2):
            reached = rng.random() < (0.93 if attempt == 1 else 0.7)
            if not reached:
                s.callbacks.append((rnd, attempt, t, False, None, None, dept, solved_reply))
                s.evs.append((t, O_CALLBACK, "callback", None, None, None,
                              {"attempt": attempt, "reached": False, "solved": None, "satisfaction": None}, op))
                if attempt == self.policy.callback_attempts:
                    s.evs.append((t, O_CLOSE, "close", "resolved", "closed", None, {"reason": "unreachable"}, op))
                    s.close, s.close_reason = t, "unreachable"
                    return None
                t = fc.add(t, int(lim.day * rng.uniform(0.1, 0.8)))
                continue
            r = rng.random()
            if rnd == 1:
                satisfaction = "satisfied" if r < 0.85 else "basically_satisfied" if r < 0.96 else "unsatisfied"
            else:
                satisfaction = "satisfied" if r < 0.6 else "basically_satisfied"
            solved = (rng.random() < 0.3) if satisfaction == "unsatisfied" else (rnd == 2 or rng.random() < 0.985)
            s.callbacks.append((rnd, attempt, t, True, solved, satisfaction, dept, solved_reply))
            s.evs.append((t, O_CALLBACK, "callback", None, None, None,
                          {"attempt": attempt, "reached": True, "solved": solved, "satisfaction": satisfaction}, op))
            if solved and satisfaction != "unsatisfied":
                s.evs.append((t, O_CLOSE, "close", "resolved", "closed", None, {"reason": "satisfied"}, op))
                s.close, s.close_reason = t, "satisfied"
                return None
            false_closure = bool(not solved and solved_reply)
            s.evs.append((t, O_CLOSE, "reopen", "resolved", "reopened", None, {"false_closure": false_closure}, op))
            s.reopen_t = t
            if false_closure:
                s.false_closure_t = t
            return t
        return None

    def _open_cut(self, s: Story, end: int) -> int:
        """An instant between the first dispatch and the first resolution (uniform), for --open-share."""
        dispatched = min((e[0] for e in s.evs if e[2] == "dispatch"), default=None)
        resolved = min((e[0] for e in s.evs if e[2] == "resolve"), default=None)
        if dispatched is None or resolved is None or dispatched >= end:
            return end
        return min(end, dispatched + 1 + int(self.open_rng.random() * max(0, resolved - dispatched - 1)))

    def _supervision(self, tid: int, s: Story, rng, out: dict, cut: int | None = None) -> int:
        """``escalation.supervise`` in time order (never lowering a level; an open lower case is marked
        escalated), and clearance by a supervisor after the ticket is closed. Returns the level."""
        fc, lim, col = self.fc, self.lim, self.stamps.col
        history_end = self.end_t
        end = history_end if cut is None else cut
        op, sup = self.refs["operator_id"], self.refs["supervisor_id"]
        level = 0
        cases = []  # [id, level, round, trigger, opened, due, status, closed_at, closed_by, reason]
        for t, order, wanted, trigger in sorted(s.supervise):
            if t >= (history_end if trigger == "repeat" else end):
                continue
            wanted = min(3, level + 1 if wanted == "+1" else wanted)
            if wanted <= level:
                continue
            for c in cases:
                if c[6] == "open":
                    c[6], c[7] = "escalated", t
            due = fc.add(t, lim.supervision[1])
            rnd = 2 if s.reopen_t is not None and t >= s.reopen_t else 1
            cases.append([self._id("supervision_cases"), wanted, rnd, trigger, t, due, "open", None, None, ""])
            s.evs.append((t, order, "supervision_opened", None, None, None,
                          {"level": wanted, "from_level": level, "trigger": trigger,
                           "due_at": self.stamps.isodata(due)}, op))
            level = wanted
        actions = out["supervision_actions"]
        if s.close is not None and s.close < end:
            t_clear = fc.add(s.close, int(lim.day * rng.uniform(0.05, 1.0)))
            if t_clear < end:
                reason = CLEAR_REASONS.get(s.close_reason, "工单已办结，解除督办。")
                for c in cases:
                    if c[6] != "open":
                        continue
                    if c[1] >= 3:  # a level-3 case is cleared only after its interview (约谈)
                        outcome = "约谈承办单位负责人，责令限期整改并报送整改情况"
                        actions.append((self._id("supervision_actions"), c[0], "interview", None, None,
                                        col(t_clear - 3600), "承办单位主要负责人、分管负责人", outcome, sup,
                                        col(t_clear - 600)))
                        s.evs.append((t_clear - 600, O_INTERVIEW, "supervision_interview", None, None, None,
                                      {"case": c[0], "level": c[1], "department_id": None, "due_at": None,
                                       "outcome": outcome}, sup))
                    c[6], c[7], c[8], c[9] = "cleared", t_clear, sup, reason
                    actions.append((self._id("supervision_actions"), c[0], "clear", None, None, None, "", reason,
                                    sup, col(t_clear)))
                    s.evs.append((t_clear, O_CLEAR, "supervision_cleared", None, None, None,
                                  {"case": c[0], "level": c[1], "reason": reason}, sup))
        for c in cases:
            out["supervision_cases"].append((c[0], tid, c[1], c[2], c[3], c[6], col(c[4]), col(c[5]), col(c[7]),
                                             c[8], c[9]))
        return level

    def _assignment_rows(self, tid: int, a: Assignment, end: int, out: dict) -> None:
        steps = [st for st in a.steps if st[0] < end]
        if not steps:
            return
        f = {"status": "dispatched", "signed_at": None, "first_contact_at": None, "submitted_at": None,
             "reply": "", "reply_solved": None, "returned_at": None, "return_grounds": "", "extension_count": 0,
             "extension_days": 0}
        for _t, _action, to, fields, _data in sorted(steps, key=lambda st: st[0]):
            f.update(fields)
            if to is not None:
                f["status"] = to
        col, worked = self.stamps.col, self.fc.worked
        start = worked(f["dispatched_at"])

        def minutes(t):  # working minutes from dispatch, as lifecycle.working_minutes stores them
            return None if t is None else max(0.0, (worked(t) - start) / 60)

        out["assignments"].append((
            a.id, tid, a.dept, a.role, a.round, f["status"], col(f["dispatched_at"]), col(f["sign_due_at"]),
            col(f["sign_warn_at"]), col(f["contact_due_at"]), col(f["contact_warn_at"]), col(f["return_due_at"]),
            col(f["resolve_due_at"]), col(f["resolve_warn_at"]), col(f["signed_at"]), None,
            col(f["first_contact_at"]), col(f["submitted_at"]), None, f["reply"], f["reply_solved"],
            col(f["returned_at"]), f["return_grounds"], f["extension_count"], f["extension_days"],
            minutes(f["signed_at"]), minutes(f["first_contact_at"]), minutes(f["submitted_at"])))
        self.counts["assignments"] += 1
        if f["status"] in ("dispatched", "signed", "contacted"):
            self.open_assignments += 1
        for t, at, method, reached in a.contacts:
            if t < end:
                out["contact_attempts"].append((self._id("contact_attempts"), a.id, col(at), method, reached, "",
                                                None, col(t)))


def _local_midnight(d: date) -> int:
    return _cal.timegm(d.timetuple()) - UTC_OFFSET


def _allocate(n: int, weights: list[float]) -> list[int]:
    """Split ``n`` in proportion to ``weights`` exactly (largest remainder)."""
    total = sum(weights)
    raw = [n * w / total for w in weights]
    counts = [int(x) for x in raw]
    rest = n - sum(counts)
    for k in sorted(range(len(raw)), key=lambda k: (counts[k] - raw[k], k))[:rest]:
        counts[k] += 1
    return counts
