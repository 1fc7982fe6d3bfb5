"""Filing and editing a draft request: who may, what a line may ask of whom, its number."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mobilize.agencies.models import Agency
from mobilize.agencies.service import find_agency
from mobilize.auth.models import Role
from mobilize.auth.service import Actor, covers
from mobilize.core.errors import InvalidFields, InvalidInput, Refused
from mobilize.operations.access import may_read
from mobilize.operations.models import Operation
from mobilize.requests import schemas
from mobilize.requests.access import (
    Change,
    changed,
    locked_request,
    record_change,
    require_requester,
    state_of,
)
from mobilize.requests.content import criteria_for
from mobilize.requests.models import RequestLine, RequestNumberCounter, SupportRequest
from mobilize.requests.names import (
    agency_choices,
    capability_choices,
    location_choices,
    pick,
)
from mobilize.requests.states import RequestStatus

DEFAULT_LAW_ENFORCEMENT = ("LEO",)
MILITARY_DEPARTMENT = "DoD"


def create_request(
    session: Session, key: bytes, actor: Actor, draft: schemas.RequestDraft
) -> SupportRequest:
    requesting = find_agency(session, actor.agency)
    actor.require(Role.REQUESTER, requesting.path, "file a request for its agency")
    operation = _operation(session, actor, draft.operation)
    request = SupportRequest(
        operation=operation,
        requesting_agency=requesting,
        title=draft.title,
        justification=draft.justification,
        status=RequestStatus.DRAFT,
        version=1,
        revision=1,
        created_by_id=actor.user_id,
    )
    request.lines = _lines(session, request, draft.lines)
    # The year's counter row stays locked until the commit, queueing concurrent filings:
    # taken after the lines are checked, so that they wait as little as possible.
    request.number = _next_number(session, operation)
    session.add(request)
    session.flush()
    record_change(session, key, actor, "request.create", request, None)
    return request


def edit_request(
    session: Session, key: bytes, actor: Actor, change: Change, edit: schemas.RequestEdit
) -> SupportRequest:
    request = locked_request(session, actor, change)
    require_requester(actor, request, "edit")
    before = state_of(request)
    if request.status != RequestStatus.DRAFT:
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
    return changed(session, key, actor, "request.edit", request, before)


def _lines(
    session: Session, request: SupportRequest, drafts: list[schemas.LineDraft]
) -> list[RequestLine]:
    """The lines, their capability, location and agency read as the codes they name; every
    name not understood in any line is refused at once (`InvalidFields`), then the rules."""
    named = read_line_names(session, request.operation, drafts)
    lines = []
    for position, (draft, agency) in enumerate(named, start=1):
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
                status=RequestStatus.DRAFT,
            )
        )
    return lines


def read_line_names(
    session: Session, operation: Operation | None, drafts: list[schemas.LineDraft]
) -> list[tuple[schemas.LineDraft, Agency]]:
    """Each line with the codes its typed names stand for and its agency; `InvalidFields`
    with every name not understood (`lines.0.location`: why), all lines at once."""
    problems: dict[str, str] = {}
    named = []
    for index, draft in enumerate(drafts):
        read = line_name_problems(session, operation, draft.model_dump(), problems, index)
        agency = _agency_or_none(session, read.get("supporting_agency"))
        if agency is None:  # blank, or a name not understood (then its problem is there)
            problems.setdefault(
                f"lines.{index}.supporting_agency", "name the agency the line is addressed to"
            )
        named.append((draft.model_copy(update=read), agency))
    if problems:
        raise InvalidFields(problems)
    return [(draft, agency) for draft, agency in named if agency is not None]


def line_name_problems(
    session: Session,
    operation: Operation | None,
    line: dict[str, object],
    problems: dict[str, str],
    index: int,
) -> dict[str, str]:
    """The line's capability, location and agency as codes (what could be read of them);
    what could not be read is added to `problems` under `lines.<index>.<field>`. Pages call
    it on a form that fails other checks too, so that every mistake is shown at once."""
    readers: dict[str, Callable[[str], str]] = {
        "supporting_agency": lambda typed: pick_agency(session, typed)
    }
    if operation is not None:
        readers["capability"] = lambda typed: pick(
            "capability", typed, capability_choices(operation), operation.name
        )
        readers["location"] = lambda typed: pick(
            "location", typed, location_choices(operation), operation.name
        )
    read: dict[str, str] = {}
    for field, reader in readers.items():
        typed = line.get(field)
        if not isinstance(typed, str) or not typed.strip():
            continue
        try:
            read[field] = reader(typed)
        except InvalidInput as unknown:
            problems[f"lines.{index}.{field}"] = unknown.message
    return read


def pick_agency(session: Session, typed: str) -> str:
    """The path of the agency `typed` names: its path, code or name, in any case."""
    return pick("agency", typed, agency_choices(session), "the agency tree")


def _agency_or_none(session: Session, path: str | None) -> Agency | None:
    return find_agency(session, path) if path is not None else None


def _check_addressee(
    request: SupportRequest, position: int, agency: str, draft: schemas.LineDraft
) -> None:
    requesting = request.requesting_agency.path
    field = f"lines.{position - 1}."
    if covers(requesting, agency) or covers(agency, requesting):
        own = (
            f"addressed to {agency}, the requester's own agency line; "
            "a request asks other agencies, and nobody approves their own request"
        )
        raise Refused(f"line {position}: {own}", {field + "supporting_agency": own})
    law_enforcement = draft.capability in _law_enforcement(request)
    if law_enforcement and covers(MILITARY_DEPARTMENT, agency) and draft.component != "guard":
        why = (
            f"{draft.capability} is law enforcement, which active-duty forces may not do "
            "(Posse Comitatus Act); address it to DoD only for guard forces (component: "
            "guard), or to a civilian department"
        )
        raise Refused(f"line {position}: {why}", {field + "component": why})


def _law_enforcement(request: SupportRequest) -> tuple[str, ...]:
    if request.operation is not None:
        return tuple(request.operation.law_enforcement_capabilities)
    return DEFAULT_LAW_ENFORCEMENT


def _operation(session: Session, actor: Actor, name: str | None) -> Operation | None:
    """The operation a request is filed for. Its parties file for it; the first request of
    an operation that has none beyond drafts opens its exchange, whoever files it (so that
    an agency cannot join an operation under way, and read it, by filing a request)."""
    if name is None:
        return None
    operation = session.scalars(select(Operation).where(Operation.name == name)).one_or_none()
    unknown = InvalidInput(f"no operation {name!r} that {actor.agency} may file requests for")
    if operation is None:
        raise unknown
    if not may_read(session, actor, operation) and _has_exchange(session, operation):
        raise unknown  # the same answer as for none: the name is not confirmed to outsiders
    return operation


def _has_exchange(session: Session, operation: Operation) -> bool:
    filed = select(SupportRequest.id).where(
        SupportRequest.operation_id == operation.id,
        SupportRequest.status != RequestStatus.DRAFT.value,
    )
    return session.scalars(filed.limit(1)).first() is not None


def _next_number(session: Session, operation: Operation | None) -> str:
    """RFA-<year>-<nnnn>: the year the operation starts (today's for a request without one).

    The year's counter row is updated in place: on PostgreSQL the row lock queues concurrent
    filings one behind the other; only the very first filing of a year can collide (on the
    insert), and that is retried like a serialization failure."""
    year = operation.start.year if operation else date.today().year
    prefix = f"RFA-{year}-"
    last = session.scalar(
        update(RequestNumberCounter)
        .where(RequestNumberCounter.prefix == prefix)
        .values(last=RequestNumberCounter.last + 1)
        .returning(RequestNumberCounter.last)
    )
    if last is None:
        last = 1
        session.add(RequestNumberCounter(prefix=prefix, last=last))
        session.flush()
    return f"{prefix}{last:04d}"


# The workflow --------------------------------------------------------------------------------
