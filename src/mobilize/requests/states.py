"""Every status a request and its lines can take, and every move between them: one table each.

A request: draft -> submitted -> in execution -> closed, or cancelled before execution. Its
lines, each answered by the agency it is addressed to: submitted -> acknowledged -> offered or
declined -> approved, partially approved or denied -> in execution -> closed. An amendment puts
the lines it changes back to submitted: they need an answer and a signature again.
"""

from __future__ import annotations

from mobilize.core.errors import Refused

REQUEST_STATUSES = ("draft", "submitted", "in_execution", "closed", "cancelled")
LINE_STATUSES = (
    "draft",
    "submitted",
    "acknowledged",
    "offered",
    "declined",
    "approved",
    "partially_approved",
    "denied",
    "in_execution",
    "closed",
    "cancelled",
)

REQUEST_MOVES: dict[tuple[str, str], str] = {
    ("draft", "edit"): "draft",
    ("draft", "submit"): "submitted",
    ("draft", "cancel"): "cancelled",
    ("submitted", "respond"): "submitted",
    ("submitted", "approve"): "submitted",
    ("submitted", "amend"): "submitted",
    ("submitted", "cancel"): "cancelled",
    ("submitted", "execute"): "in_execution",
    ("in_execution", "respond"): "in_execution",
    ("in_execution", "approve"): "in_execution",
    ("in_execution", "amend"): "in_execution",
    ("in_execution", "execute"): "in_execution",
    ("in_execution", "close"): "closed",
}

# Lines the requester changes by amendment: everything answered or signed, not what is over.
AMENDABLE = LINE_STATUSES[1:9]

LINE_MOVES: dict[tuple[str, str], str] = {
    ("draft", "submit"): "submitted",
    ("submitted", "acknowledge"): "acknowledged",
    ("submitted", "offer"): "offered",
    ("acknowledged", "offer"): "offered",
    ("submitted", "decline"): "declined",
    ("acknowledged", "decline"): "declined",
    ("offered", "approve"): "approved",
    ("offered", "approve_part"): "partially_approved",
    ("offered", "deny"): "denied",
    ("approved", "execute"): "in_execution",
    ("partially_approved", "execute"): "in_execution",
    ("in_execution", "close"): "closed",
    **{(status, "amend"): "submitted" for status in AMENDABLE},
    **{(status, "cancel"): "cancelled" for status in LINE_STATUSES[:8]},
}


def request_move(status: str, action: str) -> str:
    """The request's status after `action`, or Refused naming what is allowed from here."""
    return _move(REQUEST_MOVES, "request", status, action)


def line_move(status: str, action: str) -> str:
    return _move(LINE_MOVES, "line", status, action)


def can_move(moves: dict[tuple[str, str], str], status: str, action: str) -> bool:
    return (status, action) in moves


def _move(moves: dict[tuple[str, str], str], what: str, status: str, action: str) -> str:
    after = moves.get((status, action))
    if after is None:
        allowed = sorted(act for (state, act) in moves if state == status)
        raise Refused(
            f"a {what} that is {status.replace('_', ' ')} cannot be {_past(action)}; "
            f"allowed now: {', '.join(allowed) or 'nothing'}"
        )
    return after


def _past(action: str) -> str:
    irregular = {"submit": "submitted", "approve_part": "partly approved", "edit": "edited"}
    return irregular.get(action, action + ("d" if action.endswith("e") else "ed"))
