"""Request pages: the board by status, a request with the actions open to the user, filing a
request with messages beside the fields, and each action as a form."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from mobilize.api.context import Context, audited
from mobilize.auth.sessions import SignedIn
from mobilize.core.errors import InvalidInput
from mobilize.operations.access import may_read
from mobilize.operations.service import list_operations
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
    create_request,
    get_request,
)
from mobilize.requests.states import REQUEST_STATUSES
from mobilize.web.board import LIST_PAGE, BoardQuery
from mobilize.web.context import User, checked, page, posted_form, see_other
from mobilize.web.lists import link_maker

router = APIRouter(include_in_schema=False)
M = TypeVar("M", bound=schemas.Strict)
Number = Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,20}$")]
BOARD_SIZE = 500
LINE_FIELDS = (
    "capability",
    "component",
    "personnel",
    "location",
    "starts_on",
    "ends_on",
    "supporting_agency",
)
FORM_LINES = 8


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
    for summary in found.items:
        columns[summary.status].append(summary)
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


@router.get("/requests/new", response_class=HTMLResponse)
def new_request(request: Request, ctx: Context, who: User) -> HTMLResponse:
    return _form(request, ctx, who, {}, {})


def _form(
    request: Request,
    ctx: Context,
    who: SignedIn,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> HTMLResponse:
    def work(session: Session) -> list[str]:
        return [o.name for o in list_operations(session) if may_read(session, who.actor, o)]

    operations = audited(ctx, who.actor, "operation.read", ("operation", None), work)
    return page(
        request,
        "request_new.html",
        who,
        status,
        values=values,
        errors=errors,
        operations=operations,
        line_count=FORM_LINES,
        components=("", "active", "guard", "civilian"),
    )


@router.post("/requests/new", response_model=None)
async def file_request(
    request: Request, ctx: Context, who: User
) -> HTMLResponse | RedirectResponse:
    """File a draft; a field that does not pass is shown again with its message beside it."""
    form = await posted_form(request)
    checked(ctx, who, form, "request.create", ("request", None))
    values = {name: value.strip() for name, value in form.items() if name != "form_token"}
    draft, errors = _draft(values)
    if draft is None:
        return _form(request, ctx, who, values, errors, 422)

    def work(session: Session) -> str:
        return create_request(session, ctx.audit_key, who.actor, draft).number

    try:
        number = audited(ctx, who.actor, "request.create", ("request", None), work)
    except InvalidInput as invalid:
        return _form(request, ctx, who, values, {"form": invalid.message}, 422)
    return see_other(f"/requests/{number}")


def _draft(values: dict[str, str]) -> tuple[schemas.RequestDraft | None, dict[str, str]]:
    """The form as a draft, or the message for each field that fails, keyed by field name."""
    lines = []
    for index in range(FORM_LINES):
        line = {field: values.get(f"lines-{index}-{field}", "") for field in LINE_FIELDS}
        if any(line.values()):
            lines.append((index, {k: v for k, v in line.items() if v != ""}))
    raw: dict[str, Any] = {
        "title": values.get("title", ""),
        "justification": values.get("justification", ""),
        "operation": values.get("operation") or None,
        "lines": [line for _, line in lines],
    }
    try:
        return schemas.RequestDraft.model_validate(raw), {}
    except ValidationError as invalid:
        return None, _field_errors(invalid, [index for index, _ in lines])


def _field_errors(invalid: ValidationError, form_rows: list[int]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in invalid.errors():
        location = [str(part) for part in error["loc"]]
        if location[:1] == ["lines"] and len(location) >= 2:
            row = form_rows[int(location[1])]
            field = location[2] if len(location) > 2 else "capability"
            name = f"lines-{row}-{field}"
        elif location[:1] == ["lines"]:
            name = "lines"
        else:
            name = location[0] if location else "form"
        errors.setdefault(name, _message(error["msg"]))
    return errors


def _message(text: str) -> str:
    return text.removeprefix("Value error, ")


@router.get("/requests/{number}", response_class=HTMLResponse)
def request_page(number: Number, request: Request, ctx: Context, who: User) -> HTMLResponse:
    """The request: lines, responses, approvals with their criteria, the side-by-side
    history of its versions, its fulfilment, and the forms for what the user may do."""

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
    return page(request, "request.html", who, approvals=by_line, **values)


Action = Annotated[str, Path(pattern="^(" + "|".join(ACTIONS) + ")$")]


@router.post("/requests/{number}/{action}")
async def act(
    number: Number, action: Action, request: Request, ctx: Context, who: User
) -> RedirectResponse:
    """One action of the registry (`requests.actions.ACTIONS`) from the request page, at the
    revision the page showed (a change made meanwhile by someone else refuses it, as
    `If-Match` does in the API); audited under the same name as the API's."""
    form = await posted_form(request)
    chosen = ACTIONS[action]
    audit = chosen.audit_for(form.get("decision"))
    checked(ctx, who, form, audit, ("request", number))
    change = Change(number, _whole(form.get("revision"), "revision"))

    def work(session: Session) -> object:
        payload = _payload(action, form)
        return chosen.run(session, ctx.audit_key, who.actor, change, payload)

    audited(ctx, who.actor, audit, ("request", number), work)
    return see_other(f"/requests/{number}")


def _payload(action: str, form: dict[str, str]) -> Any:
    readers = {
        "respond": _answers,
        "decide": _decision,
        "amend": _amendment,
        "cancel": lambda f: schemas.ReasonInput(reason=f.get("reason", "")),
        "fill": _fill,
    }
    reader = readers.get(action)
    return reader(form) if reader else None


def _whole(text: str | None, name: str) -> int:
    try:
        return int(text or "")
    except ValueError:
        raise InvalidInput(f"{name}: a whole number, not {text!r}") from None


def _fill(form: dict[str, str]) -> schemas.FillInput:
    raw: dict[str, Any] = {"line": form.get("line", ""), "note": form.get("note", "")}
    if form.get("unit"):
        raw["unit"] = form["unit"]
    else:
        raw["new_unit"] = {
            "id": form.get("new-id", ""),
            "name": form.get("new-name", ""),
            "component": form.get("new-component", ""),
            "strength": form.get("new-strength", "").replace(",", ""),
            "home": {
                "name": form.get("new-home", ""),
                "lat": form.get("new-lat", ""),
                "lon": form.get("new-lon", ""),
            },
        }
    return _valid(schemas.FillInput, raw)


def _answers(form: dict[str, str]) -> schemas.ResponseInput:
    answers = []
    for name, offer in form.items():
        if name.startswith("offer-") and offer:
            position = name.removeprefix("offer-")
            personnel = form.get(f"personnel-{position}") or None
            answers.append(
                {
                    "line": position,
                    "offer": offer,
                    "personnel": personnel,
                    "note": form.get(f"note-{position}", ""),
                }
            )
    return _valid(schemas.ResponseInput, {"answers": answers})


def _decision(form: dict[str, str]) -> schemas.ApprovalInput:
    criteria = {
        name.removeprefix("criterion-"): {
            "judgement": judgement,
            "note": form.get(f"note-{name.removeprefix('criterion-')}", ""),
        }
        for name, judgement in form.items()
        if name.startswith("criterion-") and judgement
    }
    lines = [_whole(name.removeprefix("line-"), name) for name in form if name.startswith("line-")]
    if not lines:  # never None from a form: None would decide every line the user may
        raise InvalidInput("tick the lines you decide")
    raw = {
        "version_sha256": form.get("version_sha256", ""),
        "decision": form.get("decision", ""),
        "lines": lines,
        "criteria": criteria,
    }
    return _valid(schemas.ApprovalInput, raw)


def _amendment(form: dict[str, str]) -> schemas.AmendmentInput:
    changes = []
    for name in form:
        if name.startswith("amend-personnel-") or name.startswith("amend-ends_on-"):
            position = name.rsplit("-", 1)[1]
            personnel = form.get(f"amend-personnel-{position}") or None
            ends_on = form.get(f"amend-ends_on-{position}") or None
            change = {"line": position, "personnel": personnel, "ends_on": ends_on}
            if (personnel or ends_on) and change not in changes:
                changes.append(change)
    return _valid(schemas.AmendmentInput, {"note": form.get("note", ""), "changes": changes})


def _valid(model: type[M], raw: dict[str, Any]) -> M:
    try:
        return model.model_validate(raw)
    except ValidationError as invalid:
        detail = "; ".join(
            f"{'.'.join(str(p) for p in error['loc'])}: {_message(error['msg'])}"
            for error in invalid.errors()
        )
        raise InvalidInput(detail) from None
