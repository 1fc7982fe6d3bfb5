"""Reading requests: one request as the API shows it, lists with filters, history (fulfilment
is `requests.fulfilment`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mobilize.audit.service import records_for
from mobilize.auth.models import User
from mobilize.auth.service import Actor, covers
from mobilize.operations.models import Operation
from mobilize.requests import schemas
from mobilize.requests.models import Approval, RequestLine, SupportRequest
from mobilize.requests.service import content_sha256, get_request, is_party

MAX_PER_PAGE = 100


def request_out(session: Session, request: SupportRequest) -> schemas.RequestOut:
    names = _usernames(session)
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


def _usernames(session: Session) -> dict[int, str]:
    return dict(session.execute(select(User.id, User.username)).all())


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
) -> schemas.RequestPage:
    """The requests the actor is a party to, filtered; newest first.

    `agency` matches the requesting agency or any addressed agency (and their parts); `on`,
    requests with a line running that day; `text`, the number, title or justification."""
    query = select(SupportRequest).order_by(SupportRequest.id.desc())
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
    matching = [
        request
        for request in session.scalars(query)
        if is_party(actor, request) and _matches(request, agency, capability, on)
    ]
    start = (page - 1) * per_page
    return schemas.RequestPage(
        items=[_summary(request) for request in matching[start : start + per_page]],
        total=len(matching),
        page=page,
        per_page=per_page,
    )


def _matches(
    request: SupportRequest, agency: str | None, capability: str | None, on: date | None
) -> bool:
    lines = request.lines
    if agency and not (
        covers(agency, request.requesting_agency.path)
        or any(covers(agency, line.supporting_agency.path) for line in lines)
    ):
        return False
    if capability and all(line.capability != capability for line in lines):
        return False
    return not on or any(line.starts_on <= on <= line.ends_on for line in lines)


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
    names = _usernames(session)
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
