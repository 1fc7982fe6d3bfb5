"""What awaits a user: their queue, asked of the rules that decide it, never restated.

A request is in a responder's queue when `lines_to_answer` gives lines, in an approver's when
`lines_to_decide` does, and so on (`requests.actions`); a plan in a planner's when it is newer
than the adopted one and `may_adopt` holds (`operations.access`); a fill in its agency's until
it is on site; a plan job in its requester's once it is over. The landing page, the menu's
count, `GET /api/me/awaiting` and the notifications (`inbox.notify`) all read this module.

Each item names the state it is about (`state`: the kind, the request and its version) and its
`parts` (the lines, the units), so that a notification is written for what is new in a queue:
a line newly offered, a unit newly named, not the same request told again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from mobilize.auth.service import Actor
from mobilize.jobs.models import JobRecord
from mobilize.jobs.service import FINISHED
from mobilize.operations.access import may_adopt, may_read
from mobilize.operations.models import Operation, PlanRecord
from mobilize.operations.plans import adopted_plan, plans_of
from mobilize.operations.service import list_operations
from mobilize.requests.access import is_party, parties_clause
from mobilize.requests.actions import (
    available_actions,
    lines_to_answer,
    lines_to_decide,
    lines_to_fill,
)
from mobilize.requests.fills import keeps_own_fill
from mobilize.requests.models import Fill, RequestLine, SupportRequest
from mobilize.requests.states import FILL_ORDER, FillStatus, RequestStatus

# The headings of the queue, in the order a page lists them.
KINDS = {
    "answer": "Awaiting your answer",
    "sign": "Awaiting your signature",
    "accept": "Awaiting acceptance into the operation",
    "fill": "Awaiting the units you send (fill)",
    "check_in": "Your units not yet on site (check-in)",
    "submit": "Your drafts, not yet submitted",
    "adopt": "Plans awaiting adoption",
    "job": "Your plan jobs, finished",
}
OPEN_REQUESTS = (RequestStatus.DRAFT, RequestStatus.SUBMITTED, RequestStatus.IN_EXECUTION)
JOBS_SHOWN_FOR = timedelta(days=2)  # a finished job stays in its requester's queue this long


@dataclass(frozen=True)
class AwaitingItem:
    kind: str  # a key of KINDS
    subject: str  # what it is about: a request number, "<operation>/plan 3", "job 7"
    title: str  # one line: "RFA-2018-0003 awaits your answer"
    detail: str  # what exactly: the lines, the plan's shortfall, the job's outcome
    link: str  # the page where it is done
    state: str  # what it is about: "answer RFA-2018-0003 v1", "adopt Border support 2018/plan 2"
    parts: tuple[str, ...] = ()  # the lines or units concerned, when there are several


def awaiting(session: Session, actor: Actor) -> list[AwaitingItem]:
    """Everything in `actor`'s queue, in the order of `KINDS`, then by subject."""
    requests = _open_requests(session, actor)
    items = [item for request in requests for item in request_items(actor, request)]
    for operation in list_operations(session):
        if may_read(session, actor, operation):
            items.extend(plan_items(session, actor, operation))
    items.extend(job_items(session, actor))
    order = list(KINDS)
    return sorted(items, key=lambda item: (order.index(item.kind), item.subject))


def _open_requests(session: Session, actor: Actor) -> list[SupportRequest]:
    """The open requests `actor` is a party to (the database filters: the menu's count asks
    every page), loaded with what the rules read, in a few queries."""
    lines = selectinload(SupportRequest.lines)
    query = (
        select(SupportRequest)
        .where(SupportRequest.status.in_(OPEN_REQUESTS), parties_clause(session, actor))
        .options(
            joinedload(SupportRequest.requesting_agency),
            lines.joinedload(RequestLine.supporting_agency),
            lines.selectinload(RequestLine.responses),
            lines.selectinload(RequestLine.fills).joinedload(Fill.agency),
            lines.selectinload(RequestLine.fills).joinedload(Fill.unit),
        )
    )
    return list(session.scalars(query.order_by(SupportRequest.id)))


def request_items(actor: Actor, request: SupportRequest) -> list[AwaitingItem]:
    """What `request` asks of `actor` now."""
    if not is_party(actor, request):
        return []
    number, link = request.number, f"/requests/{request.number}"
    state = f"{number} v{request.version}"
    items = []
    for kind, lines, says in (
        ("answer", lines_to_answer(actor, request), "awaits your answer"),
        ("sign", lines_to_decide(actor, request), "awaits your signature"),
        ("fill", lines_to_fill(actor, request), "awaits the units you send"),
    ):
        if lines:
            positions = tuple(str(line.position) for line in lines)
            title = f"{number} {says}: {request.title}"
            detail = "; ".join(_line_words(line) for line in lines)
            items.append(
                AwaitingItem(kind, number, title, detail, link, f"{kind} {state}", positions)
            )
    actions = available_actions(actor, request)
    if "accept" in actions:
        title = f"{number} awaits acceptance into {_operation_name(request)}"
        detail = f"filed by {request.requesting_agency.path}: {request.title}"
        items.append(AwaitingItem("accept", number, title, detail, link, f"accept {number}"))
    if "submit" in actions and request.created_by_id == actor.user_id:
        title = f"{number} is your draft, not yet submitted: {request.title}"
        items.append(AwaitingItem("submit", number, title, "", link, f"submit {number}"))
    arriving = _not_on_site(actor, request)
    if arriving:
        units = ", ".join(
            f"{fill.unit.code} ({fill.status.replace('_', ' ')})" for fill in arriving
        )
        title = f"{number}: {len(arriving)} of your units not yet on site"
        codes = tuple(fill.unit.code for fill in arriving)
        items.append(
            AwaitingItem("check_in", number, title, units, link, f"check_in {number}", codes)
        )
    return items


def _not_on_site(actor: Actor, request: SupportRequest) -> list[Fill]:
    """Fills of the actor's own agency still on their way (assigned, mobilizing, en route)."""
    before = FILL_ORDER[FillStatus.ON_SITE]
    return [
        fill
        for line in request.lines
        for fill in line.fills
        if FILL_ORDER[FillStatus(fill.status)] < before and keeps_own_fill(actor, fill)
    ]


def _line_words(line: RequestLine) -> str:
    dates = f"{line.starts_on:%d %b} to {line.ends_on:%d %b %Y}"
    return (
        f"line {line.position}: {line.personnel:,} {line.capability} at {line.location}, "
        f"{dates} ({line.supporting_agency.path})"
    )


def _operation_name(request: SupportRequest) -> str:
    return request.operation.name if request.operation is not None else "its operation"


def plan_items(session: Session, actor: Actor, operation: Operation) -> list[AwaitingItem]:
    """Proposed plans newer than the adopted one that `actor` may adopt."""
    adopted = adopted_plan(session, operation)
    newer_than = adopted.number if adopted else 0
    return [
        plan_item(operation, plan, adopted)
        for plan in plans_of(session, operation)
        if plan.status == "proposed"
        and plan.number > newer_than
        and may_adopt(session, actor, operation, plan.number)
    ]


def plan_item(operation: Operation, plan: PlanRecord, adopted: PlanRecord | None) -> AwaitingItem:
    subject = f"{operation.name}/plan {plan.number}"
    against = (
        f"{adopted.shortfall_person_days:,} in plan {adopted.number} (adopted)"
        if adopted
        else "no plan adopted yet"
    )
    detail = (
        f"made by {plan.created_by}: {plan.shortfall_person_days:,} shortfall person-days "
        f"against {against}"
    )
    link = f"/operations/{operation.name}/plans/{plan.number}"
    title = f"Plan {plan.number} of {operation.name} awaits adoption"
    return AwaitingItem("adopt", subject, title, detail, link, f"adopt {subject}")


def job_items(session: Session, actor: Actor) -> list[AwaitingItem]:
    """The actor's own plan jobs finished in the last `JOBS_SHOWN_FOR`."""
    since = datetime.now(UTC) - JOBS_SHOWN_FOR
    query = select(JobRecord).where(
        JobRecord.requested_by == actor.username,
        JobRecord.status.in_(FINISHED),
        JobRecord.finished_at >= since,
    )
    return [job_item(job) for job in session.scalars(query.order_by(JobRecord.id.desc()))]


def job_item(job: JobRecord) -> AwaitingItem:
    operation = str(job.params.get("operation", ""))
    plan = (job.result or {}).get("plan")
    if job.status == "failed":
        detail = f"failed: {_last_line(job.error)}"
    elif plan is not None:
        detail = f"{job.status}: plan {plan} is ready"
    else:
        detail = f"{job.status}, without a plan"
    title = f"Plan job {job.id} of {operation} is over"
    return AwaitingItem("job", f"job {job.id}", title, detail, f"/jobs/{job.id}", f"job {job.id}")


def _last_line(text: str | None) -> str:
    lines = [line for line in (text or "").splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no reason given"
