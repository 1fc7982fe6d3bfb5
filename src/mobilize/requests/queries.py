"""Reading requests: one request as the API shows it, lists with filters, history (fulfilment
is `requests.fulfilment`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, selectinload

from mobilize.agencies.service import held_agencies
from mobilize.audit.service import records_for
from mobilize.auth.models import User
from mobilize.auth.service import Actor, covers
from mobilize.operations.models import Operation
from mobilize.requests import schemas
from mobilize.requests.access import load_whole, parties_clause
from mobilize.requests.models import Approval, RequestLine, SupportRequest
from mobilize.requests.service import content_sha256, get_request

MAX_PER_PAGE = 100


def request_out(session: Session, request: SupportRequest) -> schemas.RequestOut:
    load_whole(session, request, packages=True)
    names = _usernames(session, _people_of(request))
    sha256 = content_sha256(request)
    return schemas.RequestOut(
        number=request.number,
        title=request.title,
        justification=request.justification,
        operation=request.operation.name if request.operation else None,
        requesting_agency=request.requesting_agency.path,
        status=request.status,
        version=request.version,
        version_sha256=sha256,
        revision=request.revision,
        created_by=names[request.created_by_id],
        created_at=request.created_at,
        lines=[_line_out(line, names) for line in request.lines],
        approvals=[_approval_out(approval, names, sha256) for approval in request.approvals],
    )


def _line_out(line: RequestLine, names: dict[int, str]) -> schemas.LineOut:
    return schemas.LineOut(
        line=line.position,
        capability=line.capability,
        component=line.component,
        personnel=line.personnel,
        location=line.location,
        starts_on=line.starts_on,
        ends_on=line.ends_on,
        supporting_agency=line.supporting_agency.path,
        criteria=line.criteria,
        status=line.status,
        responses=[
            schemas.ResponseOut(
                agency=line.supporting_agency.path,
                by=names[answer.user_id],
                version=answer.version,
                offer=answer.offer,
                personnel=answer.personnel,
                starts_on=answer.starts_on,
                ends_on=answer.ends_on,
                note=answer.note,
                at=answer.created_at,
            )
            for answer in line.responses
        ],
    )


def _approval_out(approval: Approval, names: dict[int, str], sha256: str) -> schemas.ApprovalOut:
    return schemas.ApprovalOut(
        line=approval.line.position,
        agency=approval.agency.path,
        by=names[approval.user_id],
        decision=approval.decision,
        personnel=approval.personnel,
        criteria=approval.criteria,
        version=approval.version,
        version_sha256=approval.version_sha256,
        void=approval.version_sha256 != sha256,
        decision_package=approval.decision_package,
        at=approval.created_at,
    )


def _people_of(request: SupportRequest) -> set[int]:
    answered = {answer.user_id for line in request.lines for answer in line.responses}
    signed = {approval.user_id for approval in request.approvals}
    return {request.created_by_id} | answered | signed


def _usernames(session: Session, ids: set[int]) -> dict[int, str]:
    """The names of these users only: a request is shown after every change."""
    return dict(session.execute(select(User.id, User.username).where(User.id.in_(ids))).all())


def list_requests(
    session: Session,
    actor: Actor,
    status: str | None = None,
    agency: str | None = None,
    capability: str | None = None,
    on: date | None = None,
    text: str | None = None,
    page: int = 1,
    per_page: int = 20,
    operation: str | None = None,
    sort: str | None = None,
) -> schemas.RequestPage:
    """The requests the actor is a party to, filtered; newest first unless `sort` names a
    field of the summary (`number`, `title`, `status`, `personnel`, `starts_on`, `ends_on`;
    `-field` descends).

    `agency` matches the requesting agency or any addressed agency (and their parts); `on`,
    requests with a line running that day; `text`, the number, title or justification. The
    database filters, counts and cuts the page: a list costs one page, not every request."""
    held = held_agencies(session)  # the summaries read the agencies' paths
    agencies = {id_: agency.path for id_, agency in held.items()}
    query = select(SupportRequest).where(parties_clause(session, actor, held))
    if status:
        query = query.where(SupportRequest.status == status)
    if operation:
        query = query.join(Operation).where(Operation.name == operation)
    if text:
        # Literal text: a % or _ the user typed is not a wildcard.
        query = query.where(
            SupportRequest.title.icontains(text, autoescape=True)
            | SupportRequest.justification.icontains(text, autoescape=True)
            | SupportRequest.number.icontains(text, autoescape=True)
        )
    if agency:
        covered = [id_ for id_, path in agencies.items() if covers(agency, path)]
        query = query.where(
            SupportRequest.requesting_agency_id.in_(covered)
            | _has_line(RequestLine.supporting_agency_id.in_(covered))
        )
    if capability:
        query = query.where(_has_line(RequestLine.capability == capability))
    if on:
        query = query.where(_has_line((RequestLine.starts_on <= on) & (RequestLine.ends_on >= on)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    shown = session.scalars(
        query.order_by(*_order(sort))
        .offset((page - 1) * per_page)
        .limit(per_page)
        .options(selectinload(SupportRequest.lines))
    )
    return schemas.RequestPage(
        items=[_summary(request) for request in shown],
        total=total,
        page=page,
        per_page=per_page,
    )


def _has_line(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    return (
        select(RequestLine.id)
        .where(RequestLine.request_id == SupportRequest.id, condition)
        .exists()
    )


SORTABLE = ("number", "title", "status", "personnel", "starts_on", "ends_on")


def _lines_figure(figure: Any) -> Any:
    """A figure over the request's lines, for sorting in the database."""
    return select(figure).where(RequestLine.request_id == SupportRequest.id).scalar_subquery()


def _order(sort: str | None) -> list[Any]:
    """The ORDER BY of a `sort` (`-field` descends); ties, and no sort, newest first."""
    columns = {
        "number": SupportRequest.number,
        "title": SupportRequest.title,
        "status": SupportRequest.status,
        "personnel": _lines_figure(func.sum(RequestLine.personnel)),
        "starts_on": _lines_figure(func.min(RequestLine.starts_on)),
        "ends_on": _lines_figure(func.max(RequestLine.ends_on)),
    }
    newest = SupportRequest.id.desc()
    column = columns.get((sort or "").lstrip("-"))
    if column is None:
        return [newest]
    return [column.desc() if (sort or "").startswith("-") else column.asc(), newest]


def _summary(request: SupportRequest) -> schemas.RequestSummary:
    lines = request.lines
    return schemas.RequestSummary(
        number=request.number,
        title=request.title,
        requesting_agency=request.requesting_agency.path,
        status=request.status,
        version=request.version,
        lines=len(lines),
        personnel=sum(line.personnel for line in lines),
        supporting_agencies=sorted({line.supporting_agency.path for line in lines}),
        starts_on=min(line.starts_on for line in lines),
        ends_on=max(line.ends_on for line in lines),
    )


def history(session: Session, actor: Actor, number: str) -> schemas.HistoryOut:
    """Every version put to the supporting agencies, side by side, and every recorded event."""
    request = get_request(session, actor, number)
    names = _usernames(session, {version.created_by_id for version in request.versions})
    versions = [
        schemas.VersionOut(
            version=version.version,
            sha256=version.sha256,
            note=version.note,
            by=names[version.created_by_id],
            at=version.created_at,
            content=version.content,
        )
        for version in request.versions
    ]
    events = [
        schemas.AuditEventOut(
            id=record.id,
            at=record.at,
            actor=record.actor,
            action=record.action,
            outcome=record.outcome,
            before=record.before,
            after=record.after,
            detail=record.detail,
        )
        for record in records_for(session, "request", number)
    ]
    return schemas.HistoryOut(
        number=number,
        versions=versions,
        side_by_side=_side_by_side([version.content for version in versions]),
        events=events,
    )


def _side_by_side(contents: list[dict[str, Any]]) -> list[schemas.SideBySideRow]:
    by_version = [{line["line"]: line for line in content["lines"]} for content in contents]
    positions = sorted({position for lines in by_version for position in lines})
    fields = ("capability", "personnel", "location", "starts_on", "ends_on", "supporting_agency")
    return [
        schemas.SideBySideRow(
            line=position,
            field=field,
            values=[lines.get(position, {}).get(field) for lines in by_version],
        )
        for position in positions
        for field in fields
    ]
