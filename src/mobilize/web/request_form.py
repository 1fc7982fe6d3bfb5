"""Filing a request: the form with pick-lists, rows added and removed, every mistake shown at
once beside its field and in a summary, and what was typed kept.

Rows are numbered fields (`lines-0-capability`, ...) and `line_count`. "Add a line" and
"Remove line N" are submit buttons (`change`): the page comes back with one row more or less
and nothing lost, without JavaScript; `static/request_form.js` does the same in place.
Names typed or chosen are read by the service (`requests.names`), so a line says "San Diego"
or "SDC" alike, in the browser and in the API.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from mobilize.auth.sessions import SignedIn
from mobilize.core.errors import InvalidInput, Refused
from mobilize.edge.context import ApiContext, Context, audited
from mobilize.operations.access import may_read
from mobilize.operations.models import Operation
from mobilize.operations.service import list_operations
from mobilize.requests import schemas
from mobilize.requests.drafts import line_name_problems
from mobilize.requests.names import agency_choices, capability_choices, location_choices
from mobilize.requests.service import create_request
from mobilize.web.context import User, checked, page, posted_form, see_other
from mobilize.web.forms import plain_errors, refusal_errors, summary

router = APIRouter(include_in_schema=False)
LINE_FIELDS = (
    "capability",
    "component",
    "personnel",
    "location",
    "starts_on",
    "ends_on",
    "supporting_agency",
)
FIRST_ROWS = 1
MOST_ROWS = 200  # the schema's limit on lines
COMPONENTS = (
    ("", "any"),
    ("active", "active duty"),
    ("guard", "National Guard"),
    ("civilian", "civilian"),
)
FIELD_LABELS = {
    "capability": "capability",
    "component": "component",
    "personnel": "personnel",
    "location": "location",
    "starts_on": "from",
    "ends_on": "to",
    "supporting_agency": "addressed to",
}


@router.get("/requests/new", response_class=HTMLResponse)
def new_request(request: Request, ctx: Context, who: User) -> HTMLResponse:
    return _form(request, ctx, who, {}, FIRST_ROWS, {})


@router.post("/requests/new", response_model=None)
async def file_request(
    request: Request, ctx: Context, who: User
) -> HTMLResponse | RedirectResponse:
    """File a draft; refused, the form comes back with every problem beside its field."""
    form = await posted_form(request)
    checked(ctx, who, form, "request.create", ("request", None))
    values = {name: value.strip() for name, value in form.items() if name != "form_token"}
    rows = _rows(values)
    change = values.pop("change", "")
    if change:
        values, count = _changed(values, len(rows), change)
        return _form(request, ctx, who, values, count, {})
    draft, errors = _draft(values, rows)
    errors = _name_problems(ctx, who, values.get("operation"), rows) | errors
    if draft is None or errors:
        return _form(request, ctx, who, values, len(rows), errors, 422)

    def work(session: Session) -> str:
        return create_request(session, ctx.audit_key, who.actor, draft).number

    try:
        number = audited(ctx, who.actor, "request.create", ("request", None), work)
    except (InvalidInput, Refused) as refused:
        errors = refusal_errors(refused, _form_name(_filled(rows)))
        return _form(request, ctx, who, values, len(rows), errors, 422)
    return see_other(f"/requests/{number}")


def _rows(values: dict[str, str]) -> list[dict[str, str]]:
    """The posted rows, blank ones too (a row left blank is kept on the page, not filed)."""
    count = _row_count(values.get("line_count"))
    return [
        {field: values.get(f"lines-{row}-{field}", "") for field in LINE_FIELDS}
        for row in range(count)
    ]


def _row_count(text: str | None) -> int:
    try:
        return min(max(int(text or FIRST_ROWS), 1), MOST_ROWS)
    except ValueError:
        return FIRST_ROWS


def _changed(values: dict[str, str], count: int, change: str) -> tuple[dict[str, str], int]:
    """`add` a blank row at the end, or `remove-N` row N (later rows move up one)."""
    if change == "add":
        return values, min(count + 1, MOST_ROWS)
    number = change.removeprefix("remove-")
    removed = int(number) if change.startswith("remove-") and number.isdigit() else -1
    if not 0 <= removed < count or count == 1:
        return values, count
    kept = {k: v for k, v in values.items() if not k.startswith("lines-")}
    for row in range(count):
        if row == removed:
            continue
        target = row if row < removed else row - 1
        for field in LINE_FIELDS:
            kept[f"lines-{target}-{field}"] = values.get(f"lines-{row}-{field}", "")
    return kept, count - 1


def _filled(rows: list[dict[str, str]]) -> list[int]:
    """The rows with anything in them: the lines filed, in order."""
    return [index for index, row in enumerate(rows) if any(row.values())]


FormName = Callable[[tuple[int | str, ...]], str]


def _form_name(filed_rows: list[int]) -> FormName:
    """Pydantic's location of a problem (`lines`, 2, `personnel`) as the field's name on the
    form (`lines-5-personnel`: line 2 filed is the form's row 5 when rows were left blank)."""

    def name(location: tuple[int | str, ...]) -> str:
        if location[:1] == ("lines",) and len(location) >= 2:
            row = filed_rows[int(location[1])] if int(location[1]) < len(filed_rows) else 0
            field = str(location[2]) if len(location) > 2 else "ends_on"
            return f"lines-{row}-{field}"
        return str(location[0]) if location else "form"

    return name


def _draft(
    values: dict[str, str], rows: list[dict[str, str]]
) -> tuple[schemas.RequestDraft | None, dict[str, str]]:
    filed = _filled(rows)
    raw: dict[str, Any] = {
        "title": values.get("title", ""),
        "justification": values.get("justification", ""),
        "operation": values.get("operation") or None,
        "lines": [{k: v for k, v in rows[row].items() if v != ""} for row in filed],
    }
    try:
        return schemas.RequestDraft.model_validate(raw), {}
    except ValidationError as invalid:
        return None, plain_errors(invalid, _form_name(filed))


def _name_problems(
    ctx: ApiContext, who: SignedIn, operation_name: str | None, rows: list[dict[str, str]]
) -> dict[str, str]:
    """The capabilities, locations and agencies the service would not understand, found
    before filing so that they are shown with every other mistake."""

    def work(session: Session) -> dict[str, str]:
        operation = _readable(session, who, operation_name)
        problems: dict[str, str] = {}
        for index, row in enumerate(rows):
            line_name_problems(session, operation, dict(row), problems, index)
        return {path.replace(".", "-"): message for path, message in problems.items()}

    found: dict[str, str] = audited(ctx, who.actor, "request.create", ("request", None), work)
    return found


def _readable(session: Session, who: SignedIn, name: str | None) -> Operation | None:
    if not name:
        return None
    operation = session.scalars(select(Operation).where(Operation.name == name)).one_or_none()
    return operation if operation and may_read(session, who.actor, operation) else None


def _position(order: list[str], name: str) -> int:
    return order.index(name) if name in order else -1


def _form(
    request: Request,
    ctx: ApiContext,
    who: SignedIn,
    values: dict[str, str],
    count: int,
    errors: dict[str, str],
    status: int = 200,
) -> HTMLResponse:
    def work(session: Session) -> dict[str, Any]:
        readable = [o for o in list_operations(session) if may_read(session, who.actor, o)]
        chosen = values.get("operation") or (readable[0].name if len(readable) == 1 else "")
        operation = next((o for o in readable if o.name == chosen), None)
        return {
            "operations": [o.name for o in readable],
            "chosen_operation": chosen,
            "capabilities": capability_choices(operation) if operation else [],
            "locations": location_choices(operation) if operation else [],
            "agencies": agency_choices(session),
        }

    lists = audited(ctx, who.actor, "operation.read", ("operation", None), work)
    labels = {"title": "Title", "justification": "Justification", "lines": "Lines"}
    for row in range(count):
        for field, label in FIELD_LABELS.items():
            labels[f"lines-{row}-{field}"] = f"Line {row + 1} {label}"
    order = list(labels)  # the summary lists the problems in the order of the fields
    errors = dict(sorted(errors.items(), key=lambda kv: _position(order, kv[0])))
    return page(
        request,
        "request_new.html",
        who,
        status,
        values=values,
        errors=errors,
        error_summary=summary(errors, labels),
        line_count=count,
        components=COMPONENTS,
        **lists,
    )
