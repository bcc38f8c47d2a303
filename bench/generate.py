"""Bulk-load a deterministic ticket history: ``python -m bench.generate --database-url URL --tickets N``.

Builds the schema (``db.create_all``), loads the reference data (``seed_reference``), then writes
N tickets with their assignments, events (hash-chained, verifiable), callbacks, repeat chains
and ticket counters straight into the tables — not through the services, which would take
hours for millions. PostgreSQL is loaded with ``COPY`` (psycopg 3), SQLite with ``executemany``
in one transaction (``synchronous=OFF``, WAL). Secondary indexes are dropped for the load and
built afterwards; then ``VACUUM ANALYZE`` (PostgreSQL) or ``ANALYZE`` (SQLite).

The history is a pure function of ``--seed`` and ``--tickets`` (and ``--start``/``--end``):

* received times over ``--start`` .. ``--end`` (default 2023-01-01 .. 2026-11-27, city time),
  growing over the years, fewer on weekends and public holidays (the line is staffed 08:00-18:00
  every day; web, e-mail and API matters arrive around the clock);
* enterprises, phones and texts from :mod:`bench.corpus` (valid credit codes, normalized
  phones, ``enterprise_norm`` by ``normalize_enterprise_name``, per-category templates);
* about 8 % of tickets repeat an earlier complaint of the same enterprise within 180 days and
  share its ``chain_id``; a repeat with no new facts while the earlier ticket is open is merged
  (并单), otherwise re-handled (重办) under supervision;
* each ticket is played through its lifecycle on the working clock (official holidays and
  make-up days, 08:30-12:00 and 14:30-18:00): dispatch, sign, contact, submit, resolve,
  callback, close — with returns, re-dispatch, extensions, unsatisfied callbacks and reopening —
  and cut at the end of the history, so old tickets are closed and open ones are recent.

Not generated (yet): contact attempts, extension requests, supervision cases, attachments.
Event action names for steps the lifecycle services do not write yet (sign, contact, submit,
callback) are provisional: ``assignment_signed``, ``assignment_contacted``,
``assignment_submitted``, ``extension_approved``, ``callback_recorded``, ``start``,
``resolve``, ``close``, ``reopen``.
"""
from __future__ import annotations

import argparse
import bisect
import calendar as _cal
import json
import queue
import random
import sqlite3
import threading
import time
from array import array
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hashlib import sha256

from bench import corpus
from bench.common import dialect_of, emit, log, make_app, redact
from hotline.tickets import chain as _chain

GENESIS = _chain.GENESIS
# The encoding of hotline.tickets.chain.canonical (sort_keys, ensure_ascii=False, compact separators),
# with the C encoder built once instead of per call; verify_sample() checks hashes with the project's code.
try:
    from json.encoder import c_make_encoder as _c_make_encoder, encode_basestring as _encode_str

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
    "created_at", "updated_at",
)
ASSIGNMENT_COLUMNS = (
    "id", "ticket_id", "department_id", "role", "round", "status", "dispatched_at", "sign_due_at",
    "contact_due_at", "return_due_at", "resolve_due_at", "signed_at", "signed_by_id", "first_contact_at",
    "submitted_at", "submitted_by_id", "reply", "reply_solved", "returned_at", "return_grounds",
    "extension_count", "extension_days",
)
EVENT_COLUMNS = ("id", "ticket_id", "seq", "assignment_id", "actor_id", "action", "from_state", "to_state",
                 "data", "created_at", "prev_hash", "hash")
CALLBACK_COLUMNS = ("id", "ticket_id", "round", "attempt", "at", "operator_id", "reached", "solved",
                    "satisfaction", "comment")
CHAIN_COLUMNS = ("id", "repeat_count", "supervision_level", "created_at")
COUNTER_COLUMNS = ("day", "last")
TABLES = {"matter_chains": CHAIN_COLUMNS, "tickets": TICKET_COLUMNS, "assignments": ASSIGNMENT_COLUMNS,
          "events": EVENT_COLUMNS, "callbacks": CALLBACK_COLUMNS, "ticket_counters": COUNTER_COLUMNS}
BULK_TABLES = ("tickets", "assignments", "events", "callbacks")  # secondary indexes rebuilt after load

CATEGORY_WEIGHTS = (
    ("refusal", 6), ("extra_steps", 8), ("deadline_missed", 14), ("buck_passing", 8), ("bribery_fees", 3),
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
# Working clock on epoch seconds (checked against hotline.escalation.clock at start-up)
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
            ref = self.clock.add_working_minutes(datetime.fromtimestamp(t, timezone.utc), minutes)
            if int(ref.timestamp()) != mine:
                raise AssertionError(f"FastClock differs at {t} + {minutes} min: {mine} != {ref}")


class Limits:
    """The default policy's limits as (working?, seconds)."""

    def __init__(self, policy, minutes_per_day: int) -> None:
        from hotline.escalation.limits import Unit

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
        d, s = divmod(t, 86400)
        return f"{self.day(d)}T{self.tod[s]}.000000Z"


# --------------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------------


class PostgresWriter:
    """COPY into tables on one psycopg connection, one transaction."""

    def __init__(self, url: str) -> None:
        import psycopg

        from bench.common import sqlalchemy_url
        from sqlalchemy.engine import make_url

        u = make_url(sqlalchemy_url(url))
        self.conn = psycopg.connect(host=u.host, port=u.port, user=u.username, password=u.password,
                                    dbname=u.database, **dict(u.query))
        with self.conn.cursor() as cur:
            cur.execute("SET synchronous_commit = off")
            cur.execute("SET maintenance_work_mem = '512MB'")

    def write(self, table: str, columns, rows) -> None:
        with self.conn.cursor() as cur:
            with cur.copy(f'COPY {table} ({", ".join(columns)}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)

    def commit(self) -> None:
        self.conn.commit()

    def finish_sequences(self) -> None:
        with self.conn.cursor() as cur:
            for table in ("tickets", "assignments", "events", "callbacks", "matter_chains"):
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"GREATEST((SELECT max(id) FROM {table}), 1))")

    def close(self) -> None:
        self.conn.close()


class SqliteWriter:
    """executemany in one transaction with synchronous=OFF and WAL."""

    def __init__(self, url: str) -> None:
        from sqlalchemy.engine import make_url

        self.conn = sqlite3.connect(make_url(url).database, isolation_level=None, check_same_thread=False)
        for pragma in ("journal_mode=WAL", "synchronous=OFF", "foreign_keys=ON", "cache_size=-262144",
                       "temp_store=MEMORY"):
            self.conn.execute(f"PRAGMA {pragma}")
        self.conn.execute("BEGIN")

    def write(self, table: str, columns, rows) -> None:
        marks = ", ".join("?" * len(columns))
        self.conn.executemany(f'INSERT INTO {table} ({", ".join(columns)}) VALUES ({marks})', rows)

    def commit(self) -> None:
        self.conn.execute("COMMIT")
        self.conn.execute("BEGIN")

    def finish_sequences(self) -> None:
        pass  # INTEGER PRIMARY KEY continues after max(rowid)

    def close(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("COMMIT")
        self.conn.close()


class Loader(threading.Thread):
    """Writes chunks from a queue while the main thread generates the next ones (the database —
    PostgreSQL's backend, or SQLite with the GIL released — works in parallel)."""

    def __init__(self, writer) -> None:
        super().__init__(daemon=True)
        self.writer = writer
        self.queue: queue.Queue = queue.Queue(maxsize=3)
        self.error: BaseException | None = None
        self.busy_s = 0.0

    def run(self) -> None:
        while True:
            item = self.queue.get()
            if item is None:
                return
            if self.error is not None:
                continue
            try:
                start = time.perf_counter()
                for table, rows in item:
                    if rows:
                        self.writer.write(table, TABLES[table], rows)
                self.busy_s += time.perf_counter() - start
            except BaseException as exc:  # re-raised by the main thread
                self.error = exc

    def put(self, chunk) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(chunk)

    def close(self) -> None:
        self.queue.put(None)
        self.join()
        if self.error is not None:
            raise self.error


# --------------------------------------------------------------------------------------------
# The history
# --------------------------------------------------------------------------------------------


class Assignment:
    """One department's part, played on the clock; cut at the end of the history."""

    __slots__ = ("id", "dept", "role", "round", "steps")

    def __init__(self, aid: int, dept: int, role: str, rnd: int = 1) -> None:
        self.id, self.dept, self.role, self.round = aid, dept, role, rnd
        self.steps: list[tuple[int, str | None, str, dict]] = []  # (t, action, to_state, field updates)


class History:
    """Plans and generates the ticket history for one seed."""

    def __init__(self, n: int, seed: int, start: date, end: date, dialect: str, refs: dict) -> None:
        from hotline.escalation.calendar import WorkCalendar, WorkingClock, WorkingHours
        from hotline.escalation.limits import Policy

        self.n, self.seed, self.start, self.end, self.dialect = n, seed, start, end, dialect
        self.refs = refs
        self.calendar = WorkCalendar()
        clock = WorkingClock(self.calendar, WorkingHours())
        self.fc = FastClock(clock, start - timedelta(days=7), end + timedelta(days=400))
        self.end_t = _local_midnight(end + timedelta(days=1))
        self.start_t = _local_midnight(start)
        self.fc.check(random.Random(seed), self.start_t, self.end_t)
        self.lim = Limits(Policy(), clock.hours.minutes_per_day)
        self.stamps = Stamps(dialect)
        self.n_enterprises = max(50, n // 4)
        self.n_frequent = max(5, self.n_enterprises // 100)
        self.n_individuals = max(20, n // 10)
        self.n_agents = max(3, n // 25000)
        self.counts = {"assignments": 0, "events": 0, "callbacks": 0}
        self.states: dict[str, int] = {}
        self.next_assignment = 1
        self.next_event = 1
        self.next_callback = 1

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
        self.day_counts = [(d, c) for d, c in zip(days, per_day) if c]
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

    def generate(self, loader: Loader, progress_every: int = 100_000) -> None:
        """Stream every ticket's rows to ``loader`` in chunks."""
        rng = random.Random(self.seed * 2 + 2)
        chunk = {t: [] for t in BULK_TABLES}
        started = time.perf_counter()
        for i in range(self.n):
            self._ticket(i, rng, chunk)
            if (i + 1) % CHUNK == 0:
                loader.put([(t, chunk[t]) for t in BULK_TABLES])
                chunk = {t: [] for t in BULK_TABLES}
            if (i + 1) % progress_every == 0:
                rate = (i + 1) / (time.perf_counter() - started)
                log(f"{i + 1:,} tickets generated ({rate:,.0f}/s)")
        loader.put([(t, chunk[t]) for t in BULK_TABLES])

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
            ent, ent_name, ent_norm, credit = None, "", None, None
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
        # routing
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
            earlier = self.number(j)
            code = ("repeat_open_no_new_facts" if merged else
                    "repeat_new_facts" if self.newf[i] else "repeat_after_close")
            reasons.append({"code": code, "params": {
                "ticket": earlier, "chain": str(self.chain[i]), "complaint_number": str(self.pos[i]),
                "supervision_level": str(sup_level)}})
        routing = {"rule": rule, "lead": lead, "co_handlers": list(co),
                   "departments": ([lead] if lead else []) + list(co),
                   "merge_into": self.number(j) if merged else None, "supervision_level": sup_level,
                   "confidential": confidential, "joint_limits": bool(co), "overridden": False,
                   "reasons": reasons}
        if lead is not None:
            self.lead[i] = refs["dept_index"][lead]
        # lifecycle
        evs: list = []  # (t, order, action, from, to, assignment_id, data, actor)
        asgs: list[Assignment] = []
        cbs: list = []
        ticket = {"status": "received", "dispatched_at": None, "resolved_at": None, "callback_due_at": None,
                  "closed_at": None, "close_reason": None, "false_closure": False, "reopen_count": 0,
                  "supervision_level": 0}
        evs.append((t0, 0, "received", None, "received", None,
                    {"channel": channel, "kind": kind, "routing": routing}, op))
        close_t = None
        if answered:
            evs.append((t0, 1, "answer_on_spot", "received", "answered", None, {"answer": m.answer}, op))
            close_t, ticket["close_reason"] = t0, "answered_on_spot"
        elif merged:
            evs.append((t0, 1, "merge", "received", "merged", None, {"into": self.number(j)}, op))
            close_t, ticket["close_reason"] = t0, "merged"
        else:
            close_t = self._play(i, t0, ch, lead, co, urgency, sup_level if j >= 0 else 0, rng, evs, asgs,
                                 cbs, ticket)
        # later repeats of this ticket: merged while it is open (no new facts), else re-handled
        for r in self.repeats_of.get(i, ()):
            tr = self.t[r]
            if (not self.newf[r] and not answered and not merged and (close_t is None or tr < close_t)
                    and tr < end):
                self.decision[r] = 1
                level = min(3, self.pos[r] - 1)
                evs.append((tr, 5, "repeat_merged", None, None, None, {"ticket": self.number(r), "new_facts": False},
                            op))
                if level > ticket["supervision_level"]:
                    evs.append((tr, 6, "supervision_opened", None, None, None,
                                {"level": level, "from_level": ticket["supervision_level"], "trigger": "repeat"},
                                op))
                    ticket["supervision_level"] = level
            else:
                self.decision[r] = 2
        # cut at the end of the history and write
        evs = [e for e in evs if e[0] < end]
        evs.sort(key=lambda e: (e[0], e[1]))
        status = "received"
        for e in evs:
            if e[4] is not None and e[5] is None:
                status = e[4]
        if close_t is not None and close_t >= end:
            ticket["closed_at"] = None
            ticket["close_reason"] = None
        elif close_t is not None:
            ticket["closed_at"] = close_t
        self.states[status] = self.states.get(status, 0) + 1
        out_events = out["events"]
        prev = GENESIS
        iso, canonical, dumps = self.stamps.iso, canonical_json, json.dumps
        for seq, (t, _, action, frm, to, aid, data, actor) in enumerate(evs, 1):
            # hotline.tickets.chain.event_hash with one reused encoder (verify_sample checks it)
            fields = {"action": action, "actor_id": actor, "assignment_id": aid, "created_at": iso(t),
                      "data": data, "from_state": frm, "seq": seq, "ticket_id": tid, "to_state": to}
            h = sha256(b"%s\n%s" % (prev.encode(), canonical(fields).encode())).hexdigest()
            out_events.append((self.next_event, tid, seq, aid, actor, action, frm, to, dumps(data), col(t),
                               prev, h))
            self.next_event += 1
            prev = h
        self.counts["events"] += len(evs)
        for a in asgs:
            row = self._assignment_row(tid, a, end)
            if row is not None:
                out["assignments"].append(row)
                self.counts["assignments"] += 1
        for cb in cbs:
            if cb[2] < end:
                out["callbacks"].append((self.next_callback, tid, cb[0], cb[1], col(cb[2]), op, cb[3], cb[4],
                                         cb[5], ""))
                self.next_callback += 1
                self.counts["callbacks"] += 1
        last_t = evs[-1][0]
        resolved_at = dispatched_at = None
        for e in evs:
            if e[2] == "resolve":
                resolved_at = e[0]
            elif e[2] in ("dispatch", "redispatch"):
                dispatched_at = e[0]
        if status not in ("resolved", "closed"):
            resolved_at = None
        callback_due = fc.add(resolved_at, lim.callback[1]) if resolved_at else None
        cat_id = refs["category_ids"].get(cat) if cat else None
        out["tickets"].append((
            tid, self.number(i), None, channel, kind, cat_id, m.subject[:200], m.description, caller, phone,
            ent_name, ent_norm, credit, refs["district_ids"][district], urgency, confidential, status, rule,
            json.dumps(routing), m.answer if answered else "", ticket["supervision_level"],
            ticket["reopen_count"], self.chain[i] or None, (j + 1) if merged else None, op, col(t0),
            col(fc.add(t0, lim.dispatch[1])), col(dispatched_at), col(resolved_at), col(callback_due),
            col(ticket["closed_at"]), ticket["close_reason"], ticket["false_closure"] and status == "closed",
            col(t0), col(last_t),
        ))

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

    def _new_assignment(self, dept_code: str, role: str, t: int, urgency: str, joint: bool) -> Assignment:
        a = Assignment(self.next_assignment, self.refs["department_ids"][dept_code], role)
        self.next_assignment += 1
        a.steps.append((t, None, "dispatched", self._clock_fields(t, urgency, joint, role == "co")))
        return a

    def _clock_fields(self, t: int, urgency: str, joint: bool, co: bool) -> dict:
        lim, fc = self.lim, self.fc
        base = lim.co_answer if co else (lim.joint_resolve if joint else lim.resolve)
        contact = lim.contact[urgency]
        return {"dispatched_at": t, "sign_due_at": fc.add(t, lim.sign[1]),
                "contact_due_at": fc.add(t, contact[1]) if contact[0] else t + contact[1],
                "return_due_at": fc.add(t, lim.return_window[1]),
                "resolve_due_at": fc.add(t, base[1])}

    def _handle(self, a: Assignment, base: int, limit_s: int, urgency: str, rng, not_before: int = 0,
                reply_key: int = 0, sign_after: int = 0) -> tuple[int, int]:
        """Sign, contact and submit ``a``; returns (signed_at, submitted_at)."""
        fc = self.fc
        r = rng.random()
        sign_delay = sign_after + (rng.randrange(300, 6600) if r < 0.8 else (
            rng.randrange(6600, 14400) if r < 0.95 else rng.randrange(14400, 90000)))
        t_sign = fc.add(base, sign_delay)
        scale = {"normal": 1.0, "urgent": 0.1, "emergency": 0.025}[urgency]
        r = rng.random()
        contact_delay = int((rng.randrange(600, 72000) if r < 0.85 else rng.randrange(86400, 259200)) * scale)
        t_contact = t_sign + max(60, contact_delay)
        r = rng.random()
        frac = rng.uniform(0.15, 0.9) if r < 0.7 else rng.uniform(0.9, 1.0) if r < 0.9 else \
            rng.uniform(1.0, 1.8) if r < 0.98 else rng.uniform(2.0, 6.0)
        t_sub = max(fc.add(base, int(limit_s * frac)), t_contact + 1800, not_before + 600)
        solved = rng.random() < 0.92
        a.steps.append((t_sign, "assignment_signed", "signed", {"signed_at": t_sign}))
        a.steps.append((t_contact, "assignment_contacted", "contacted", {"first_contact_at": t_contact}))
        a.steps.append((t_sub, "assignment_submitted", "submitted",
                        {"submitted_at": t_sub, "reply": corpus.reply(reply_key + a.id), "reply_solved": solved}))
        return t_sign, t_sub

    def _play(self, i, t0, ch, lead, co, urgency, sup_level, rng, evs, asgs, cbs, ticket) -> int | None:
        """Dispatch and handle a ticket; returns when it was closed (None if never)."""
        lim, fc, op = self.lim, self.fc, self.refs["operator_id"]
        if ch in STAFFED:
            td = t0
        else:  # queued until an operator dispatches it, usually within the 0.5 working-day limit
            frac = rng.uniform(0.02, 1.0) if rng.random() < 0.95 else rng.uniform(1.0, 2.5)
            td = fc.add(t0, int(lim.dispatch[1] * frac))
        joint = bool(co)
        ticket["dispatched_at"] = td
        evs.append((td, 2, "dispatch", "received", "dispatched", None,
                    {"lead": lead, "co_handlers": list(co), "joint": joint}, op))
        if sup_level:
            evs.append((td, 3, "supervision_opened", None, None, None,
                        {"level": sup_level, "from_level": 0, "trigger": "repeat"}, op))
            ticket["supervision_level"] = sup_level
        ext_count = 1 if rng.random() < 0.05 else (2 if rng.random() < 0.01 else 0)
        ext_days = ext_count * lim.max_extension_days
        lead_a = self._new_assignment(lead, "lead", td, urgency, joint)
        asgs.append(lead_a)
        base = td
        order = 10
        # 退单: a misrouted single-department ticket is returned within the window and re-dispatched
        if not co and lead != "discipline" and rng.random() < 0.03:
            t_ret = fc.add(td, int(lim.return_window[1] * rng.uniform(0.05, 0.95)))
            others = [d for d in ("approval", "market", "housing", "natural_resources", "ndrc", "bizenv_office")
                      if d != lead]
            new_lead = rng.choice(others)
            grounds = corpus.RETURN_GROUNDS.format(dept=corpus.DEPARTMENT_NAMES[new_lead])
            lead_a.steps.append((t_ret, "assignment_returned", "returned",
                                 {"returned_at": t_ret, "return_grounds": grounds}))
            evs.append((t_ret, order + 1, "all_returned", "dispatched", "returned", None, {}, None))
            t_red = fc.add(t_ret, int(lim.day * rng.uniform(0.2, 2.0)))  # awaits an operator
            evs.append((t_red, order + 2, "redispatch", "returned", "dispatched", None,
                        {"lead": new_lead, "co_handlers": [], "joint": False}, op))
            ticket["dispatched_at"] = t_red
            lead_a = self._new_assignment(new_lead, "lead", t_red, urgency, False)
            asgs.append(lead_a)
            base = t_red
        lead_limit = (lim.joint_resolve if joint else lim.resolve)[1] + ext_days * lim.day
        first_sign = None
        co_done = 0
        for code in co:
            a = self._new_assignment(code, "co", base, urgency, joint)
            asgs.append(a)
            if rng.random() < 0.03:  # a co-handler returns its part; the lead goes on without it
                t_ret = fc.add(base, int(lim.return_window[1] * rng.uniform(0.05, 0.95)))
                a.steps.append((t_ret, "assignment_returned", "returned", {
                    "returned_at": t_ret,
                    "return_grounds": corpus.RETURN_GROUNDS.format(dept=corpus.DEPARTMENT_NAMES[lead])}))
                continue
            t_sign, t_sub = self._handle(a, base, lim.co_answer[1], urgency, rng, reply_key=i)
            first_sign = t_sign if first_sign is None else min(first_sign, t_sign)
            co_done = max(co_done, t_sub)
        for k in range(ext_count):
            lead_a.steps.append((fc.add(base, int(lead_limit * (0.4 + 0.2 * k))), "extension_approved", None,
                                 {"extension_count": k + 1, "extension_days": (k + 1) * lim.max_extension_days}))
        t_sign, t_res = self._handle(lead_a, base, lead_limit, urgency, rng, not_before=co_done, reply_key=i)
        first_sign = t_sign if first_sign is None else min(first_sign, t_sign)
        evs.append((first_sign, order + 3, "start", "dispatched", "in_progress", None, {}, None))
        evs.append((t_res, order + 4, "resolve", "in_progress", "resolved", None, {}, None))
        ticket["resolved_at"] = t_res
        solved_reply = lead_a.steps[-1][3]["reply_solved"]
        close_t = self._callbacks(1, t_res, rng, evs, cbs, ticket, solved_reply, order + 5)
        if close_t is None and ticket.get("reopen_at"):
            # 重办: the lead's assignment goes back to dispatched with a fresh clock
            t_ro = ticket["reopen_at"]
            ticket["reopen_count"] = 1
            fields = self._clock_fields(t_ro, urgency, joint, False)
            lead_a.steps.append((t_ro, "assignment_reopened", "dispatched", fields))
            if ticket["supervision_level"] < 1:
                evs.append((t_ro, order + 21, "supervision_opened", None, None, None,
                            {"level": 1, "from_level": ticket["supervision_level"], "trigger": "callback"}, op))
                ticket["supervision_level"] = 1
            t_sign2, t_res2 = self._handle(lead_a, t_ro, lim.resolve[1], urgency, rng, reply_key=i + 7,
                                           sign_after=int(lim.day * rng.uniform(0.3, 2.5)))
            evs.append((t_sign2, order + 22, "start", "reopened", "in_progress", None, {}, None))
            evs.append((t_res2, order + 23, "resolve", "in_progress", "resolved", None, {}, None))
            ticket["resolved_at"] = t_res2
            close_t = self._callbacks(2, t_res2, rng, evs, cbs, ticket, True, order + 24)
        # assignment events
        for a in asgs:
            state = "dispatched"
            for t, action, to, fields in a.steps:
                if action is None:
                    continue
                data = {"department": self.refs["dept_codes"][self.refs["dept_index_by_id"][a.dept]]}
                if action == "extension_approved":
                    data["days"] = lim.max_extension_days
                    evs.append((t, 9, action, None, None, a.id, data, None))
                    continue
                if action == "assignment_returned":
                    data["grounds"] = fields["return_grounds"]
                # before the ticket-level step it causes at the same instant (start, resolve,
                # all_returned); a reopened assignment after the ticket's reopen
                evs.append((t, 30 if action == "assignment_reopened" else 9, action, state, to, a.id, data, None))
                state = to
        return close_t

    def _callbacks(self, rnd, t_res, rng, evs, cbs, ticket, solved_reply, order) -> int | None:
        """回访 after resolution: up to two attempts; returns the close time, or None when reopened."""
        fc, lim, op = self.fc, self.lim, self.refs["operator_id"]
        frac = rng.uniform(0.05, 0.95) if rng.random() < 0.95 else rng.uniform(1.0, 2.0)
        t1 = fc.add(t_res, int(lim.callback[1] * frac))
        attempts = [t1]
        reached = rng.random() < 0.93
        if not reached:
            attempts.append(fc.add(t1, int(lim.day * rng.uniform(0.1, 0.8))))
            reached = rng.random() < 0.7
        for n, t in enumerate(attempts, 1):
            last = n == len(attempts)
            if not (last and reached):
                cbs.append((rnd, n, t, False, None, None))
                evs.append((t, order + n, "callback_recorded", None, None, None,
                            {"round": rnd, "attempt": n, "reached": False}, op))
        t_last = attempts[-1]
        if not reached:
            evs.append((t_last, order + 5, "close", "resolved", "closed", None, {"reason": "unreachable"}, op))
            ticket["close_reason"] = "unreachable"
            return t_last
        r = rng.random()
        if rnd == 1:
            satisfaction = "satisfied" if r < 0.80 else "basically_satisfied" if r < 0.92 else "unsatisfied"
        else:
            satisfaction = "satisfied" if r < 0.6 else "basically_satisfied"
        solved = (rng.random() < 0.3) if satisfaction == "unsatisfied" else (rnd == 2 or rng.random() < 0.97)
        cbs.append((rnd, len(attempts), t_last, True, solved, satisfaction))
        evs.append((t_last, order + 3, "callback_recorded", None, None, None,
                    {"round": rnd, "attempt": len(attempts), "reached": True, "solved": solved,
                     "satisfaction": satisfaction}, op))
        if solved_reply and not solved:
            ticket["false_closure"] = True
        if rnd == 1 and (satisfaction == "unsatisfied" or not solved):
            evs.append((t_last, order + 4, "reopen", "resolved", "reopened", None,
                        {"reason": "callback_unsatisfied"}, op))
            ticket["reopen_at"] = t_last
            return None
        evs.append((t_last, order + 4, "close", "resolved", "closed", None, {"reason": "callback"}, op))
        ticket["close_reason"] = "callback"
        return t_last

    def _assignment_row(self, tid: int, a: Assignment, end: int):
        f = {"status": "dispatched", "signed_at": None, "first_contact_at": None, "submitted_at": None,
             "reply": "", "reply_solved": None, "returned_at": None, "return_grounds": "", "extension_count": 0,
             "extension_days": 0}
        steps = [s for s in a.steps if s[0] < end]
        if not steps:
            return None
        steps.sort(key=lambda s: s[0])
        for t, action, to, fields in steps:
            if action == "assignment_reopened":
                f.update(signed_at=None, first_contact_at=None, submitted_at=None, reply="", reply_solved=None)
            f.update(fields)
            if to is not None:
                f["status"] = to
        if f["extension_days"]:  # approved extensions lengthen the resolution limit
            f["resolve_due_at"] = self.fc.add(f["resolve_due_at"], f["extension_days"] * self.lim.day)
        col = self.stamps.col
        return (a.id, tid, a.dept, a.role, a.round, f["status"], col(f["dispatched_at"]), col(f["sign_due_at"]),
                col(f["contact_due_at"]), col(f["return_due_at"]), col(f["resolve_due_at"]), col(f["signed_at"]),
                None, col(f["first_contact_at"]), col(f["submitted_at"]), None, f["reply"], f["reply_solved"],
                col(f["returned_at"]), f["return_grounds"], f["extension_count"], f["extension_days"])


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


# --------------------------------------------------------------------------------------------
# Schema, reference data, indexes
# --------------------------------------------------------------------------------------------


def prepare(app, reset: bool) -> dict:
    """Create the schema and reference data; return the ids the generator needs."""
    from sqlalchemy import func, inspect, select

    from hotline.auth.models import User
    from hotline.demo.seed import seed_reference
    from hotline.directory.models import Category, Department, District
    from hotline.extensions import db
    from hotline.tickets.models import Ticket

    with app.app_context():
        if reset:
            db.drop_all()
        elif inspect(db.engine).has_table("tickets"):
            existing = db.session.scalar(select(func.count()).select_from(Ticket))
            db.session.rollback()
            if existing:
                raise SystemExit(f"the database already holds {existing} tickets; pass --reset to replace them")
        db.create_all()
        _check_columns(db.metadata)
        seed_reference()
        depts = {d.code: d.id for d in db.session.scalars(select(Department))}
        refs = {
            "department_ids": depts,
            "category_ids": {c.code: c.id for c in db.session.scalars(select(Category))},
            "district_ids": {d.code: d.id for d in db.session.scalars(select(District))},
            "operator_id": db.session.scalar(select(User.id).where(User.username == "operator")),
        }
        codes = sorted(depts)
        refs["dept_codes"] = [None] + codes  # index 0: none
        refs["dept_index"] = {c: k + 1 for k, c in enumerate(codes)}
        refs["dept_index_by_id"] = {depts[c]: k + 1 for k, c in enumerate(codes)}
        db.session.commit()
        db.engine.dispose()
    return refs


def _check_columns(metadata) -> None:
    """Fail early if the models changed under the generator: every written column must exist and
    every column it does not write must be nullable or have a default."""
    for table, columns in TABLES.items():
        t = metadata.tables[table]
        names = {c.name for c in t.columns}
        unknown = set(columns) - names
        if unknown:
            raise SystemExit(f"bench.generate writes {table}.{sorted(unknown)}, which the models no longer have")
        for c in t.columns:
            if c.name not in columns and not c.nullable and c.default is None and c.server_default is None:
                raise SystemExit(f"{table}.{c.name} is required by the models but not written by bench.generate")


def secondary_indexes(metadata):
    """Non-unique indexes of the bulk tables (dropped for the load, built after it)."""
    return [ix for name in BULK_TABLES for ix in sorted(metadata.tables[name].indexes, key=lambda x: x.name)
            if not ix.unique]


def drop_indexes(app) -> list:
    from hotline.extensions import db

    with app.app_context():
        indexes = secondary_indexes(db.metadata)
        with db.engine.begin() as conn:
            for ix in indexes:
                conn.execute(db.text(f"DROP INDEX IF EXISTS {ix.name}"))
        db.engine.dispose()
    return indexes


def create_indexes(app, indexes) -> None:
    from hotline.extensions import db

    with app.app_context():
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(db.text("SET maintenance_work_mem = '512MB'"))
            for ix in indexes:
                ix.create(bind=conn, checkfirst=True)
        db.engine.dispose()


def analyze(app) -> None:
    from hotline.extensions import db

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(db.text("VACUUM (ANALYZE)"))
        else:
            with db.engine.begin() as conn:
                conn.execute(db.text("ANALYZE"))
        db.engine.dispose()


def verify_sample(app, n: int, rng: random.Random, k: int = 20) -> int:
    """Verify the hash chains of ``k`` random tickets with the project's verifier."""
    from hotline.extensions import db
    from hotline.tickets.events import verify_ticket

    with app.app_context():
        for _ in range(k):
            tid = rng.randrange(1, n + 1)
            broken = verify_ticket(tid)
            if broken is not None:
                raise AssertionError(f"ticket {tid}: event chain broken at {broken}")
        db.session.rollback()
        db.engine.dispose()
    return k


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="postgresql://… or sqlite:////path.db")
    parser.add_argument("--tickets", type=int, required=True, help="how many tickets (10 .. 10,000,000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reset", action="store_true", help="drop every table first")
    parser.add_argument("--start", type=date.fromisoformat, default=DEFAULT_START, help="first day (city time)")
    parser.add_argument("--end", type=date.fromisoformat, default=DEFAULT_END, help="last day (city time)")
    parser.add_argument("--keep-indexes", action="store_true", help="load with every index in place")
    args = parser.parse_args(argv)
    if args.tickets < 1:
        parser.error("--tickets must be positive")
    dialect = dialect_of(args.database_url)
    started = time.perf_counter()
    phases = {}
    app = make_app(args.database_url)
    refs = prepare(app, args.reset)
    phases["schema_s"] = time.perf_counter() - started
    indexes = [] if args.keep_indexes else drop_indexes(app)
    t = time.perf_counter()
    history = History(args.tickets, args.seed, args.start, args.end, dialect, refs)
    history.plan()
    phases["plan_s"] = time.perf_counter() - t
    log(f"planned {args.tickets:,} tickets, {history.repeats:,} repeats, {len(history.chain_rows):,} chains "
        f"in {phases['plan_s']:.1f}s")
    t = time.perf_counter()
    writer = PostgresWriter(args.database_url) if dialect == "postgresql" else SqliteWriter(args.database_url)
    try:
        writer.write("matter_chains", CHAIN_COLUMNS, history.chains())
        loader = Loader(writer)
        loader.start()
        try:
            history.generate(loader)
        finally:
            loader.close()
        writer.write("ticket_counters", COUNTER_COLUMNS, history.counter_rows())
        writer.finish_sequences()
        writer.commit()
    finally:
        writer.close()
    phases["load_s"] = time.perf_counter() - t
    phases["load_writer_busy_s"] = loader.busy_s
    t = time.perf_counter()
    create_indexes(app, indexes)
    phases["index_s"] = time.perf_counter() - t
    t = time.perf_counter()
    analyze(app)
    phases["analyze_s"] = time.perf_counter() - t
    verified = verify_sample(app, args.tickets, random.Random(args.seed))
    elapsed = time.perf_counter() - started
    states = dict(sorted(history.states.items(), key=lambda kv: -kv[1]))
    missing = sorted(set(OPEN_STATES | {"closed", "merged", "answered"}) - set(states))
    record = {
        "bench": "generate", "database": dialect, "url": redact(args.database_url), "seed": args.seed,
        "tickets": args.tickets, "assignments": history.counts["assignments"], "events": history.counts["events"],
        "callbacks": history.counts["callbacks"], "chains": len(history.chain_rows),
        "ticket_counters": len(history.day_counts), "repeats": history.repeats,
        "repeat_rate": round(history.repeats / args.tickets, 4),
        "merged": states.get("merged", 0), "states": states, "states_missing": missing,
        "enterprises": history.n_enterprises, "history": f"{args.start}..{args.end}",
        "chains_verified": verified, "indexes_rebuilt": len(indexes),
        "phases_s": {k: round(v, 2) for k, v in phases.items()}, "elapsed_s": round(elapsed, 2),
        "tickets_per_s": round(args.tickets / elapsed, 1),
    }
    emit(record)
    return record


if __name__ == "__main__":
    main()
