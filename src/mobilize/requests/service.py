"""The rules of requests for assistance, shared by the API, the CLI and the web pages.

Every change takes the request's row lock, checks the revision the caller read (no lost
updates), checks who may do it, moves statuses only through `states`, and writes exactly one
audit record in the same transaction. Services flush; the edge commits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mobilize.agencies.service import find_agency
from mobilize.audit.chain import canonical_json
from mobilize.audit.service import Entry, append
from mobilize.auth.models import Role
from mobilize.auth.service import Actor, covers
from mobilize.core.errors import Forbidden, InvalidInput, NotFound, PreconditionFailed, Refused
from mobilize.operations.models import Operation
from mobilize.requests import schemas
from mobilize.requests.models import (
    Approval,
    LineResponse,
    RequestLine,
    RequestVersion,
    SupportRequest,
)
from mobilize.requests.package import decision_package
from mobilize.requests.states import AMENDABLE, line_move, request_move

# The approval criteria each supporting department applies, by its root in the agency tree.
# DoD's are its checklist for support to civil authorities (../shared/domain.md).
APPROVAL_CRITERIA: dict[str, tuple[str, ...]] = {
    "DoD": ("legality", "lethality", "risk", "cost", "appropriateness", "readiness"),
}
DEFAULT_CRITERIA = ("legality", "cost", "appropriateness")
DEFAULT_LAW_ENFORCEMENT = ("LEO",)
MILITARY_DEPARTMENT = "DoD"


@dataclass(frozen=True)
class Change:
    """The request a caller wants to change and the revision they read (their `If-Match`)."""

    number: str
    revision: int


def criteria_for(agency: str) -> list[str]:
    return list(APPROVAL_CRITERIA.get(agency.split("/")[0], DEFAULT_CRITERIA))


def content_of(request: SupportRequest) -> dict[str, Any]:
    """What is asked, exactly: the text an approval's SHA-256 is taken of."""
    return {
        "number": request.number,
        "requesting_agency": request.requesting_agency.path,
        "operation": request.operation.name if request.operation else None,
        "title": request.title,
        "justification": request.justification,
        "version": request.version,
        "lines": [_line_content(line) for line in request.lines],
    }


def _line_content(line: RequestLine) -> dict[str, Any]:
    return {
        "line": line.position,
        "capability": line.capability,
        "component": line.component,
        "personnel": line.personnel,
        "location": line.location,
        "starts_on": line.starts_on.isoformat(),
        "ends_on": line.ends_on.isoformat(),
        "supporting_agency": line.supporting_agency.path,
        "criteria": line.criteria,
    }


def content_sha256(request: SupportRequest) -> str:
    return hashlib.sha256(canonical_json(content_of(request)).encode()).hexdigest()


# Reading -------------------------------------------------------------------------------------


def get_request(session: Session, actor: Actor, number: str) -> SupportRequest:
    request = _find(session, number, lock=False)
    _require_party(actor, request)
    return request


def is_party(actor: Actor, request: SupportRequest) -> bool:
    """The requester's agency line may see it, and once submitted every agency a line is
    addressed to (a draft is the requester's own until it is put to them)."""
    agencies = {request.requesting_agency.path}
    if request.status != "draft":
        agencies.update(line.supporting_agency.path for line in request.lines)
    return any(actor.related_to(agency) for agency in agencies)


def _require_party(actor: Actor, request: SupportRequest) -> None:
    if not is_party(actor, request):
        raise Forbidden(f"{actor.username} is not a party to {request.number}")


def _find(session: Session, number: str, lock: bool) -> SupportRequest:
    query = select(SupportRequest).where(SupportRequest.number == number)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    request = session.scalars(query).one_or_none()
    if request is None:
        raise NotFound(f"no request {number!r}")
    return request


def _locked(session: Session, actor: Actor, change: Change) -> SupportRequest:
    request = _find(session, change.number, lock=True)
    _require_party(actor, request)
    if request.revision != change.revision:
        raise PreconditionFailed(
            f"{request.number} is at revision {request.revision}, not {change.revision}: "
            "someone changed it since you read it; read it again and retry"
        )
    return request


# Creating and editing drafts -----------------------------------------------------------------


def create_request(
    session: Session, key: bytes, actor: Actor, draft: schemas.RequestDraft
) -> SupportRequest:
    requesting = find_agency(session, actor.agency)
    actor.require(Role.REQUESTER, requesting.path, "file a request for its agency")
    operation = _operation(session, draft.operation)
    request = SupportRequest(
        number=_next_number(session, operation),
        operation=operation,
        requesting_agency=requesting,
        title=draft.title,
        justification=draft.justification,
        status="draft",
        version=1,
        revision=1,
        created_by_id=actor.user_id,
    )
    request.lines = _lines(session, request, draft.lines)
    session.add(request)
    session.flush()
    _record(session, key, actor, "request.create", request, None)
    return request


def edit_request(
    session: Session, key: bytes, actor: Actor, change: Change, edit: schemas.RequestEdit
) -> SupportRequest:
    request = _locked(session, actor, change)
    _require_requester(actor, request, "edit")
    before = _state(request)
    if request.status != "draft":
        raise Refused(
            f"{request.number} is {request.status}: a submitted request is not edited, "
            "it is amended (and the amendment is signed again)"
        )
    request.title = edit.title or request.title
    request.justification = edit.justification or request.justification
    if edit.lines is not None:
        request.lines.clear()
        session.flush()
        request.lines.extend(_lines(session, request, edit.lines))
    return _changed(session, key, actor, "request.edit", request, before)


def _lines(
    session: Session, request: SupportRequest, drafts: list[schemas.LineDraft]
) -> list[RequestLine]:
    lines = []
    for position, draft in enumerate(drafts, start=1):
        try:
            agency = find_agency(session, draft.supporting_agency)
        except NotFound as unknown:
            raise InvalidInput(f"line {position}: {unknown.message}") from None
        _check_addressee(request, position, agency.path, draft)
        lines.append(
            RequestLine(
                position=position,
                capability=draft.capability,
                component=draft.component,
                personnel=draft.personnel,
                location=draft.location,
                starts_on=draft.starts_on,
                ends_on=draft.ends_on,
                supporting_agency=agency,
                criteria=criteria_for(agency.path),
                status="draft",
            )
        )
    return lines


def _check_addressee(
    request: SupportRequest, position: int, agency: str, draft: schemas.LineDraft
) -> None:
    requesting = request.requesting_agency.path
    if covers(requesting, agency) or covers(agency, requesting):
        raise Refused(
            f"line {position}: addressed to {agency}, the requester's own agency line; "
            "a request asks other agencies, and nobody approves their own request"
        )
    law_enforcement = draft.capability in _law_enforcement(request)
    if law_enforcement and covers(MILITARY_DEPARTMENT, agency) and draft.component != "guard":
        raise Refused(
            f"line {position}: {draft.capability} is law enforcement, which active-duty "
            "forces may not do (Posse Comitatus Act); address it to DoD only for guard "
            "forces (component: guard), or to a civilian department"
        )


def _law_enforcement(request: SupportRequest) -> tuple[str, ...]:
    if request.operation is not None:
        return tuple(request.operation.law_enforcement_capabilities)
    return DEFAULT_LAW_ENFORCEMENT


def _operation(session: Session, name: str | None) -> Operation | None:
    if name is None:
        return None
    operation = session.scalars(select(Operation).where(Operation.name == name)).one_or_none()
    if operation is None:
        raise InvalidInput(f"no operation {name!r}; import its scenario first")
    return operation


def _next_number(session: Session, operation: Operation | None) -> str:
    """RFA-<year>-<nnnn>: the year the operation starts (today's for a request without one)."""
    year = operation.start.year if operation else date.today().year
    prefix = f"RFA-{year}-"
    count = session.scalar(
        select(func.count()).where(SupportRequest.number.startswith(prefix, autoescape=True))
    )
    return f"{prefix}{(count or 0) + 1:04d}"


# The workflow --------------------------------------------------------------------------------


def submit_request(session: Session, key: bytes, actor: Actor, change: Change) -> SupportRequest:
    request = _locked(session, actor, change)
    _require_requester(actor, request, "submit")
    before = _state(request)
    request.status = request_move(request.status, "submit")
    for line in request.lines:
        line.status = line_move(line.status, "submit")
    _snapshot(session, actor, request, "submitted")
    return _changed(session, key, actor, "request.submit", request, before)


def respond(
    session: Session, key: bytes, actor: Actor, change: Change, answers: schemas.ResponseInput
) -> SupportRequest:
    """A supporting agency answers the lines addressed to it, and only those."""
    request = _locked(session, actor, change)
    before = _state(request)
    request.status = request_move(request.status, "respond")
    for answer in answers.answers:
        line = _line(request, answer.line)
        agency = line.supporting_agency.path
        actor.require(Role.RESPONDER, agency, f"answer line {line.position} for {agency}")
        _answer(session, actor, request, line, answer)
    return _changed(session, key, actor, "request.respond", request, before)


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
    request = _locked(session, actor, change)
    before = _state(request)
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
    return _changed(session, key, actor, f"request.{decision.decision}", request, before)


def _refuse_self_approval(actor: Actor, request: SupportRequest) -> None:
    """The filer, anyone of the requester's agency line (its parts, and the department it is
    a part of: DHS signing for CBP's request signs for itself, as `_check_addressee` draws the
    line), and anyone who may file or amend for it are refused."""
    requesting = request.requesting_agency.path
    own_line = covers(requesting, actor.agency) or covers(actor.agency, requesting)
    may_amend = actor.holds(Role.REQUESTER, requesting)
    if actor.user_id == request.created_by_id or own_line or may_amend:
        raise Forbidden(
            f"{actor.username} of {actor.agency} may not approve {request.number}: "
            f"it was filed by {requesting}, and nobody approves their own request"
        )


def _lines_decided(
    actor: Actor, request: SupportRequest, decision: schemas.ApprovalInput
) -> list[RequestLine]:
    if decision.lines is not None:
        lines = [_line(request, position) for position in decision.lines]
    elif not any(actor.holds(Role.APPROVER, line.supporting_agency.path) for line in request.lines):
        raise Forbidden(
            f"{actor.username} may not decide {request.number}: it needs the approver role "
            "in an agency the request is addressed to"
        )
    else:
        lines = [
            line
            for line in request.lines
            if line.status == "offered" and actor.holds(Role.APPROVER, line.supporting_agency.path)
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
    offered = _latest_offer(line, request.version)
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


def _latest_offer(line: RequestLine, version: int) -> int:
    answers = [answer for answer in line.responses if answer.version == version]
    return answers[-1].personnel if answers else 0


def amend(
    session: Session, key: bytes, actor: Actor, change: Change, amendment: schemas.AmendmentInput
) -> SupportRequest:
    """A new version: changed dates or personnel, answered and signed again."""
    request = _locked(session, actor, change)
    _require_requester(actor, request, "amend")
    before = _state(request)
    request.status = request_move(request.status, "amend")
    changed = [_line(request, line_change.line) for line_change in amendment.changes]
    for line in changed:
        line_move(line.status, "amend")  # refuses lines that are over (closed, cancelled)
    for line in request.lines:
        # A signature binds the whole version: every open line is put and signed again.
        if line.status in AMENDABLE:
            line.status = line_move(line.status, "amend")
    for line_change in amendment.changes:
        line = _line(request, line_change.line)
        line.starts_on = line_change.starts_on or line.starts_on
        line.ends_on = line_change.ends_on or line.ends_on
        line.personnel = line_change.personnel or line.personnel
        if line.ends_on < line.starts_on:
            raise InvalidInput(f"line {line.position}: ends {line.ends_on} before {line.starts_on}")
    request.version += 1
    _snapshot(session, actor, request, amendment.note)
    return _changed(session, key, actor, "request.amend", request, before)


def cancel(
    session: Session, key: bytes, actor: Actor, change: Change, reason: str
) -> SupportRequest:
    request = _locked(session, actor, change)
    _require_requester(actor, request, "cancel")
    before = _state(request)
    request.status = request_move(request.status, "cancel")
    for line in request.lines:
        line.status = line_move(line.status, "cancel")
    return _changed(session, key, actor, "request.cancel", request, before, reason or None)


def execute(session: Session, key: bytes, actor: Actor, change: Change) -> SupportRequest:
    """The approved lines go into execution (the forces are ordered to deploy)."""
    request = _locked(session, actor, change)
    _require_planner(actor, request, "put into execution")
    before = _state(request)
    request.status = request_move(request.status, "execute")
    signed = [line for line in request.lines if line.status in ("approved", "partially_approved")]
    if not signed:
        raise Refused(f"{request.number} has no approved line to execute")
    for line in signed:
        line.status = line_move(line.status, "execute")
    return _changed(session, key, actor, "request.execute", request, before)


def close(session: Session, key: bytes, actor: Actor, change: Change) -> SupportRequest:
    request = _locked(session, actor, change)
    _require_planner(actor, request, "close")
    before = _state(request)
    request.status = request_move(request.status, "close")
    for line in request.lines:
        if line.status == "in_execution":
            line.status = line_move(line.status, "close")
    return _changed(session, key, actor, "request.close", request, before)


def _require_requester(actor: Actor, request: SupportRequest, doing: str) -> None:
    agency = request.requesting_agency.path
    actor.require(Role.REQUESTER, agency, f"{doing} {request.number} of {agency}")


def _require_planner(actor: Actor, request: SupportRequest, doing: str) -> None:
    """The requester, or a planner of the requesting agency or of an agency that supports."""
    agency = request.requesting_agency.path
    supporting = {line.supporting_agency.path for line in request.lines}
    if actor.holds(Role.REQUESTER, agency) or any(
        actor.holds(Role.PLANNER, party) for party in supporting | {agency}
    ):
        return
    raise Forbidden(
        f"{actor.username} may not {doing} {request.number}: it needs the requester role in "
        f"{agency} or the planner role in {agency} or a supporting agency"
    )


def _line(request: SupportRequest, position: int) -> RequestLine:
    for line in request.lines:
        if line.position == position:
            return line
    raise InvalidInput(f"{request.number} has no line {position} (it has {len(request.lines)})")


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


def _state(request: SupportRequest) -> dict[str, Any]:
    """What an audit record shows before and after a change."""
    return {
        "status": request.status,
        "version": request.version,
        "revision": request.revision,
        "lines": {
            str(line.position): f"{line.status} {line.personnel} {line.starts_on}/{line.ends_on}"
            for line in request.lines
        },
    }


def _changed(
    session: Session,
    key: bytes,
    actor: Actor,
    action: str,
    request: SupportRequest,
    before: dict[str, Any],
    detail: str | None = None,
) -> SupportRequest:
    request.revision += 1
    session.flush()
    _record(session, key, actor, action, request, before, detail)
    return request


def _record(
    session: Session,
    key: bytes,
    actor: Actor,
    action: str,
    request: SupportRequest,
    before: dict[str, Any] | None,
    detail: str | None = None,
) -> None:
    after = _state(request)
    entry = Entry(actor.username, actor.agency, action, "request", request.number, before, after)
    append(session, key, Entry(**{**entry.__dict__, "detail": detail}))


def lines_addressed_to(requests: Iterable[SupportRequest], agency: str) -> list[RequestLine]:
    return [
        line
        for request in requests
        for line in request.lines
        if covers(agency, line.supporting_agency.path)
    ]
