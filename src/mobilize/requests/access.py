"""Finding a request for an actor, locking it for a change, and recording the change: what
every rule of `requests.service` and `requests.drafts` starts and ends with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, event, select
from sqlalchemy.orm import Session, selectinload

from mobilize.agencies.models import Agency
from mobilize.agencies.service import held_agencies
from mobilize.audit.service import Entry, append
from mobilize.auth.models import Role
from mobilize.auth.service import Actor
from mobilize.core.errors import Forbidden, InvalidInput, NotFound, PreconditionFailed
from mobilize.operations.lead import lead_agency
from mobilize.operations.models import Operation
from mobilize.requests.models import Approval, Fill, RequestLine, SupportRequest
from mobilize.requests.states import RequestStatus


@dataclass(frozen=True)
class Change:
    """The request a caller wants to change and the revision they read (their `If-Match`)."""

    number: str
    revision: int


def get_request(session: Session, actor: Actor, number: str, whole: bool = False) -> SupportRequest:
    """Request `number`, for a party to it; with `whole`, its lines, answers, fills and
    approvals loaded first (`load_whole`), so that the party check reads them once."""
    request = find_request(session, number, lock=False)
    if whole:
        load_whole(session, request, packages=True)
    require_party(actor, request)
    return request


def is_party(actor: Actor, request: SupportRequest) -> bool:
    """The requester's agency line may see it, and once submitted every agency a line is
    addressed to and the lead of its operation, who takes it in (a draft is the requester's
    own until it is put to them)."""
    agencies = {request.requesting_agency.path}
    if request.status != RequestStatus.DRAFT:
        agencies.update(line.supporting_agency.path for line in request.lines)
        if request.operation is not None and lead_agency(request.operation):
            agencies.add(lead_agency(request.operation))
    return any(actor.related_to(agency) for agency in agencies)


def parties_clause(
    session: Session, actor: Actor, agencies: dict[int, Agency] | None = None
) -> ColumnElement[bool]:
    """`is_party` as a WHERE clause over `SupportRequest`, for lists: the same rule, asked of
    the database instead of each loaded request (tests/requests/test_queries.py holds the two
    to the same answers for every demo user and request)."""
    agencies = agencies or held_agencies(session)
    related = [id_ for id_, agency in agencies.items() if actor.related_to(agency.path)]
    led = [
        operation.id
        for operation in session.scalars(select(Operation))
        if lead_agency(operation) and actor.related_to(lead_agency(operation))
    ]
    addressed = (
        select(RequestLine.id)
        .where(RequestLine.request_id == SupportRequest.id)
        .where(RequestLine.supporting_agency_id.in_(related))
        .exists()
    )
    put_to_them = SupportRequest.status != RequestStatus.DRAFT.value
    return SupportRequest.requesting_agency_id.in_(related) | (
        put_to_them & (addressed | SupportRequest.operation_id.in_(led))
    )


def require_party(actor: Actor, request: SupportRequest) -> None:
    if not is_party(actor, request):
        raise Forbidden(f"{actor.username} is not a party to {request.number}")


def line_at(request: SupportRequest, position: int) -> RequestLine:
    """Line `position` of the request, or InvalidInput naming how many it has."""
    for line in request.lines:
        if line.position == position:
            return line
    raise InvalidInput(f"{request.number} has no line {position} (it has {len(request.lines)})")


def latest_offer(line: RequestLine, version: int) -> int:
    """The personnel the line's agency last offered on `version` (0 before any offer)."""
    answers = [answer for answer in line.responses if answer.version == version]
    return answers[-1].personnel if answers else 0


LOADED = "mobilize.requests_loaded_whole"  # Session.info: request id -> packages loaded too


def load_whole(session: Session, request: SupportRequest, packages: bool = False) -> None:
    """The request's lines with their answers and fills, and its approvals (with their decision
    packages when `packages`), a query per collection: what a request's page, its fulfilment
    and its papers read line by line, which loaded lazily would cost a query per line and
    fill. Once per transaction until something is written (`_forget_loaded`)."""
    loaded: dict[int, bool] = session.info.setdefault(LOADED, {})
    if request.id in loaded and (loaded[request.id] or not packages):
        return
    approvals = selectinload(SupportRequest.approvals)
    fills = selectinload(RequestLine.fills)
    session.scalars(
        select(SupportRequest)
        .where(SupportRequest.id == request.id)
        .options(
            selectinload(SupportRequest.lines).options(
                selectinload(RequestLine.responses),
                fills.selectinload(Fill.events),
                fills.selectinload(Fill.unit),
            ),
            approvals.undefer(Approval.decision_package) if packages else approvals,
        )
        .execution_options(populate_existing=True)  # replaces collections loaded without them
    ).one()
    loaded[request.id] = packages


# Rows a change writes beside a request that are no part of what `load_whole` reads.
OUTSIDE_THE_REQUEST = ("AuditRecord", "Notification", "IdempotentResponse")


@event.listens_for(Session, "after_flush")
def _forget_loaded(session: Session, _context: Any) -> None:
    """A write may change what `load_whole` loaded: the next reader loads it again (not for
    a flush of only the audit record, notifications or a stored answer)."""
    flushed = (*session.new, *session.dirty, *session.deleted)
    if any(type(row).__name__ not in OUTSIDE_THE_REQUEST for row in flushed):
        session.info.pop(LOADED, None)


def find_request(session: Session, number: str, lock: bool) -> SupportRequest:
    held_agencies(session)  # the rules read agencies' paths
    query = select(SupportRequest).where(SupportRequest.number == number)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    request = session.scalars(query).one_or_none()
    if request is None:
        raise NotFound(f"no request {number!r}")
    return request


def locked_request(session: Session, actor: Actor, change: Change) -> SupportRequest:
    request = find_request(session, change.number, lock=True)
    require_party(actor, request)
    if request.revision != change.revision:
        raise PreconditionFailed(
            f"{request.number} is at revision {request.revision}, not {change.revision}: "
            "someone changed it since you read it; read it again and retry"
        )
    return request


# Creating and editing drafts -----------------------------------------------------------------


def require_requester(actor: Actor, request: SupportRequest, doing: str) -> None:
    agency = request.requesting_agency.path
    actor.require(Role.REQUESTER, agency, f"{doing} {request.number} of {agency}")


def state_of(request: SupportRequest) -> dict[str, Any]:
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


def changed(
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
    record_change(session, key, actor, action, request, before, detail)
    return request


def record_change(
    session: Session,
    key: bytes,
    actor: Actor,
    action: str,
    request: SupportRequest,
    before: dict[str, Any] | None,
    detail: str | None = None,
) -> None:
    after = state_of(request)
    entry = Entry(actor.username, actor.agency, action, "request", request.number, before, after)
    append(session, key, Entry(**{**entry.__dict__, "detail": detail}))
    # In the change's transaction: what the change put in someone's queue is told with it.
    from mobilize.inbox.notify import note_request  # inbox reads these rules: one-way imports

    note_request(session, request)
