"""Papers from the pages: a request as the ICS-213RR and its decisions as memos (HTML to
print from the browser, or PDF), and a plan's orders as CSV, iCalendar and PDF. The same
services and templates as the JSON API's (`requests.papers`, `papers/`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from mobilize.auth.service import Actor
from mobilize.edge.context import ApiContext, Context, audited
from mobilize.operations.access import require_reader
from mobilize.operations.plans import get_plan, plan_document
from mobilize.operations.service import find_operation
from mobilize.papers.orders import orders_csv, orders_ics, orders_of, slug
from mobilize.papers.render import paper_html as render_paper
from mobilize.papers.render import pdf_of
from mobilize.requests.papers import paper_filename, paper_html
from mobilize.scenario.schemas import Scenario
from mobilize.web.context import User

router = APIRouter(include_in_schema=False)
Number = Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,20}$")]
Paper = Annotated[str, Path(pattern=r"^(ics-213rr|approval-memo)$")]
Name = Annotated[str, Path(pattern=r"^[^\x00/]{1,200}$")]
PlanNumber = Annotated[int, Path(ge=1, le=1_000_000)]
Kind = Annotated[str, Path(pattern=r"^(csv|ics|pdf|html)$")]


@router.get("/requests/{number}/{paper}.pdf")
def request_paper_pdf(number: Number, paper: Paper, ctx: Context, who: User) -> Response:
    html = _request_paper(ctx, who.actor, number, paper, {})
    disposition = f'attachment; filename="{paper_filename(number, paper)}"'
    return Response(
        pdf_of(html), media_type="application/pdf", headers={"Content-Disposition": disposition}
    )


@router.get("/requests/{number}/{paper}", response_class=HTMLResponse)
def request_paper(number: Number, paper: Paper, ctx: Context, who: User) -> HTMLResponse:
    """The paper as a page to read and print (the links on top are not printed)."""
    links = {"Download the PDF": f"/requests/{number}/{paper}.pdf"}
    links[f"Back to {number}"] = f"/requests/{number}"
    return HTMLResponse(_request_paper(ctx, who.actor, number, paper, links))


def _request_paper(
    ctx: ApiContext, actor: Actor, number: str, paper: str, links: dict[str, str]
) -> str:
    def work(session: Session) -> str:
        return paper_html(session, actor, number, paper, links)

    html: str = audited(ctx, actor, "request.read", ("request", number), work)
    return html


@router.get("/operations/{name}/plans/{number}/orders.{kind}")
def plan_orders(name: Name, number: PlanNumber, kind: Kind, ctx: Context, who: User) -> Response:
    """The plan's orders (its actions, dated, with their reasons): a page to print, CSV,
    iCalendar (one all-day event per order) or PDF."""

    def work(session: Session) -> dict[str, Any]:
        operation = find_operation(session, name)
        require_reader(session, who.actor, operation)
        record = get_plan(session, operation, number)
        document = plan_document(record)
        metrics = document.metrics
        return {
            "orders": orders_of(document, Scenario.model_validate(record.scenario)),
            "operation": operation.name,
            "number": number,
            "status": record.status,
            "made_by": record.created_by,
            "adopted_by": record.adopted_by,
            "shortfall": metrics.shortfall_person_days if metrics else None,
        }

    shown = audited(ctx, who.actor, "operation.read", ("plan", f"{name}/plan {number}"), work)
    filename = f"orders-{slug(name)}-plan-{number}.{kind}"
    download = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if kind == "csv":
        return Response(orders_csv(shown["orders"]), media_type="text/csv", headers=download)
    if kind == "ics":
        calendar = orders_ics(
            shown["orders"], f"Orders: {name}, plan {number}", f"{slug(name)}.plan-{number}"
        )
        return Response(calendar, media_type="text/calendar", headers=download)
    links = {"Download the PDF": f"/operations/{name}/plans/{number}/orders.pdf"}
    links[f"Back to plan {number}"] = f"/operations/{name}/plans/{number}"
    html = render_paper("orders.html", links if kind == "html" else {}, **shown)
    if kind == "html":
        return HTMLResponse(html)
    return Response(pdf_of(html), media_type="application/pdf", headers=download)
