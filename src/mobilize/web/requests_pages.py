"""Request pages: the board by status, a request with the actions open to the user, filing a
request with messages beside the fields, and each action as a form."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from mobilize.auth.sessions import SignedIn
from mobilize.core.errors import Conflict, InvalidInput, PreconditionFailed, Refused
from mobilize.edge.context import ApiContext, Context, audited
from mobilize.edge.problems import status_of
from mobilize.requests import schemas
from mobilize.requests.actions import (
    ACTIONS,
    available_actions,
    lines_to_answer,
    lines_to_decide,
    lines_to_fill,
)
from mobilize.requests.fulfilment import fulfilment
from mobilize.requests.package import decision_package
from mobilize.requests.queries import history, list_requests, request_out
from mobilize.requests.service import (
    Change,
    get_request,
)
from mobilize.requests.states import REQUEST_STATUSES
from mobilize.web.action_forms import read_payload, whole
from mobilize.web.board import LIST_PAGE, BoardQuery
from mobilize.web.context import User, checked, page, posted_form, see_other
from mobilize.web.decision_pages import (
    CONFIRMED,
    GUARDED,
    confirm_request_action,
    perform_request_action,
)
from mobilize.web.forms import summary
from mobilize.web.lists import link_maker

router = APIRouter(include_in_schema=False)
Number = Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,20}$")]
BOARD_SIZE = 500


@router.get("/requests", response_class=HTMLResponse)
def board(
    request: Request, ctx: Context, who: User, wanted: Annotated[BoardQuery, Depends()]
) -> HTMLResponse:
    """The requests the user's agencies are party to: a column per status, or (`view=list`)
    a sorted table a page at a time; both searched and filtered by the API's query."""
    per_page = LIST_PAGE if wanted.view == "list" else BOARD_SIZE

    def work(session: Session) -> schemas.RequestPage:
        return list_requests(
            session,
            who.actor,
            wanted.status or None,
            wanted.agency.strip() or None,
            wanted.capability.strip() or None,
            wanted.on,
            wanted.q.strip() or None,
            wanted.page if wanted.view == "list" else 1,
            per_page,
            sort=wanted.sort or None,
        )

    found = audited(ctx, who.actor, "request.list", ("request", None), work)
    columns: dict[str, list[schemas.RequestSummary]] = {s: [] for s in REQUEST_STATUSES}
    for shown in found.items:
        columns[shown.status].append(shown)
    return page(
        request,
        "requests_board.html",
        who,
        columns=columns,
        found=found,
        wanted=wanted,
        statuses=REQUEST_STATUSES,
        link=link_maker(request),
    )


@dataclass(frozen=True)
class Refusal:
    """An action's form refused: which, what was posted (kept in the form), and why."""

    action: str
    posted: dict[str, str]
    errors: dict[str, str]
    status: int


@router.get("/requests/{number}", response_class=HTMLResponse)
def request_page(number: Number, request: Request, ctx: Context, who: User) -> HTMLResponse:
    """The request: lines, responses, approvals with their criteria, the side-by-side
    history of its versions, its fulfilment, and the forms for what the user may do."""
    return _request_view(request, ctx, who, number, None)


def _request_view(
    request: Request, ctx: ApiContext, who: SignedIn, number: str, refusal: Refusal | None
) -> HTMLResponse:

    def work(session: Session) -> dict[str, Any]:
        found = get_request(session, who.actor, number)
        deciding = lines_to_decide(who.actor, found)
        return {
            "package": decision_package(session, found, deciding) if deciding else None,
            "shown": request_out(session, found),
            "story": history(session, who.actor, number),
            "fulfilled": fulfilment(session, who.actor, number),
            "actions": available_actions(who.actor, found),
            "to_answer": [line.position for line in lines_to_answer(who.actor, found)],
            "to_fill": [line.position for line in lines_to_fill(who.actor, found)],
            "to_decide": [
                (line.position, line.supporting_agency.path, line.criteria)
                for line in lines_to_decide(who.actor, found)
            ],
        }

    values = audited(ctx, who.actor, "request.read", ("request", number), work)
    judged = [name for _, _, names in values["to_decide"] for name in names]
    values["criteria_to_judge"] = list(dict.fromkeys(judged))
    by_line: dict[int, list[schemas.ApprovalOut]] = defaultdict(list)
    for approval in values["shown"].approvals:
        by_line[approval.line].append(approval)
    errors = refusal.errors if refusal else {}
    return page(
        request,
        "request.html",
        who,
        refusal.status if refusal else 200,
        approvals=by_line,
        refused_action=refusal.action if refusal else "",
        kept=refusal.posted if refusal else {},
        errors=errors,
        error_summary=summary(errors, {}),
        **values,
    )


# What the person at the form can put right: their input, or their reading of a request that
# changed meanwhile. Not: a 403 or a 404, which stay error pages.
CORRECTABLE = (InvalidInput, Refused, Conflict, PreconditionFailed)
Action = Annotated[str, Path(pattern="^(" + "|".join(ACTIONS) + ")$")]


@router.post("/requests/{number}/{action}", response_model=None)
async def act(
    number: Number, action: Action, request: Request, ctx: Context, who: User
) -> Response:
    """One action of the registry (`requests.actions.ACTIONS`) from the request page, at the
    revision the page showed (a change made meanwhile by someone else refuses it, as
    `If-Match` does in the API); audited under the same name as the API's. Cancelling,
    closing, signing and denying are confirmed first (`web.decision_pages`). Refused, the
    page comes back with the reasons beside the fields and the form as it was filled."""
    form = await posted_form(request)
    chosen = ACTIONS[action]
    audit = chosen.audit_for(form.get("decision"))
    checked(ctx, who, form, audit, ("request", number))

    def work(session: Session) -> object:
        change = Change(number, whole(form.get("revision"), f"{action}-problem"))
        payload = read_payload(action, form)
        return chosen.run(session, ctx.audit_key, who.actor, change, payload)

    try:
        if action in GUARDED:
            return _guarded(request, ctx, who, number, action, form)
        audited(ctx, who.actor, audit, ("request", number), work)
    except CORRECTABLE as refused:
        errors = dict(refused.fields) or {f"{action}-problem": refused.message}
        refusal = Refusal(action, form, errors, status_of(refused))
        return _request_view(request, ctx, who, number, refusal)
    return see_other(f"/requests/{number}")


def _guarded(
    request: Request, ctx: ApiContext, who: SignedIn, number: str, action: str, form: dict[str, str]
) -> Response:
    """Confirmed first: the confirmation page, or, confirmed, the action itself."""
    chosen = ACTIONS[action]
    audit = chosen.audit_for(form.get("decision"))
    change = Change(number, whole(form.get("revision"), f"{action}-problem"))

    def payload() -> Any:  # read inside the transaction
        return read_payload(action, form)

    if form.get("confirmed") != CONFIRMED:
        return confirm_request_action(request, ctx, who, chosen, audit, change, payload, form)
    return perform_request_action(ctx, who, chosen, audit, change, payload)
