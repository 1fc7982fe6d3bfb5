"""What a user may do to a request now: the same rules the services enforce, asked in advance,
so that a page offers only the actions that would be accepted (the services still check)."""

from __future__ import annotations

from mobilize.auth.models import Role
from mobilize.auth.service import Actor
from mobilize.requests.models import RequestLine, SupportRequest
from mobilize.requests.service import is_requester_side, may_run
from mobilize.requests.states import LINE_MOVES, REQUEST_MOVES, can_move

SIGNED = ("approved", "partially_approved")


def lines_to_answer(actor: Actor, request: SupportRequest) -> list[RequestLine]:
    """The lines this user answers for their agency: addressed to it, not answered yet."""
    if not can_move(REQUEST_MOVES, request.status, "respond"):
        return []
    return [
        line
        for line in request.lines
        if actor.holds(Role.RESPONDER, line.supporting_agency.path)
        and can_move(LINE_MOVES, line.status, "offer")
    ]


def lines_to_decide(actor: Actor, request: SupportRequest) -> list[RequestLine]:
    """The offered lines this user signs or denies for their agency."""
    if not can_move(REQUEST_MOVES, request.status, "approve") or is_requester_side(actor, request):
        return []
    return [
        line
        for line in request.lines
        if line.status == "offered" and actor.holds(Role.APPROVER, line.supporting_agency.path)
    ]


def available_actions(actor: Actor, request: SupportRequest) -> list[str]:
    """Of submit, respond, decide, amend, cancel, execute and close: those open to `actor`."""
    requester = actor.holds(Role.REQUESTER, request.requesting_agency.path)
    status = request.status
    found = []
    if requester and can_move(REQUEST_MOVES, status, "submit"):
        found.append("submit")
    if lines_to_answer(actor, request):
        found.append("respond")
    if lines_to_decide(actor, request):
        found.append("decide")
    amendable = any(can_move(LINE_MOVES, line.status, "amend") for line in request.lines)
    if requester and can_move(REQUEST_MOVES, status, "amend") and amendable:
        found.append("amend")
    if requester and can_move(REQUEST_MOVES, status, "cancel"):
        found.append("cancel")
    signed = any(line.status in SIGNED for line in request.lines)
    if may_run(actor, request) and can_move(REQUEST_MOVES, status, "execute") and signed:
        found.append("execute")
    if may_run(actor, request) and can_move(REQUEST_MOVES, status, "close"):
        found.append("close")
    return found
