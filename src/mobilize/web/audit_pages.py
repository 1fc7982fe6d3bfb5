"""The audit page: recent activity the user may read, newest first, with filters (user,
agency, action, object, dates) and search, each record's change field by field; and the
button that verifies the whole log. The list is `GET /api/audit/records`'s query."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from mobilize.audit.listing import (
    TrailFilter,
    TrailPage,
    field_changes,
    list_records,
    outcome_words,
)
from mobilize.audit.service import verify_trail
from mobilize.auth.sessions import SignedIn
from mobilize.core.errors import InvalidInput, NotFound
from mobilize.edge.context import Context, audited
from mobilize.edge.trail import OBJECT_TYPES, Limit, Offset, trail_filter
from mobilize.operations.access import require_reader
from mobilize.operations.models import Operation
from mobilize.operations.service import find_operation, list_operations
from mobilize.operations.trail import readable_by
from mobilize.requests.access import get_request
from mobilize.web.context import User, checked, page, posted_form

router = APIRouter(include_in_schema=False)
Wanted = Annotated[TrailFilter, Depends(trail_filter)]
SHOWN = 25  # records per page: a screenful on a laptop


@router.get("/audit", response_class=HTMLResponse)
def audit(
    request: Request,
    ctx: Context,
    who: User,
    wanted: Wanted,
    limit: Limit = SHOWN,
    offset: Offset = 0,
) -> HTMLResponse:
    """Recent activity the user may read, filtered; one object's trail when it is named."""

    def work(session: Session) -> TrailPage:
        if wanted.object_type and wanted.object_id:
            _require_reader_of(session, who, wanted.object_type, wanted.object_id)
        return list_records(session, readable_by(session, who.actor), wanted, limit, offset)

    target = (wanted.object_type or "audit", wanted.object_id)
    found = audited(ctx, who.actor, "audit.read", target, work)
    return _audit_page(request, who, wanted, found)


def _audit_page(
    request: Request, who: SignedIn, wanted: TrailFilter, found: TrailPage, **more: Any
) -> HTMLResponse:
    return page(
        request,
        "audit.html",
        who,
        wanted=wanted,
        found=found,
        types=OBJECT_TYPES,
        changes={r.id: field_changes(r.before, r.after) for r in found.records},
        outcome_words=outcome_words,
        page_link=lambda offset: _page_link(request, offset),
        **more,
    )


def _page_link(request: Request, offset: int) -> str:
    """The same list at another offset: the filters stay."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "offset"]
    return "/audit?" + urlencode([*query, ("offset", str(offset))])


def _require_reader_of(session: Session, who: SignedIn, kind: str, object_id: str) -> None:
    """An object's trail is read by whoever may read the object: the request's parties, the
    operation's (for its plans, tasks and units); naming an object one may not read is
    refused rather than shown as empty."""
    if kind == "request":
        get_request(session, who.actor, object_id)
        return
    if kind == "operation":
        require_reader(session, who.actor, find_operation(session, object_id))
        return
    if kind in ("plan", "task", "unit"):
        require_reader(session, who.actor, _operation_of(session, object_id))
        return
    if kind not in ("job", "user", "audit"):
        raise InvalidInput(f"type: one of {', '.join(OBJECT_TYPES)}")


def _operation_of(session: Session, object_id: str) -> Operation:
    """The operation of a plan, task or unit id (`<operation>/<part>`); the longest name that
    fits, since an operation's name may hold a `/` itself."""
    names = [o.name for o in list_operations(session) if object_id.startswith(o.name + "/")]
    if not names:
        raise NotFound(f"no operation holds {object_id!r}")
    return find_operation(session, max(names, key=len))


@router.post("/audit/verify", response_class=HTMLResponse)
async def verify(request: Request, ctx: Context, who: User) -> HTMLResponse:
    form = await posted_form(request)
    checked(ctx, who, form, "audit.verify", ("audit", None))

    def work(session: Session) -> Any:
        report = verify_trail(session, ctx.audit_key, ctx.witness)
        wanted = TrailFilter()
        return report, list_records(session, readable_by(session, who.actor), wanted, SHOWN)

    report, found = audited(ctx, who.actor, "audit.verify", ("audit", None), work)
    return _audit_page(request, who, TrailFilter(), found, report=report)
