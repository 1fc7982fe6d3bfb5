"""Guarded decisions: a confirmation page that says what will change before it changes.

Adopting a plan (the orders that end and begin, the passes that change, the shortfall against
the adopted plan), and cancelling, closing, signing or denying a request (the lines it
changes, computed by running the action in a savepoint rolled back: `requests.preview`). The
confirmation works without JavaScript: a GET (or the first POST, which changes nothing) shows
it; a POST with the form token and `confirmed=yes` does it. The page landed on then says what
was done.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from mobilize.auth.sessions import SignedIn
from mobilize.edge.context import ApiContext, Context, audited
from mobilize.operations.access import require_adopter, require_reader
from mobilize.operations.adoption import AdoptionPreview, adoption_preview
from mobilize.operations.plans import adopt_plan
from mobilize.operations.service import find_operation
from mobilize.requests.access import Change
from mobilize.requests.actions import RequestAction
from mobilize.requests.preview import ActionOutcome, preview_action, run_action
from mobilize.web.context import User, checked, page, posted_form, see_other

router = APIRouter(include_in_schema=False)
Name = Annotated[str, Path(pattern=r"^[^\x00/]{1,200}$")]
PlanNumber = Annotated[int, Path(ge=1, le=1_000_000)]
CONFIRMED = "yes"  # the value of `confirmed` on the confirmation page's form
GUARDED = ("cancel", "close", "decide")  # request actions confirmed first
SHOWN_ORDERS = 25  # orders listed on the confirmation; the rest are counted


def _preview(ctx: ApiContext, who: SignedIn, name: str, number: int) -> AdoptionPreview:
    def work(session: Session) -> AdoptionPreview:
        operation = find_operation(session, name)
        require_reader(session, who.actor, operation)
        require_adopter(session, who.actor, operation, number)
        return adoption_preview(session, operation, number)

    return audited(ctx, who.actor, "plan.adopt", ("plan", f"{name}/plan {number}"), work)


@router.get("/operations/{name}/plans/{number}/adopt", response_class=HTMLResponse)
def adopt_confirmation(
    name: Name, number: PlanNumber, request: Request, ctx: Context, who: User
) -> HTMLResponse:
    """What adopting the plan would change, and the button that adopts it."""
    preview = _preview(ctx, who, name, number)
    return _adopt_page(request, who, name, preview)


def _adopt_page(
    request: Request, who: SignedIn, name: str, preview: AdoptionPreview
) -> HTMLResponse:
    return page(request, "adopt_confirm.html", who, name=name, preview=preview, shown=SHOWN_ORDERS)


@router.post("/operations/{name}/plans/{number}/adopt", response_model=None)
async def adopt(
    name: Name, number: PlanNumber, request: Request, ctx: Context, who: User
) -> HTMLResponse | RedirectResponse:
    """Adopt the plan once confirmed (a proposed plan, or a superseded one taken back);
    without `confirmed=yes`, the confirmation page."""
    form = await posted_form(request)
    target = ("plan", f"{name}/plan {number}")
    checked(ctx, who, form, "plan.adopt", target)
    if form.get("confirmed") != CONFIRMED:
        return _adopt_page(request, who, name, _preview(ctx, who, name, number))

    def work(session: Session) -> str:
        operation = find_operation(session, name)
        require_adopter(session, who.actor, operation, number)
        preview = adoption_preview(session, operation, number)
        orders = adopt_plan(session, ctx.audit_key, operation, number, who.actor.username)
        replaced = f"; plan {preview.adopted} superseded" if preview.adopted else ""
        return f"Plan {number} adopted: {len(orders):,} orders in force{replaced}"

    message = audited(ctx, who.actor, "plan.adopt", target, work)
    return see_other(f"/operations/{name}/plans/{number}", message)


# Requests --------------------------------------------------------------------------------

VERBS = {
    "request.cancel": "Cancel the request",
    "request.close": "Close the request",
    "request.approve": "Sign",
    "request.deny": "Deny",
}


def confirm_request_action(
    request: Request,
    ctx: ApiContext,
    who: SignedIn,
    action: RequestAction,
    audit: str,
    change: Change,
    payload: Callable[[], Any],
    form: Mapping[str, str],
) -> HTMLResponse:
    """The confirmation of a guarded request action: the lines it would change (the action
    run and rolled back), the form's fields carried over, and the button that does it."""

    def work(session: Session) -> ActionOutcome:
        return preview_action(session, ctx.audit_key, who.actor, action, audit, change, payload())

    outcome = audited(ctx, who.actor, audit, ("request", change.number), work)
    carried = {k: v for k, v in form.items() if k not in ("form_token", "confirmed")}
    return page(
        request,
        "request_confirm.html",
        who,
        outcome=outcome,
        verb=VERBS.get(audit, action.name),
        carried=carried,
        action=action.name,
    )


def perform_request_action(
    ctx: ApiContext,
    who: SignedIn,
    action: RequestAction,
    audit: str,
    change: Change,
    payload: Callable[[], Any],
) -> Response:
    """Do the action; the request page then says what changed."""

    def work(session: Session) -> ActionOutcome:
        return run_action(session, ctx.audit_key, who.actor, action, audit, change, payload())

    outcome = audited(ctx, who.actor, audit, ("request", change.number), work)
    return see_other(f"/requests/{change.number}", outcome.summary())
