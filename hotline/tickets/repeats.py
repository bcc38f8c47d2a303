"""Repeat candidates (屡诉督办): filter and rank earlier tickets that may be the same matter.

The database layer selects earlier tickets that share the enterprise (credit code or
normalized name) or the caller's phone and passes them in as plain values; this module
filters them by window and identity, scores them and returns the best few for the operator
to confirm. Pure: no database, no clock (``now`` is an argument).

Callers pass identity values already normalized with :mod:`hotline.tickets.identity`
(``validate_credit_code``, ``normalize_enterprise_name``, ``normalize_phone``); they are
compared here as given.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = [
    "OPEN_STATUSES",
    "Candidate",
    "ChainMember",
    "chain_target",
    "NewMatter",
    "PastTicket",
    "is_repeat_of_open",
    "rank_candidates",
    "text_similarity",
    "window_start",
]

OPEN_STATUSES = frozenset(
    {"received", "dispatched", "in_progress", "resolved", "returned", "reopened"}
)

# Score weights (points out of 100). The non-text parts add up to at most 30, so the
# default min_score of 40 can never be reached on identity, category and recency alone.
TEXT_POINTS_MAX = 70.0  # one point per point of text similarity, capped at 70
IDENTITY_POINTS = {"credit_code": 15.0, "enterprise": 10.0, "phone": 5.0}  # strongest counts
CATEGORY_POINTS = 10.0
RECENCY_POINTS = 5.0  # linear: 5 for "now", 0 at the window edge

_MIN_BIGRAMS = 8  # overlap denominator floor, so a 2-character text cannot score 100
_MAX_TEXT_CHARS = 500  # only the opening of a text is compared (bounds the cost)


@dataclass(frozen=True)
class PastTicket:
    """An earlier ticket as selected by the database layer (identity values normalized)."""

    id: int
    number: str
    received_at: datetime  # timezone-aware
    status: str
    credit_code: str | None
    enterprise_norm: str | None
    phone: str | None
    category_code: str | None
    text: str  # subject + description
    chain_id: int | None


@dataclass(frozen=True)
class NewMatter:
    """The matter being entered (identity values normalized)."""

    credit_code: str | None
    enterprise_norm: str | None
    phone: str | None
    category_code: str | None
    text: str


@dataclass(frozen=True)
class Candidate:
    """A ranked repeat candidate: ``score`` and ``text_similarity`` are on a 0..100 scale."""

    ticket: PastTicket
    score: float
    matched_on: tuple[str, ...]  # subset of ("credit_code", "enterprise", "phone"), in that order
    text_similarity: float
    same_category: bool


def window_start(now: datetime, days: int = 180) -> datetime:
    """Return the start of the look-back window; a ticket received at it is inside.

    Raises ValueError for a naive ``now`` (ticket times are timezone-aware).
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return now - timedelta(days=days)


def _bigrams(text: str) -> frozenset[int]:
    """Character bigrams of the first 500 characters of ``text``, after removing whitespace,
    punctuation and symbols and lower-casing (a text under 2 characters has none).

    Each bigram is packed into one 64-bit integer: the UTF-32 bytes viewed as 8-byte words
    from offset 0 give bigrams (0,1), (2,3) ... and from offset 4 give (1,2), (3,4) ...; the
    set is then built in C, about 3x faster than slicing 2-character strings.
    """
    raw = re.sub(r"[\W_]+", "", text[:_MAX_TEXT_CHARS]).lower().encode("utf-32-le")
    even = memoryview(raw)[: len(raw) // 8 * 8].cast("Q")
    odd = memoryview(raw)[4 : 4 + (len(raw) - 4) // 8 * 8].cast("Q")
    return frozenset(even.tolist() + odd.tolist())


def _overlap(a: frozenset[int], b: frozenset[int]) -> float:
    """Overlap coefficient |a∩b| / max(min(|a|,|b|), 8), scaled to 0..100."""
    if not a or not b:
        return 0.0
    return 100.0 * len(a & b) / max(min(len(a), len(b)), _MIN_BIGRAMS)


def text_similarity(a: str, b: str) -> float:
    """Similarity (0..100) of two Chinese matter texts at character level.

    The overlap coefficient of their character-bigram sets: shared bigrams divided by the
    bigram count of the shorter text (at least 8). Why this and not a rapidfuzz scorer:
    on paraphrased complaints (same matter, other words and order) bigram overlap keeps
    shared words (扩建 厂房 用地 审批) regardless of order, is ~0 for unrelated matters
    (only function words like 公司/没有 collide), and does not punish a short new
    description against a long earlier one. On a hand-made set of paraphrased complaint
    pairs the alternatives separated same from different matters worse: rapidfuzz
    ``token_set_ratio`` over space-joined bigrams scores unrelated texts ~33 on average
    (its character alignment of the sorted leftovers adds noise); ``ratio`` and Dice fall
    with length mismatch; ``partial_ratio`` has a ~14 noise floor. Only the first 500
    characters of each text count (subject and opening state the matter), which keeps 200
    candidates at a few milliseconds.
    """
    return _overlap(_bigrams(a), _bigrams(b))


def _matched_on(new: NewMatter, past: PastTicket) -> tuple[str, ...]:
    """Identity kinds shared by ``new`` and ``past`` (empty or missing values never match)."""
    pairs = (
        ("credit_code", new.credit_code, past.credit_code),
        ("enterprise", new.enterprise_norm, past.enterprise_norm),
        ("phone", new.phone, past.phone),
    )
    return tuple(kind for kind, mine, theirs in pairs if mine and mine == theirs)


def _score(
    similarity: float, matched_on: tuple[str, ...], same_category: bool, recency: float
) -> float:
    """Weighted score: text (≤70) + strongest identity kind (15/10/5) + category (10) +
    recency (≤5, ``recency`` in 0..1)."""
    return (
        min(similarity, TEXT_POINTS_MAX)
        + max(IDENTITY_POINTS[kind] for kind in matched_on)
        + (CATEGORY_POINTS if same_category else 0.0)
        + RECENCY_POINTS * recency
    )


def rank_candidates(
    new: NewMatter,
    past: Iterable[PastTicket],
    *,
    now: datetime,
    window_days: int = 180,
    limit: int = 5,
    min_score: float = 40.0,
) -> list[Candidate]:
    """Return up to ``limit`` earlier tickets that may be the same matter as ``new``.

    Drops tickets received before ``window_start(now, window_days)`` (one exactly at it is
    kept) and tickets sharing no identity value with ``new``. Scores the rest (see
    ``_score`` and ``text_similarity``), keeps those with score >= ``min_score``, and sorts
    by score descending, then most recently received, then id descending.
    """
    start = window_start(now, window_days)
    span = (now - start).total_seconds() or 1.0
    new_bigrams = _bigrams(new.text)
    found: list[Candidate] = []
    for ticket in past:
        matched = _matched_on(new, ticket)
        if ticket.received_at < start or not matched:
            continue
        similarity = _overlap(new_bigrams, _bigrams(ticket.text))
        same_category = bool(new.category_code) and new.category_code == ticket.category_code
        recency = min(1.0, max(0.0, 1.0 - (now - ticket.received_at).total_seconds() / span))
        score = _score(similarity, matched, same_category, recency)
        if score >= min_score:
            found.append(Candidate(ticket, score, matched, similarity, same_category))
    found.sort(key=lambda c: (-c.score, -c.ticket.received_at.timestamp(), -c.ticket.id))
    return found[: max(limit, 0)]


def is_repeat_of_open(candidate: Candidate) -> bool:
    """Whether the candidate's ticket is still open (its status is in OPEN_STATUSES)."""
    return candidate.ticket.status in OPEN_STATUSES


@dataclass(frozen=True)
class ChainMember:
    """A ticket of a repeat chain (屡诉链), as the database layer selects it."""

    number: str
    status: str
    received_at: datetime
    merged: bool  # merged (并单) into another ticket of the chain


def chain_target(linked: ChainMember, chain: Iterable[ChainMember]) -> tuple[ChainMember, str]:
    """The ticket a repeat of ``linked`` merges into or re-handles, and how it was found.

    A chain has at most one ticket being worked on; a new call on the matter belongs there:

    * the chain's open ticket (the latest one, merged tickets aside) → ``"chain_open"``
      (``"linked"`` when that is the linked ticket itself);
    * otherwise, when the linked ticket was itself merged, the chain's latest ticket that
      was not merged (it is closed: the repeat re-handles it) → ``"chain_latest"``;
    * otherwise the linked ticket → ``"linked"``.
    """
    members = [m for m in chain if not m.merged]
    latest = lambda ms: max(ms, key=lambda m: (m.received_at, m.number))  # noqa: E731
    open_members = [m for m in members if m.status in OPEN_STATUSES]
    if open_members:
        target = latest(open_members)
        return target, ("linked" if target.number == linked.number else "chain_open")
    if linked.merged and members:
        return latest(members), "chain_latest"
    return linked, "linked"
