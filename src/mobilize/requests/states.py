"""The request workflow as one table: every status, the named sets the rules read, and every
move between statuses. Adding a status or a move is an edit here and nowhere else: the database's
CHECK constraints, the API's enums, the pages and the rules all read these.

A request: draft -> submitted -> in execution -> closed, or cancelled before execution. Its
lines, each answered by the agency it is addressed to: submitted -> acknowledged -> offered or
declined -> approved, partially approved or denied -> in execution -> closed. An amendment puts
the lines it changes back to submitted: they need an answer and a signature again. A fill (the
named unit an agency sends for a line): assigned -> mobilizing -> en route -> on site (check-in)
-> demobilizing -> released (check-out), forwards only.
"""

from __future__ import annotations

from enum import StrEnum

from mobilize.core.errors import Refused


class RequestStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_EXECUTION = "in_execution"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class LineStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    OFFERED = "offered"
    DECLINED = "declined"
    APPROVED = "approved"
    PARTIALLY_APPROVED = "partially_approved"
    DENIED = "denied"
    IN_EXECUTION = "in_execution"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class FillStatus(StrEnum):
    """A filled unit's life, in the order it is lived (`FILL_ORDER`)."""

    ASSIGNED = "assigned"
    MOBILIZING = "mobilizing"
    EN_ROUTE = "en_route"
    ON_SITE = "on_site"
    DEMOBILIZING = "demobilizing"
    RELEASED = "released"


REQUEST_STATUSES = tuple(status.value for status in RequestStatus)
LINE_STATUSES = tuple(status.value for status in LineStatus)
FILL_STATUSES = tuple(status.value for status in FillStatus)
FILL_ORDER = {status: rank for rank, status in enumerate(FillStatus)}

L = LineStatus
R = RequestStatus
# Named sets: what the rules ask of a status, written out (never a slice of the list above).
SIGNED = frozenset({L.APPROVED, L.PARTIALLY_APPROVED})  # a signature in force
FILLABLE = frozenset({L.OFFERED, L.APPROVED, L.PARTIALLY_APPROVED, L.IN_EXECUTION})
PLANNED_LINES = frozenset({L.APPROVED, L.PARTIALLY_APPROVED, L.IN_EXECUTION})
# Lines the requester changes by amendment: everything answered or signed, not what is over.
AMENDABLE = frozenset(
    {
        L.SUBMITTED,
        L.ACKNOWLEDGED,
        L.OFFERED,
        L.DECLINED,
        L.APPROVED,
        L.PARTIALLY_APPROVED,
        L.DENIED,
        L.IN_EXECUTION,
    }
)
CANCELLABLE = frozenset(
    {
        L.DRAFT,
        L.SUBMITTED,
        L.ACKNOWLEDGED,
        L.OFFERED,
        L.DECLINED,
        L.APPROVED,
        L.PARTIALLY_APPROVED,
        L.DENIED,
    }
)
LINE_OVER = frozenset({L.DENIED, L.CANCELLED, L.CLOSED, L.DRAFT})  # asks for nothing
REQUEST_OVER = frozenset({R.DRAFT, R.CANCELLED, R.CLOSED})  # grants and asks for nothing
GRANTS_NOTHING = frozenset({R.DRAFT, R.CANCELLED})  # makes nobody party to an operation
FILL_ACTIVE = frozenset(status for status in FillStatus if status != FillStatus.RELEASED)

REQUEST_MOVES: dict[tuple[str, str], str] = {
    (R.DRAFT, "edit"): R.DRAFT,
    (R.DRAFT, "submit"): R.SUBMITTED,
    (R.DRAFT, "cancel"): R.CANCELLED,
    (R.SUBMITTED, "respond"): R.SUBMITTED,
    (R.SUBMITTED, "approve"): R.SUBMITTED,
    (R.SUBMITTED, "amend"): R.SUBMITTED,
    (R.SUBMITTED, "cancel"): R.CANCELLED,
    (R.SUBMITTED, "execute"): R.IN_EXECUTION,
    (R.SUBMITTED, "accept"): R.SUBMITTED,
    (R.SUBMITTED, "fill"): R.SUBMITTED,
    (R.IN_EXECUTION, "respond"): R.IN_EXECUTION,
    (R.IN_EXECUTION, "approve"): R.IN_EXECUTION,
    (R.IN_EXECUTION, "amend"): R.IN_EXECUTION,
    (R.IN_EXECUTION, "execute"): R.IN_EXECUTION,
    (R.IN_EXECUTION, "close"): R.CLOSED,
    (R.IN_EXECUTION, "accept"): R.IN_EXECUTION,
    (R.IN_EXECUTION, "fill"): R.IN_EXECUTION,
}

LINE_MOVES: dict[tuple[str, str], str] = {
    (L.DRAFT, "submit"): L.SUBMITTED,
    (L.SUBMITTED, "acknowledge"): L.ACKNOWLEDGED,
    (L.SUBMITTED, "offer"): L.OFFERED,
    (L.ACKNOWLEDGED, "offer"): L.OFFERED,
    (L.SUBMITTED, "decline"): L.DECLINED,
    (L.ACKNOWLEDGED, "decline"): L.DECLINED,
    (L.OFFERED, "approve"): L.APPROVED,
    (L.OFFERED, "approve_part"): L.PARTIALLY_APPROVED,
    (L.OFFERED, "deny"): L.DENIED,
    (L.APPROVED, "execute"): L.IN_EXECUTION,
    (L.PARTIALLY_APPROVED, "execute"): L.IN_EXECUTION,
    (L.IN_EXECUTION, "close"): L.CLOSED,
    **{(status, "fill"): status for status in FILLABLE},
    **{(status, "amend"): L.SUBMITTED for status in AMENDABLE},
    **{(status, "cancel"): L.CANCELLED for status in CANCELLABLE},
}


def request_move(status: str, action: str) -> str:
    """The request's status after `action`, or Refused naming what is allowed from here."""
    return _move(REQUEST_MOVES, "request", status, action)


def line_move(status: str, action: str) -> str:
    return _move(LINE_MOVES, "line", status, action)


def fill_move(status: str, after: str) -> str:
    """A fill moves forwards only (a step may be skipped: a team can arrive unannounced)."""
    if after not in FILL_ORDER:
        raise Refused(f"a fill has no status {after!r}; the statuses: {', '.join(FILL_STATUSES)}")
    if FILL_ORDER[FillStatus(after)] <= FILL_ORDER[FillStatus(status)]:
        later = [s.value for s in FillStatus if FILL_ORDER[s] > FILL_ORDER[FillStatus(status)]]
        raise Refused(
            f"a fill that is {_words(status)} cannot become {_words(after)}: statuses move "
            f"forwards only; next: {', '.join(later) or 'nothing (released)'}"
        )
    return after


def can_move(moves: dict[tuple[str, str], str], status: str, action: str) -> bool:
    return (status, action) in moves


def _move(moves: dict[tuple[str, str], str], what: str, status: str, action: str) -> str:
    after = moves.get((status, action))
    if after is None:
        allowed = sorted(act for (state, act) in moves if state == status)
        raise Refused(
            f"a {what} that is {_words(status)} cannot be {_past(action)}; "
            f"allowed now: {', '.join(allowed) or 'nothing'}"
        )
    return after


def _words(status: str) -> str:
    return status.replace("_", " ")


def _past(action: str) -> str:
    irregular = {"submit": "submitted", "approve_part": "partly approved", "edit": "edited"}
    return irregular.get(action, action + ("d" if action.endswith("e") else "ed"))
