"""What the papers of a request say: the resource request as practitioners print it (the
ICS-213RR of NIMS: incident, date and time, request number, order lines, requestor,
approvals, logistics, finance) and each signature as a decision memorandum (DoD
request-for-assistance style: to, from, subject, the lines decided, each criterion with its
judgement and note, the signer, the time and the SHA-256 of the version signed).

Everything is read from what is stored — the approval as signed, with the decision package
kept with it — never recomputed; `papers.render` lays it out as HTML and PDF.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from mobilize.auth.service import Actor
from mobilize.core.errors import NotFound
from mobilize.operations.requirements import as_signed
from mobilize.papers import render
from mobilize.requests import schemas
from mobilize.requests.access import get_request
from mobilize.requests.fulfilment import fulfilment_of
from mobilize.requests.models import Approval, RequestLine, SupportRequest
from mobilize.requests.queries import request_out


@dataclass(frozen=True)
class OrderLine:
    """One line of the ICS-213RR's order (block 4) with its logistics (blocks 10-12)."""

    order_number: str  # the request number and the line: RFA-2018-0003-1
    quantity: int
    kind: str  # the capability by name and code
    type: str  # the component asked for, or any
    description: str
    reporting_location: str
    reporting_time: date
    until: date
    supplier: str  # the supporting agency addressed
    status: str
    units: list[str]  # the units named to fill it (fills)
    estimated_arrival: date | None
    cost: float | None  # from the decision package kept with its signature


@dataclass(frozen=True)
class Signature:
    line: int
    agency: str
    by: str
    decision: str
    personnel: int
    version: int
    at: datetime
    void: bool


@dataclass(frozen=True)
class ResourceRequest:
    """The ICS-213RR of a request."""

    number: str
    incident: str
    title: str
    justification: str
    filed_at: datetime
    requesting_agency: str
    requestor: str
    requestor_position: str
    status: str
    version: int
    version_sha256: str
    lines: list[OrderLine]
    signatures: list[Signature]
    cost_total: float | None


@dataclass(frozen=True)
class DecidedLine:
    line: int
    capability: str
    location: str
    starts_on: date
    ends_on: date
    requested: int
    approved: int
    decision: str


@dataclass(frozen=True)
class Memo:
    """One decision (one signer, one moment, one version) as a memorandum."""

    number: str
    title: str
    to: str
    signer: str
    signer_agency: str
    at: datetime
    version: int
    version_sha256: str
    void: bool
    lines: list[DecidedLine] = field(default_factory=list)
    criteria: list[tuple[str, str, str]] = field(default_factory=list)  # name, judgement, note
    cost_total: float | None = None


def resource_request(session: Session, request: SupportRequest) -> ResourceRequest:
    """The request as an ICS-213RR (the caller has checked who may read it)."""
    shown = request_out(session, request)
    operation = request.operation
    names = _capability_names(request)
    places = _location_names(request)
    signed = [a for a in shown.approvals if not a.void]
    costs = {a.line: _line_cost(a.decision_package, a.line) for a in signed}
    filled = {line.line: line for line in fulfilment_of(session, request).lines}
    return ResourceRequest(
        number=request.number,
        incident=operation.name if operation else request.title,
        title=request.title,
        justification=request.justification,
        filed_at=request.created_at,
        requesting_agency=_agency_label(request.requesting_agency.path, request),
        requestor=request.created_by.full_name or request.created_by.username,
        requestor_position=f"requester, {request.requesting_agency.path}",
        status=request.status.replace("_", " "),
        version=request.version,
        version_sha256=shown.version_sha256,
        lines=[
            _order_line(request, line, (names, places), costs, filled.get(line.position))
            for line in request.lines
        ],
        signatures=[
            Signature(a.line, a.agency, a.by, a.decision, a.personnel, a.version, a.at, a.void)
            for a in shown.approvals
        ],
        cost_total=_sum_known([costs.get(line.position) for line in request.lines if signed]),
    )


def _order_line(
    request: SupportRequest,
    line: RequestLine,
    labels: tuple[dict[str, str], dict[str, str]],
    costs: dict[int, float | None],
    filled: schemas.FulfilmentLine | None,
) -> OrderLine:
    names, places = labels
    kind = names.get(line.capability, line.capability)
    where = places.get(line.location, line.location)
    component = line.component or "any"
    fills = filled.fills if filled else []
    arrivals = [fill.expected_arrival for fill in fills if fill.expected_arrival]
    return OrderLine(
        order_number=f"{request.number}-{line.position}",
        quantity=line.personnel,
        kind=kind,
        type=component,
        description=(
            f"{line.personnel:,} {component} personnel, {line.starts_on} to {line.ends_on}; "
            f"line {line.status.replace('_', ' ')}"
        ),
        reporting_location=where,
        reporting_time=line.starts_on,
        until=line.ends_on,
        supplier=_agency_label(line.supporting_agency.path, request, line),
        status=line.status.replace("_", " "),
        units=[f"{fill.name or fill.unit} ({fill.personnel:,})" for fill in fills],
        estimated_arrival=min(arrivals) if arrivals else None,
        cost=costs.get(line.position),
    )


def memos(session: Session, request: SupportRequest) -> list[Memo]:
    """Each signer's decisions on each version of the request as a memo, oldest first: the
    lines decided, the criteria as judged, the time of the last signature."""
    shown = request_out(session, request)
    current = shown.version_sha256  # a signature on any other version is void
    groups: dict[tuple[int, int], list[Approval]] = {}
    for approval in sorted(request.approvals, key=lambda a: (a.version, a.id)):
        groups.setdefault((approval.user_id, approval.version), []).append(approval)
    names = _capability_names(request)
    places = _location_names(request)
    return [
        _memo(request, decided, names, places, current, shown.requesting_agency)
        for decided in groups.values()
    ]


def _memo(
    request: SupportRequest,
    decided: list[Approval],
    names: dict[str, str],
    places: dict[str, str],
    current: str,
    requesting: str,
) -> Memo:
    first = decided[0]
    criteria = [
        (name, str(judged.get("judgement", "")).replace("_", " "), str(judged.get("note", "")))
        for name, judged in first.criteria.items()
    ]
    return Memo(
        number=request.number,
        title=request.title,
        to=_agency_label(requesting, request),
        signer=first.user.full_name or first.user.username,
        signer_agency=_agency_label(first.agency.path, request),
        at=max(a.created_at for a in decided),
        version=first.version,
        version_sha256=first.version_sha256,
        void=first.version_sha256 != current,
        lines=[_decided_line(request, a, names, places) for a in decided],
        criteria=criteria,
        cost_total=_sum_known([_line_cost(a.decision_package, a.line.position) for a in decided]),
    )


def _decided_line(
    request: SupportRequest, approval: Approval, names: dict[str, str], places: dict[str, str]
) -> DecidedLine:
    """The line as it stood in the version signed (an amendment since changes the line, not
    what was signed)."""
    signed = as_signed(request, approval.line, approval)
    return DecidedLine(
        line=approval.line.position,
        capability=names.get(signed["capability"], signed["capability"]),
        location=places.get(signed["location"], signed["location"]),
        starts_on=date.fromisoformat(signed["starts_on"]),
        ends_on=date.fromisoformat(signed["ends_on"]),
        requested=int(signed["personnel"]),
        approved=approval.personnel,
        decision=approval.decision.replace("_", " "),
    )


def _capability_names(request: SupportRequest) -> dict[str, str]:
    operation = request.operation
    if operation is None:
        return {}
    return {c.code: f"{c.name} ({c.code})" for c in operation.capabilities}


def _location_names(request: SupportRequest) -> dict[str, str]:
    operation = request.operation
    if operation is None:
        return {}
    return {place.code: f"{place.name} ({place.code})" for place in operation.locations}


def _agency_label(path: str, request: SupportRequest, line: RequestLine | None = None) -> str:
    agency = line.supporting_agency if line else None
    if agency is None and request.requesting_agency.path == path:
        agency = request.requesting_agency
    return f"{agency.name} ({path})" if agency is not None and agency.name else path


def _line_cost(package: dict[str, Any] | None, position: int) -> float | None:
    """The line's total in the decision package kept with its signature (None: no rate)."""
    for item in (package or {}).get("cost", {}).get("lines", []):
        if item.get("line") == position:
            total = item.get("total")
            return float(total) if total is not None else None
    return None


def _sum_known(costs: list[float | None]) -> float | None:
    """The total, only when every part is known: a partial sum would read as the whole."""
    if not costs or any(cost is None for cost in costs):
        return None
    return round(sum(cost for cost in costs if cost is not None), 2)


PAPERS = ("ics-213rr", "approval-memo")  # the papers of a request, as their addresses name them


def paper_html(
    session: Session, actor: Actor, number: str, paper: str, links: dict[str, str] | None = None
) -> str:
    """The request's `paper` (one of `PAPERS`) as a standalone HTML page, for a user who
    may read the request; `pdf_of` typesets it."""
    return request_paper_html(session, get_request(session, actor, number), paper, links)


def request_paper_html(
    session: Session, request: SupportRequest, paper: str, links: dict[str, str] | None = None
) -> str:
    """`paper_html` of a request already read (the CLI reads as the operator)."""
    if paper == "ics-213rr":
        return render.paper_html("ics_213rr.html", links, paper=resource_request(session, request))
    if paper == "approval-memo":
        shown = memos(session, request)
        return render.paper_html("approval_memo.html", links, number=request.number, memos=shown)
    raise NotFound(f"no paper {paper!r}; a request prints as {' or '.join(PAPERS)}")


def paper_filename(number: str, paper: str) -> str:
    return f"{number}-{paper}.pdf"
