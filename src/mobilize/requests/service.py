"""The rules of requests for assistance, shared by the API, the CLI and the web pages.

Every change takes the request's row lock, checks the revision the caller read (no lost
updates), checks who may do it, moves statuses only through `states`, and writes exactly one
audit record in the same transaction. Services flush; the edge commits. Drafts are filed and
edited in `drafts`; finding, locking and recording in `access`; the content signed in `content`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from mobilize.auth.models import Role
from mobilize.auth.service import Actor, covers
from mobilize.core.errors import Forbidden, InvalidInput, Refused
from mobilize.operations.access import is_lead_planner, require_lead_planner
from mobilize.requests import schemas
from mobilize.requests.access import (
    Change,
    changed,
    get_request,
    is_party,
    latest_offer,
    line_at,
    locked_request,
    require_requester,
    state_of,
)
from mobilize.requests.content import content_of, content_sha256, criteria_for
from mobilize.requests.drafts import create_request, edit_request
from mobilize.requests.fills import release_fills
from mobilize.requests.models import (
    Approval,
    LineResponse,
    RequestLine,
    RequestVersion,
    SupportRequest,
)
from mobilize.requests.package import decision_package
from mobilize.requests.states import AMENDABLE, SIGNED, LineStatus, line_move, request_move

__all__ = [
    "Change",
    "accept",
    "amend",
    "cancel",
    "close",
    "content_of",
    "content_sha256",
    "create_request",
    "criteria_for",
    "decide",
    "edit_request",
    "execute",
    "get_request",
    "is_party",
    "respond",
    "submit_request",
]


def submit_request(session: Session, key: bytes, actor: Actor, change: Change) -> SupportRequest:
    request = locked_request(session, actor, change)
    require_requester(actor, request, "submit")
    before = state_of(request)
    request.status = request_move(request.status, "submit")
    for line in request.lines:
        line.status = line_move(line.status, "submit")
    _snapshot(session, actor, request, "submitted")
    return changed(session, key, actor, "request.submit", request, before)


def respond(
    session: Session, key: bytes, actor: Actor, change: Change, answers: schemas.ResponseInput
) -> SupportRequest:
    """A supporting agency answers the lines addressed to it, and only those."""
    request = locked_request(session, actor, change)
    before = state_of(request)
    request.status = request_move(request.status, "respond")
    for answer in answers.answers:
        line = line_at(request, answer.line)
        agency = line.supporting_agency.path
        actor.require(Role.RESPONDER, agency, f"answer line {line.position} for {agency}")
        _answer(session, actor, request, line, answer)
    return changed(session, key, actor, "request.respond", request, before)


def _answer(
    session: Session,
    actor: Actor,
    request: SupportRequest,
    line: RequestLine,
    answer: schemas.LineAnswer,
) -> None:
    if answer.offer == "acknowledge":
        line.status = line_move(line.status, "acknowledge")
        return
    line.status = line_move(line.status, "decline" if answer.offer == "none" else "offer")
    personnel = _offered_personnel(line, answer)
    starts_on, ends_on = answer.starts_on or line.starts_on, answer.ends_on or line.ends_on
    if not line.starts_on <= starts_on <= ends_on <= line.ends_on:
        raise InvalidInput(
            f"line {line.position}: the offer's dates {starts_on} to {ends_on} must lie within "
            f"the line's {line.starts_on} to {line.ends_on}"
        )
    line.responses.append(
        LineResponse(
            version=request.version,
            agency_id=line.supporting_agency_id,
            user_id=actor.user_id,
            offer=answer.offer,
            personnel=personnel,
            starts_on=starts_on,
            ends_on=ends_on,
            note=answer.note,
        )
    )


def _offered_personnel(line: RequestLine, answer: schemas.LineAnswer) -> int:
    if answer.offer == "none":
        return 0
    if answer.offer == "all":
        return line.personnel
    if answer.personnel is None or answer.personnel > line.personnel:
        raise InvalidInput(
            f"line {line.position}: a part offer says how many, at most the "
            f"{line.personnel} requested"
        )
    return answer.personnel


def decide(
    session: Session, key: bytes, actor: Actor, change: Change, decision: schemas.ApprovalInput
) -> SupportRequest:
    """Approve or deny lines, signed on the exact version the approver read."""
    request = locked_request(session, actor, change)
    before = state_of(request)
    request.status = request_move(request.status, "approve")
    _refuse_self_approval(actor, request)
    current = content_sha256(request)
    if decision.version_sha256 != current:
        raise Refused(
            f"{request.number} changed after the version you read: you signed "
            f"{decision.version_sha256[:12]}, the current version {request.version} is "
            f"{current[:12]}; read the request again before deciding"
        )
    for line in _lines_decided(actor, request, decision):
        _decide_line(session, actor, request, line, decision, current)
    return changed(session, key, actor, f"request.{decision.decision}", request, before)


def _refuse_self_approval(actor: Actor, request: SupportRequest) -> None:
    """The filer, anyone of the requester's agency line (its parts, and the department it is
    a part of: DHS signing for CBP's request signs for itself, as `_check_addressee` draws the
    line), and anyone who may file or amend for it are refused."""
    requesting = request.requesting_agency.path
    if is_requester_side(actor, request):
        raise Forbidden(
            f"{actor.username} of {actor.agency} may not approve {request.number}: "
            f"it was filed by {requesting}, and nobody approves their own request"
        )


def is_requester_side(actor: Actor, request: SupportRequest) -> bool:
    """Whoever filed the request, is of its agency line, or may file or amend for it."""
    requesting = request.requesting_agency.path
    own_line = covers(requesting, actor.agency) or covers(actor.agency, requesting)
    may_amend = actor.holds(Role.REQUESTER, requesting)
    return actor.user_id == request.created_by_id or own_line or may_amend


def _lines_decided(
    actor: Actor, request: SupportRequest, decision: schemas.ApprovalInput
) -> list[RequestLine]:
    if decision.lines is not None:
        lines = [line_at(request, position) for position in decision.lines]
    elif not any(actor.holds(Role.APPROVER, line.supporting_agency.path) for line in request.lines):
        raise Forbidden(
            f"{actor.username} may not decide {request.number}: it needs the approver role "
            "in an agency the request is addressed to"
        )
    else:
        lines = [
            line
            for line in request.lines
            if line.status == LineStatus.OFFERED
            and actor.holds(Role.APPROVER, line.supporting_agency.path)
        ]
    if not lines:
        raise Refused(f"{request.number} has no offered line that {actor.username} may decide")
    for line in lines:
        agency = line.supporting_agency.path
        actor.require(Role.APPROVER, agency, f"decide line {line.position} for {agency}")
    return lines


def _decide_line(
    session: Session,
    actor: Actor,
    request: SupportRequest,
    line: RequestLine,
    decision: schemas.ApprovalInput,
    sha256: str,
) -> None:
    offered = latest_offer(line, request.version)
    personnel = decision.personnel.get(str(line.position), offered)
    if decision.decision == "deny":
        action, personnel = "deny", 0
    else:
        _require_criteria(line, decision)
        if personnel > offered:
            raise InvalidInput(
                f"line {line.position}: {personnel} approved is more than the {offered} offered"
            )
        action = "approve" if personnel >= line.personnel else "approve_part"
    line.status = line_move(line.status, action)
    request.approvals.append(
        Approval(
            line=line,
            agency_id=line.supporting_agency_id,
            user_id=actor.user_id,
            decision=line.status,
            personnel=personnel,
            criteria={name: judged.model_dump() for name, judged in decision.criteria.items()},
            version=request.version,
            version_sha256=sha256,
            decision_package=decision_package(session, request, [line]),
        )
    )


def _require_criteria(line: RequestLine, decision: schemas.ApprovalInput) -> None:
    missing = [name for name in line.criteria if name not in decision.criteria]
    unknown = sorted(set(decision.criteria) - set(line.criteria))
    if missing or unknown:
        raise InvalidInput(
            f"line {line.position}: an approval judges every criterion of "
            f"{line.supporting_agency.path} ({', '.join(line.criteria)}); "
            + (f"missing: {', '.join(missing)}" if missing else f"unknown: {', '.join(unknown)}")
        )
    judged = decision.criteria
    failed = [name for name in line.criteria if judged[name].judgement == "not_satisfied"]
    if failed:
        raise Refused(
            f"line {line.position}: not satisfied: {', '.join(failed)}; deny the line instead"
        )


def amend(
    session: Session, key: bytes, actor: Actor, change: Change, amendment: schemas.AmendmentInput
) -> SupportRequest:
    """A new version: changed dates or personnel, answered and signed again."""
    request = locked_request(session, actor, change)
    require_requester(actor, request, "amend")
    before = state_of(request)
    request.status = request_move(request.status, "amend")
    amended = [line_at(request, line_change.line) for line_change in amendment.changes]
    for line in amended:
        line_move(line.status, "amend")  # refuses lines that are over (closed, cancelled)
    for line in request.lines:
        # A signature binds the whole version: every open line is put and signed again.
        if line.status in AMENDABLE:
            line.status = line_move(line.status, "amend")
    for line_change in amendment.changes:
        line = line_at(request, line_change.line)
        line.starts_on = line_change.starts_on or line.starts_on
        line.ends_on = line_change.ends_on or line.ends_on
        line.personnel = line_change.personnel or line.personnel
        if line.ends_on < line.starts_on:
            raise InvalidInput(f"line {line.position}: ends {line.ends_on} before {line.starts_on}")
    request.version += 1
    _snapshot(session, actor, request, amendment.note)
    return changed(session, key, actor, "request.amend", request, before)


def cancel(
    session: Session,
    key: bytes,
    actor: Actor,
    change: Change,
    reason: str,
    today: date | None = None,
) -> SupportRequest:
    """Cancel before execution; every unit filled for it is released that day."""
    request = locked_request(session, actor, change)
    require_requester(actor, request, "cancel")
    before = state_of(request)
    request.status = request_move(request.status, "cancel")
    for line in request.lines:
        line.status = line_move(line.status, "cancel")
        release_fills(session, key, actor, line, today or date.today())
    return changed(session, key, actor, "request.cancel", request, before, reason or None)


def accept(session: Session, key: bytes, actor: Actor, change: Change) -> SupportRequest:
    """The operation's lead takes the request in: from now on its signed lines are the
    operation's requirements, its lines may be filled, and its requester is a party."""
    request = locked_request(session, actor, change)
    before = state_of(request)
    request.status = request_move(request.status, "accept")
    operation = request.operation
    if operation is None:
        raise Refused(f"{request.number} names no operation to be accepted into")
    require_lead_planner(actor, operation, f"accept {request.number} into {operation.name}")
    if request.accepted_at is not None:
        raise Refused(f"{request.number} was accepted by {request.accepted_by} already")
    request.accepted_by, request.accepted_at = actor.username, datetime.now(UTC)
    return changed(session, key, actor, "request.accept", request, before)


def execute(session: Session, key: bytes, actor: Actor, change: Change) -> SupportRequest:
    """The approved lines go into execution (the forces are ordered to deploy): all of them
    for the requester's side and the operation's lead, a supporting agency's own otherwise."""
    request = locked_request(session, actor, change)
    _require_planner(actor, request, "put into execution")
    before = state_of(request)
    request.status = request_move(request.status, "execute")
    entitled = lines_entitled(actor, request)
    signed = [line for line in entitled if line.status in SIGNED]
    if not signed:
        raise Refused(f"{request.number} has no approved line that {actor.username} may execute")
    for line in signed:
        line.status = line_move(line.status, "execute")
    return changed(session, key, actor, "request.execute", request, before)


def close(session: Session, key: bytes, actor: Actor, change: Change) -> SupportRequest:
    """Close the request and its lines in execution: the requester's side or the lead's."""
    request = locked_request(session, actor, change)
    if not runs_whole(actor, request):
        raise Forbidden(
            f"{actor.username} may not close {request.number}: a request is closed by its "
            f"requester ({request.requesting_agency.path}) or the operation's lead planners"
        )
    before = state_of(request)
    request.status = request_move(request.status, "close")
    for line in request.lines:
        if line.status == LineStatus.IN_EXECUTION:
            line.status = line_move(line.status, "close")
    return changed(session, key, actor, "request.close", request, before)


def may_run(actor: Actor, request: SupportRequest) -> bool:
    """The requester's side or the operation's lead planners (`runs_whole`), or a planner of
    an agency that supports (on its own lines: `lines_entitled`)."""
    supporting = {line.supporting_agency.path for line in request.lines}
    return runs_whole(actor, request) or any(
        actor.holds(Role.PLANNER, party) for party in supporting
    )


def runs_whole(actor: Actor, request: SupportRequest) -> bool:
    """The requester, a planner of the requesting agency, or a planner of the lead."""
    agency = request.requesting_agency.path
    if actor.holds(Role.REQUESTER, agency) or actor.holds(Role.PLANNER, agency):
        return True
    return request.operation is not None and is_lead_planner(actor, request.operation)


def lines_entitled(actor: Actor, request: SupportRequest) -> list[RequestLine]:
    """The lines `actor` runs: every line for `runs_whole`, else its own agency's."""
    if runs_whole(actor, request):
        return list(request.lines)
    return [
        line for line in request.lines if actor.holds(Role.PLANNER, line.supporting_agency.path)
    ]


def _require_planner(actor: Actor, request: SupportRequest, doing: str) -> None:
    if may_run(actor, request):
        return
    agency = request.requesting_agency.path
    raise Forbidden(
        f"{actor.username} may not {doing} {request.number}: it needs the requester role in "
        f"{agency} or the planner role in {agency} or a supporting agency"
    )


def _snapshot(session: Session, actor: Actor, request: SupportRequest, note: str) -> None:
    session.flush()
    request.versions.append(
        RequestVersion(
            version=request.version,
            content=content_of(request),
            sha256=content_sha256(request),
            note=note,
            created_by_id=actor.user_id,
        )
    )
