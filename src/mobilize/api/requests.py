"""JSON routes for requests for assistance. Every rule is in `requests.service`; these routes
map HTTP in and out: ETags and If-Match, idempotency keys, problem+json."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from mobilize.auth.service import Actor
from mobilize.edge.context import (
    Answer,
    Context,
    CurrentActor,
    Fingerprint,
    IdempotencyKey,
    IfMatch,
    audited,
    etag,
    perform,
)
from mobilize.edge.problems import problem_responses
from mobilize.papers.render import pdf_of
from mobilize.requests import papers, queries, schemas, service
from mobilize.requests.actions import ACTIONS
from mobilize.requests.fills import move_fill
from mobilize.requests.fulfilment import fill_shown
from mobilize.requests.fulfilment import fulfilment as fulfilment_on
from mobilize.requests.models import SupportRequest
from mobilize.requests.package import decision_package
from mobilize.requests.service import Change
from mobilize.requests.states import REQUEST_STATUSES

router = APIRouter(prefix="/api/requests", tags=["requests"])
Number = Annotated[str, Path(pattern=r"^RFA-\d{4}-\d{4,6}$", description="e.g. RFA-2018-0001")]
Paper = Annotated[Literal["ics-213rr", "approval-memo"], Path(description="Which paper.")]
READ_PROBLEMS = problem_responses(401, 403, 404, 422)
WRITE_PROBLEMS = problem_responses(401, 403, 404, 409, 412, 422, 428)
# A body that is not text at all is refused before it is read as JSON (which would be 422).
BODY_WRITE_PROBLEMS = problem_responses(400) | WRITE_PROBLEMS
Status = Literal[REQUEST_STATUSES]  # type: ignore[valid-type]


def _shown(session: Session, request: SupportRequest, status: int = 200) -> Answer:
    body = queries.request_out(session, request)
    headers = {"ETag": etag(request.revision)}
    if status == 201:
        headers["Location"] = f"/api/requests/{request.number}"
    return Answer(status, body, headers)


def _change(
    ctx: Context,
    actor: Actor,
    action: str,
    number: str,
    work: Callable[[Session], SupportRequest],
    key: str | None,
    fingerprint: str,
) -> JSONResponse:
    target = ("request", number)
    return perform(ctx, actor, action, target, lambda s: _shown(s, work(s)), key, fingerprint)


@router.get("", response_model=schemas.RequestPage, responses=READ_PROBLEMS)
def list_requests(
    ctx: Context,
    actor: CurrentActor,
    status: Status | None = None,
    agency: Annotated[str | None, Query(max_length=200, pattern=schemas.WITHOUT_NUL)] = None,
    capability: Annotated[str | None, Query(max_length=100, pattern=schemas.WITHOUT_NUL)] = None,
    on: Annotated[date | None, Query(description="Requests with a line running this day.")] = None,
    q: Annotated[
        str | None,
        Query(max_length=200, pattern=schemas.WITHOUT_NUL, description="Text in number or title."),
    ] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=queries.MAX_PER_PAGE)] = 20,
    sort: Annotated[
        str | None,
        Query(
            pattern=r"^-?(number|title|status|personnel|starts_on|ends_on)$",
            description="A field; `-field` descends. Without it, newest first.",
        ),
    ] = None,
) -> schemas.RequestPage:
    """The requests your agencies are party to, newest first, filtered, sorted and
    paginated (the request board asks the same query)."""
    return audited(
        ctx,
        actor,
        "request.list",
        ("request", None),
        lambda s: queries.list_requests(
            s, actor, status, agency, capability, on, q, page, per_page, sort=sort
        ),
    )


@router.post(
    "",
    status_code=201,
    response_model=schemas.RequestOut,
    responses=BODY_WRITE_PROBLEMS,
)
def create_request(
    draft: schemas.RequestDraft,
    ctx: Context,
    actor: CurrentActor,
    fingerprint: Fingerprint,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """File a draft request for your agency (requester role)."""

    def work(session: Session) -> Answer:
        return _shown(session, service.create_request(session, ctx.audit_key, actor, draft), 201)

    target = ("request", None)
    return perform(ctx, actor, "request.create", target, work, idempotency_key, fingerprint)


@router.get("/{number}", response_model=schemas.RequestOut, responses=READ_PROBLEMS)
def read_request(number: Number, ctx: Context, actor: CurrentActor) -> JSONResponse:
    """One request with its lines, responses and approvals; the ETag is its revision."""

    def work(session: Session) -> tuple[Any, str]:
        request = service.get_request(session, actor, number, whole=True)
        return queries.request_out(session, request), etag(request.revision)

    body, tag = audited(ctx, actor, "request.read", ("request", number), work)
    return JSONResponse(body.model_dump(mode="json"), headers={"ETag": tag})


@router.patch("/{number}", response_model=schemas.RequestOut, responses=BODY_WRITE_PROBLEMS)
def edit_request(
    number: Number,
    edit: schemas.RequestEdit,
    ctx: Context,
    actor: CurrentActor,
    revision: IfMatch,
) -> JSONResponse:
    """Change a draft (requester role). A submitted request is amended instead."""
    change = Change(number, revision)
    return _change(
        ctx,
        actor,
        "request.edit",
        number,
        lambda s: service.edit_request(s, ctx.audit_key, actor, change, edit),
        None,
        "",
    )


@router.post("/{number}/submit", response_model=schemas.RequestOut, responses=WRITE_PROBLEMS)
def submit_request(
    number: Number,
    ctx: Context,
    actor: CurrentActor,
    revision: IfMatch,
    fingerprint: Fingerprint,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Put the draft to the supporting agencies (requester role): version 1."""
    change = Change(number, revision)
    return _change(
        ctx,
        actor,
        ACTIONS["submit"].audit,
        number,
        lambda s: service.submit_request(s, ctx.audit_key, actor, change),
        idempotency_key,
        fingerprint,
    )


@router.post(
    "/{number}/responses", response_model=schemas.RequestOut, responses=BODY_WRITE_PROBLEMS
)
def respond(
    number: Number,
    answers: schemas.ResponseInput,
    ctx: Context,
    actor: CurrentActor,
    revision: IfMatch,
    fingerprint: Fingerprint,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Answer lines addressed to your agency (responder role): all, part, none, acknowledge."""
    change = Change(number, revision)
    return _change(
        ctx,
        actor,
        ACTIONS["respond"].audit,
        number,
        lambda s: service.respond(s, ctx.audit_key, actor, change, answers),
        idempotency_key,
        fingerprint,
    )


@router.post(
    "/{number}/decisions", response_model=schemas.RequestOut, responses=BODY_WRITE_PROBLEMS
)
def decide(
    number: Number,
    decision: schemas.ApprovalInput,
    ctx: Context,
    actor: CurrentActor,
    revision: IfMatch,
    fingerprint: Fingerprint,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Approve or deny offered lines of your agency (approver role), judging every criterion,
    signed on the version whose SHA-256 you send."""
    change = Change(number, revision)
    return _change(
        ctx,
        actor,
        ACTIONS["decide"].audit_for(decision.decision),
        number,
        lambda s: service.decide(s, ctx.audit_key, actor, change, decision),
        idempotency_key,
        fingerprint,
    )


@router.post(
    "/{number}/amendments", response_model=schemas.RequestOut, responses=BODY_WRITE_PROBLEMS
)
def amend(
    number: Number,
    amendment: schemas.AmendmentInput,
    ctx: Context,
    actor: CurrentActor,
    revision: IfMatch,
    fingerprint: Fingerprint,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Change dates or personnel of a submitted request (requester role): a new version that
    is answered and signed again."""
    change = Change(number, revision)
    return _change(
        ctx,
        actor,
        ACTIONS["amend"].audit,
        number,
        lambda s: service.amend(s, ctx.audit_key, actor, change, amendment),
        idempotency_key,
        fingerprint,
    )


@router.post("/{number}/cancel", response_model=schemas.RequestOut, responses=BODY_WRITE_PROBLEMS)
def cancel(
    number: Number,
    reason: schemas.ReasonInput,
    ctx: Context,
    actor: CurrentActor,
    revision: IfMatch,
    fingerprint: Fingerprint,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Cancel before execution (requester role)."""
    change = Change(number, revision)
    return _change(
        ctx,
        actor,
        ACTIONS["cancel"].audit,
        number,
        lambda s: service.cancel(s, ctx.audit_key, actor, change, reason.reason),
        idempotency_key,
        fingerprint,
    )


@router.post("/{number}/execute", response_model=schemas.RequestOut, responses=WRITE_PROBLEMS)
def execute(
    number: Number,
    ctx: Context,
    actor: CurrentActor,
    revision: IfMatch,
    fingerprint: Fingerprint,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Put the approved lines into execution (requester, or a planner of a party)."""
    change = Change(number, revision)
    return _change(
        ctx,
        actor,
        ACTIONS["execute"].audit,
        number,
        lambda s: service.execute(s, ctx.audit_key, actor, change),
        idempotency_key,
        fingerprint,
    )


@router.post("/{number}/close", response_model=schemas.RequestOut, responses=WRITE_PROBLEMS)
def close(
    number: Number,
    ctx: Context,
    actor: CurrentActor,
    revision: IfMatch,
    fingerprint: Fingerprint,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Close a request in execution (requester, or a planner of a party)."""
    change = Change(number, revision)
    return _change(
        ctx,
        actor,
        ACTIONS["close"].audit,
        number,
        lambda s: service.close(s, ctx.audit_key, actor, change),
        idempotency_key,
        fingerprint,
    )


@router.get("/{number}/history", response_model=schemas.HistoryOut, responses=READ_PROBLEMS)
def history(number: Number, ctx: Context, actor: CurrentActor) -> schemas.HistoryOut:
    """Every version side by side, and every recorded event on the request."""
    return audited(
        ctx,
        actor,
        "request.history",
        ("request", number),
        lambda s: queries.history(s, actor, number),
    )


@router.get("/{number}/fulfilment", response_model=schemas.FulfilmentOut, responses=READ_PROBLEMS)
def fulfilment(
    number: Number,
    ctx: Context,
    actor: CurrentActor,
    on: Annotated[
        date | None,
        Query(
            ge=date(1900, 1, 1),
            le=date(2200, 12, 31),
            description="The day counted on site; default today, within the operation's dates.",
        ),
    ] = None,
) -> schemas.FulfilmentOut:
    """Per line and in total, counted from fills only: requested, offered, approved, filled,
    on site on the day (and planned there by the adopted plan), released; each fill with its
    dated statuses and its expected dates from the adopted plan."""
    return audited(
        ctx,
        actor,
        "request.fulfilment",
        ("request", number),
        lambda s: fulfilment_on(s, actor, number, on),
    )


@router.post("/{number}/accept", response_model=schemas.RequestOut, responses=WRITE_PROBLEMS)
def accept(
    number: Number,
    ctx: Context,
    actor: CurrentActor,
    revision: IfMatch,
    fingerprint: Fingerprint,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Take the request into its operation (a planner of the operation's lead agency): its
    signed lines become requirements, its lines may be filled, its requester becomes a party."""
    change = Change(number, revision)
    return _change(
        ctx,
        actor,
        ACTIONS["accept"].audit,
        number,
        lambda s: service.accept(s, ctx.audit_key, actor, change),
        idempotency_key,
        fingerprint,
    )


@router.post("/{number}/fills", response_model=schemas.RequestOut, responses=BODY_WRITE_PROBLEMS)
def fill(
    number: Number,
    filled: schemas.FillInput,
    ctx: Context,
    actor: CurrentActor,
    revision: IfMatch,
    fingerprint: Fingerprint,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Fill an offered or signed line of your agency (responder role) with a unit of your
    agency from the force list (`unit`) or a team created for it (`new_unit`); at most the
    personnel offered, or approved once signed; a unit serves one line at a time."""
    change = Change(number, revision)
    action = ACTIONS["fill"]
    return _change(
        ctx,
        actor,
        action.audit,
        number,
        lambda s: action.run(s, ctx.audit_key, actor, change, filled),
        idempotency_key,
        fingerprint,
    )


UnitCode = Annotated[str, Path(max_length=100, pattern=r"^[^\s\x00/]([^\x00/]*[^\s\x00/])?$")]


@router.post(
    "/{number}/fills/{unit}/status", response_model=schemas.FillOut, responses=BODY_WRITE_PROBLEMS
)
def move(
    number: Number,
    unit: UnitCode,
    step: schemas.FillMoveInput,
    ctx: Context,
    actor: CurrentActor,
    fingerprint: Fingerprint,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Set the next dated status of a filled unit — mobilizing, en route, on site (check-in),
    demobilizing, released (check-out) — forwards only, never in the future (the unit's agency,
    or a planner of the operation's lead)."""

    def work(session: Session) -> Answer:
        moved = move_fill(session, ctx.audit_key, actor, number, unit, step)
        return Answer(200, fill_shown(session, moved), {})

    target = ("fill", f"{number} {unit}")
    return perform(ctx, actor, f"fill.{step.status}", target, work, idempotency_key, fingerprint)


class DecisionPackage(BaseModel):
    number: str
    version: int
    package: dict[str, Any]


@router.get(
    "/{number}/{paper}.pdf",
    response_class=Response,
    responses=READ_PROBLEMS | {200: {"content": {"application/pdf": {}}}},
)
def paper_pdf(number: Number, paper: Paper, ctx: Context, actor: CurrentActor) -> Response:
    """The request printed: `ics-213rr` (the NIMS resource request form) or `approval-memo`
    (each decision as a memorandum: lines, criteria, signer, time, the version's SHA-256)."""

    def work(session: Session) -> str:
        return papers.paper_html(session, actor, number, paper)

    html = audited(ctx, actor, "request.read", ("request", number), work)
    filename = papers.paper_filename(number, paper)
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(pdf_of(html), media_type="application/pdf", headers=headers)


@router.get("/{number}/decision-package", response_model=DecisionPackage, responses=READ_PROBLEMS)
def package(number: Number, ctx: Context, actor: CurrentActor) -> DecisionPackage:
    """Cost (itemised) and readiness impact of the whole request, computed from the
    operation's force list and rate table."""

    def work(session: Session) -> DecisionPackage:
        request = service.get_request(session, actor, number)
        computed = decision_package(session, request, list(request.lines))
        return DecisionPackage(number=number, version=request.version, package=computed)

    return audited(ctx, actor, "request.decision_package", ("request", number), work)
