"""The request workflow's actions as one registry — the service function, the input it takes
and the name it is audited under — read alike by the JSON routes, the web forms and
`available_actions` (what a page offers a user now: the rules the services enforce, asked in
advance; the services still check). Adding an action is an entry here and its rule in the
service; statuses and moves live in `states`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from mobilize.auth.models import Role
from mobilize.auth.service import Actor
from mobilize.operations.access import is_lead_planner
from mobilize.operations.lead import is_accepted, lead_agency
from mobilize.requests import schemas, service
from mobilize.requests.fills import fill_limit, fill_line, filled_personnel
from mobilize.requests.models import RequestLine, SupportRequest
from mobilize.requests.service import Change, is_requester_side, lines_entitled, may_run, runs_whole
from mobilize.requests.states import (
    FILLABLE,
    LINE_MOVES,
    REQUEST_MOVES,
    SIGNED,
    LineStatus,
    can_move,
)

DECISIONS = ("approve", "deny")
Run = Callable[[Session, bytes, Actor, Change, Any], SupportRequest]


@dataclass(frozen=True)
class RequestAction:
    """One thing a user does to a request."""

    name: str  # the URL segment (`/requests/{number}/{name}`) and the word pages test for
    audit: str  # the audit trail's action name
    payload: type[BaseModel] | None  # what it takes, beyond the request and its revision
    run: Run

    def audit_for(self, decision: str | None = None) -> str:
        """A decision is audited as what was decided (`request.approve`, `request.deny`)."""
        if self.payload is schemas.ApprovalInput and decision in DECISIONS:
            return f"request.{decision}"
        return self.audit


def _plain(work: Callable[[Session, bytes, Actor, Change], SupportRequest]) -> Run:
    return lambda session, key, actor, change, _payload: work(session, key, actor, change)


ACTIONS: dict[str, RequestAction] = {
    action.name: action
    for action in (
        RequestAction("submit", "request.submit", None, _plain(service.submit_request)),
        RequestAction("respond", "request.respond", schemas.ResponseInput, service.respond),
        RequestAction("decide", "request.approve", schemas.ApprovalInput, service.decide),
        RequestAction("amend", "request.amend", schemas.AmendmentInput, service.amend),
        RequestAction(
            "cancel",
            "request.cancel",
            schemas.ReasonInput,
            lambda s, k, a, c, p: service.cancel(s, k, a, c, p.reason),
        ),
        RequestAction("accept", "request.accept", None, _plain(service.accept)),
        RequestAction("fill", "request.fill", schemas.FillInput, fill_line),
        RequestAction("execute", "request.execute", None, _plain(service.execute)),
        RequestAction("close", "request.close", None, _plain(service.close)),
    )
}


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
        if line.status == LineStatus.OFFERED
        and actor.holds(Role.APPROVER, line.supporting_agency.path)
    ]


def lines_to_fill(actor: Actor, request: SupportRequest) -> list[RequestLine]:
    """Lines of this user's agency offered or signed, with personnel left to fill."""
    if not can_move(REQUEST_MOVES, request.status, "fill") or not _taken_in(request):
        return []
    return [
        line
        for line in request.lines
        if line.status in FILLABLE
        and actor.holds(Role.RESPONDER, line.supporting_agency.path)
        and fill_limit(request, line) > filled_personnel(line)
    ]


def _taken_in(request: SupportRequest) -> bool:
    operation = request.operation
    return operation is not None and is_accepted(request, lead_agency(operation))


def may_accept(actor: Actor, request: SupportRequest) -> bool:
    operation = request.operation
    return (
        operation is not None
        and request.accepted_at is None
        and can_move(REQUEST_MOVES, request.status, "accept")
        and is_lead_planner(actor, operation)
        and not _taken_in(request)
    )


def available_actions(actor: Actor, request: SupportRequest) -> list[str]:
    """The names in `ACTIONS` open to `actor` on `request` now."""
    requester = actor.holds(Role.REQUESTER, request.requesting_agency.path)
    status = request.status
    amendable = any(can_move(LINE_MOVES, line.status, "amend") for line in request.lines)
    signed = any(line.status in SIGNED for line in lines_entitled(actor, request))
    open_to = {
        "submit": requester and can_move(REQUEST_MOVES, status, "submit"),
        "respond": bool(lines_to_answer(actor, request)),
        "decide": bool(lines_to_decide(actor, request)),
        "amend": requester and can_move(REQUEST_MOVES, status, "amend") and amendable,
        "cancel": requester and can_move(REQUEST_MOVES, status, "cancel"),
        "accept": may_accept(actor, request),
        "fill": bool(lines_to_fill(actor, request)),
        "execute": may_run(actor, request)
        and can_move(REQUEST_MOVES, status, "execute")
        and signed,
        "close": runs_whole(actor, request) and can_move(REQUEST_MOVES, status, "close"),
    }
    return [name for name in ACTIONS if open_to[name]]
