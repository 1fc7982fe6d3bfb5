"""JSON routes for an operation's record: tasks and progress, plans (run as jobs), adoption,
the daily strength report. Rules in the services; access in `operations.access`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from mobilize.auth.service import Actor
from mobilize.edge.context import (
    Answer,
    Context,
    CurrentActor,
    Fingerprint,
    IdempotencyKey,
    audited,
    perform,
)
from mobilize.edge.problems import problem_responses
from mobilize.edge.rows import row_query, with_filters
from mobilize.jobs.plan_job import PLAN_JOB, plan_params
from mobilize.jobs.schemas import JobOut, job_out
from mobilize.operations import schemas
from mobilize.operations.access import (
    may_read,
    require_adopter,
    require_lead_planner,
    require_planner,
    require_reader,
    require_units_of_own,
)
from mobilize.operations.adoption import adoption_preview
from mobilize.operations.models import Operation, OrderRecord, PlanRecord
from mobilize.operations.orders import give_order, order_source, unit_orders
from mobilize.operations.plans import (
    adopt_plan,
    adopted_plan,
    deployments_source,
    get_plan,
    plans_of,
    snapshot,
)
from mobilize.operations.requirements import requirements_in_force
from mobilize.operations.service import find_operation, list_operations
from mobilize.operations.tasks import mark_done, report_progress, task_status
from mobilize.reports.rows import PLAN_SEARCHED, RowQuery, select_rows
from mobilize.reports.strength import strength_on
from mobilize.requests.fulfilment import support_report, support_selected
from mobilize.requests.schemas import SupportOut

router = APIRouter(prefix="/api/operations", tags=["operations"])
Name = Annotated[str, Path(pattern=r"^[^\x00/]{1,200}$", description="The operation's name.")]
TaskCode = Annotated[str, Path(pattern=r"^[^\x00/]{1,100}$")]
UnitCode = Annotated[str, Path(pattern=r"^[^\x00/]{1,100}$", description="The unit's id.")]
PlanNumber = Annotated[int, Path(ge=1, le=1_000_000)]
READ = problem_responses(401, 403, 404, 422)
WRITE = problem_responses(400, 401, 403, 404, 409, 422)


def _readable(session: Session, actor: Actor, name: str) -> Operation:
    operation = find_operation(session, name)
    require_reader(session, actor, operation)
    return operation


@router.get("", response_model=list[schemas.OperationOut], responses=READ)
def list_(ctx: Context, actor: CurrentActor) -> list[schemas.OperationOut]:
    """The operations your agencies are party to."""

    def work(session: Session) -> list[schemas.OperationOut]:
        return [
            _operation_out(session, operation)
            for operation in list_operations(session)
            if may_read(session, actor, operation)
        ]

    return audited(ctx, actor, "operation.read", ("operation", None), work)


def _operation_out(session: Session, operation: Operation) -> schemas.OperationOut:
    adopted = adopted_plan(session, operation)
    return schemas.OperationOut(
        name=operation.name,
        start=operation.start,
        end=operation.end,
        units=len(operation.units),
        tasks=len(operation.tasks),
        plans=len(plans_of(session, operation)),
        adopted_plan=adopted.number if adopted else None,
    )


@router.get("/{name}/tasks", response_model=list[schemas.TaskOut], responses=READ)
def tasks(name: Name, ctx: Context, actor: CurrentActor) -> list[schemas.TaskOut]:
    """Each task: work done, the recent rate, the projected finish."""

    def work(session: Session) -> list[schemas.TaskOut]:
        operation = _readable(session, actor, name)
        return [schemas.TaskOut(**asdict(task_status(task))) for task in operation.tasks]

    return audited(ctx, actor, "operation.read", ("operation", name), work)


def _task_change(
    ctx: Context,
    actor: Actor,
    name: str,
    code: str,
    change: Callable[[Session, Operation], object],
    key: str | None,
    fingerprint: str,
) -> JSONResponse:

    def work(session: Session) -> Answer:
        operation = find_operation(session, name)
        require_lead_planner(actor, operation, f"report on tasks of {name}")
        change(session, operation)
        task = next(task for task in operation.tasks if task.code == code)
        return Answer(200, schemas.TaskOut(**asdict(task_status(task))), {})

    target = ("task", f"{name}/{code}")
    return perform(ctx, actor, "task.change", target, work, key, fingerprint)


@router.post("/{name}/tasks/{code}/progress", response_model=schemas.TaskOut, responses=WRITE)
def progress(
    name: Name,
    code: TaskCode,
    report: schemas.ProgressInput,
    ctx: Context,
    actor: CurrentActor,
    fingerprint: Fingerprint,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Report work done on a task up to a day (planner). Reports add up by day, a second one
    for the same day replaces the first, so no `If-Match` is asked."""

    def change(session: Session, operation: Operation) -> object:
        return report_progress(
            session,
            ctx.audit_key,
            operation,
            code,
            report.on,
            report.done,
            report.note,
            actor.username,
        )

    return _task_change(ctx, actor, name, code, change, idempotency_key, fingerprint)


@router.post("/{name}/tasks/{code}/done", response_model=schemas.TaskOut, responses=WRITE)
def done(
    name: Name,
    code: TaskCode,
    finished: schemas.DoneInput,
    ctx: Context,
    actor: CurrentActor,
    fingerprint: Fingerprint,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Mark a task done (planner): its requirement ends that day."""

    def change(session: Session, operation: Operation) -> object:
        return mark_done(session, ctx.audit_key, operation, code, finished.on, actor.username)

    return _task_change(ctx, actor, name, code, change, idempotency_key, fingerprint)


def _summary(session: Session, plan: PlanRecord) -> dict[str, object]:
    based_on = session.get(PlanRecord, plan.based_on_id) if plan.based_on_id else None
    return {
        "number": plan.number,
        "status": plan.status,
        "solver_status": plan.solver_status,
        "shortfall_person_days": plan.shortfall_person_days,
        "created_by": plan.created_by,
        "created_at": plan.created_at,
        "based_on": based_on.number if based_on else None,
    }


@router.get("/{name}/plans", response_model=list[schemas.PlanSummary], responses=READ)
def plans(
    name: Name,
    ctx: Context,
    actor: CurrentActor,
    query: Annotated[RowQuery, Depends(row_query)],
    status: Annotated[str, Query(max_length=20, description="proposed, adopted, superseded")] = "",
) -> list[schemas.PlanSummary]:
    """The operation's plans, oldest first unless `sort` says otherwise (`-number`: newest
    first; `shortfall_person_days`, `created_by`); `status` filters, `q` searches the status,
    the solver's status and who made it; `limit` and `offset` page, as the page does."""
    wanted = with_filters(query, status=status)

    def work(session: Session) -> list[schemas.PlanSummary]:
        operation = _readable(session, actor, name)
        found = select_rows(plans_of(session, operation), wanted, PLAN_SEARCHED)
        return [schemas.PlanSummary.model_validate(_summary(session, plan)) for plan in found.rows]

    return audited(ctx, actor, "operation.read", ("operation", name), work)


@router.get("/{name}/plans/{number}", response_model=schemas.PlanOut, responses=READ)
def plan(name: Name, number: PlanNumber, ctx: Context, actor: CurrentActor) -> schemas.PlanOut:
    """One plan: its figures and the plan itself."""

    def work(session: Session) -> schemas.PlanOut:
        record = get_plan(session, _readable(session, actor, name), number)
        return schemas.PlanOut.model_validate(
            _summary(session, record) | {"document": record.document}
        )

    return audited(ctx, actor, "operation.read", ("operation", name), work)


@router.post(
    "/{name}/plans",
    status_code=202,
    response_model=JobOut,
    responses=WRITE | problem_responses(429),
)
def run_plan(
    name: Name,
    run: schemas.PlanRunInput,
    request: Request,
    ctx: Context,
    actor: CurrentActor,
    fingerprint: Fingerprint,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Plan the operation as it stands (planner): a job; follow it at `Location`. A re-plan
    keeps to the adopted plan. Refused (429, with `Retry-After`) while the user or the
    operation has as many solves queued or running as fair use allows."""

    def work(session: Session) -> Answer:
        operation = find_operation(session, name)
        require_planner(session, actor, operation, f"plan {name}")
        params = plan_params(operation.name, run.time_limit, seed=run.seed)
        job = ctx.queue.submit(session, ctx.audit_key, PLAN_JOB, params, actor.username)
        return Answer(202, job_out(job), {"Location": f"/api/jobs/{job.id}"})

    target = ("operation", name)
    response = perform(ctx, actor, "plan.run", target, work, idempotency_key, fingerprint)
    ctx.queue.wake()
    return response


@router.post("/{name}/plans/{number}/adopt", response_model=schemas.AdoptOut, responses=WRITE)
def adopt(
    name: Name,
    number: PlanNumber,
    ctx: Context,
    actor: CurrentActor,
    fingerprint: Fingerprint,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Adopt a plan (planner): its actions become dated orders; the plan adopted before is
    superseded. A proposed plan, or a superseded one taken back (adopted again); the plan
    adopted now is refused (409), so a repeat changes nothing. `GET .../adoption` says first
    what it would change."""

    def work(session: Session) -> Answer:
        operation = find_operation(session, name)
        require_adopter(session, actor, operation, number)
        orders = adopt_plan(session, ctx.audit_key, operation, number, actor.username)
        return Answer(200, schemas.AdoptOut(plan=number, orders=len(orders)), {})

    target = ("plan", f"{name}/plan {number}")
    return perform(ctx, actor, "plan.adopt", target, work, idempotency_key, fingerprint)


@router.get("/{name}/requirements", response_model=list[schemas.RequirementOut], responses=READ)
def requirements(name: Name, ctx: Context, actor: CurrentActor) -> list[schemas.RequirementOut]:
    """What the planner must cover, each with its source: imported, a request line as last
    signed, or a task (ending the day it was done)."""

    def work(session: Session) -> list[schemas.RequirementOut]:
        operation = _readable(session, actor, name)
        return [
            schemas.RequirementOut(
                location=item.requirement.location,
                capability=item.requirement.capability,
                personnel=item.requirement.personnel,
                from_=item.requirement.from_,
                to=item.requirement.to,
                source=item.source,
            )
            for item in requirements_in_force(session, operation)
        ]

    return audited(ctx, actor, "operation.read", ("operation", name), work)


def _order_out(session: Session, order: OrderRecord) -> schemas.OrderOut:
    return schemas.OrderOut(
        unit=order.unit,
        kind=order.kind,
        location=order.location,
        on=order.on,
        reason=order.reason,
        status=order.status,
        source=order_source(session, order),
        created_by=order.created_by,
        created_at=order.created_at,
    )


@router.get("/{name}/units/{code}/orders", response_model=list[schemas.OrderOut], responses=READ)
def orders_of_unit(
    name: Name, code: UnitCode, ctx: Context, actor: CurrentActor
) -> list[schemas.OrderOut]:
    """The unit's record: every order it was given, by plan or by hand, in force or not."""

    def work(session: Session) -> list[schemas.OrderOut]:
        operation = _readable(session, actor, name)
        return [_order_out(session, order) for order in unit_orders(session, operation, code)]

    return audited(ctx, actor, "operation.read", ("unit", f"{name}/{code}"), work)


@router.post(
    "/{name}/units/{code}/orders",
    status_code=201,
    response_model=schemas.OrderOut,
    responses=WRITE,
)
def give(
    name: Name,
    code: UnitCode,
    order: schemas.OrderInput,
    ctx: Context,
    actor: CurrentActor,
    fingerprint: Fingerprint,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Order a unit by hand (planner), with a reason: it replaces the unit's earlier hand
    order and binds every later plan. Orders are added, never edited, so no `If-Match`."""

    def work(session: Session) -> Answer:
        operation = find_operation(session, name)
        require_planner(session, actor, operation, f"order units of {name}")
        require_units_of_own(actor, operation, [code], f"order {code}")
        given = give_order(
            session,
            ctx.audit_key,
            operation,
            code,
            order.kind,
            order.on,
            order.reason,
            actor.username,
        )
        return Answer(201, _order_out(session, given), {})

    target = ("unit", f"{name}/{code}")
    return perform(ctx, actor, "order.give", target, work, idempotency_key, fingerprint)


@router.get("/{name}/support", response_model=SupportOut, responses=READ)
def support(
    name: Name,
    ctx: Context,
    actor: CurrentActor,
    query: Annotated[RowQuery, Depends(row_query)],
    on: Annotated[date | None, Query(ge=date(1900, 1, 1), le=date(2200, 12, 31))] = None,
) -> SupportOut:
    """Support received to date per supporting agency, counted from fills: requested,
    approved, filled, on site, released, person-days delivered and their cost. The rows may
    be searched by agency (`q`), sorted and paged; the totals stay those of every agency."""

    def work(session: Session) -> SupportOut:
        return support_selected(support_report(session, _readable(session, actor, name), on), query)

    return audited(ctx, actor, "operation.read", ("operation", name), work)


@router.get("/{name}/strength", response_model=schemas.StrengthOut, responses=READ)
def strength(
    name: Name,
    ctx: Context,
    actor: CurrentActor,
    on: Annotated[date, Query(alias="date", ge=date(1900, 1, 1), le=date(2200, 12, 31))],
    query: Annotated[RowQuery, Depends(row_query)],
    component: Annotated[str, Query(max_length=100)] = "",
    capability: Annotated[str, Query(max_length=100)] = "",
    location: Annotated[str, Query(max_length=100)] = "",
) -> schemas.StrengthOut:
    """Personnel by component, capability and location on a day, on pass, against caps and
    requirements (from the adopted plan, else the force list). The rows may be searched
    (`q`), filtered (`component`, `capability`, `location`), sorted and paged, as the page
    does."""
    wanted = with_filters(query, component=component, capability=capability, location=location)

    def work(session: Session) -> schemas.StrengthOut:
        operation = _readable(session, actor, name)
        document, source = deployments_source(session, operation)
        report = strength_on(snapshot(session, operation.name), document, on, source)
        rows = select_rows(report.rows, wanted, ("component", "capability", "location")).rows
        return schemas.StrengthOut(
            day=report.day,
            source=report.source,
            rows=[schemas.StrengthRowOut(**asdict(row), present=row.present) for row in rows],
            caps=[schemas.CapOut(**asdict(cap)) for cap in report.caps],
            needs=[schemas.NeedOut(**asdict(need), short=need.short) for need in report.needs],
        )

    return audited(ctx, actor, "operation.read", ("operation", name), work)


@router.get(
    "/{name}/plans/{number}/adoption",
    response_model=schemas.AdoptionPreviewOut,
    responses=READ | problem_responses(409),
)
def adoption(
    name: Name, number: PlanNumber, ctx: Context, actor: CurrentActor
) -> schemas.AdoptionPreviewOut:
    """What adopting the plan would change, for whoever may adopt it: the orders that end and
    begin, the units whose holiday passes change, the shortfall against the adopted plan."""

    def work(session: Session) -> schemas.AdoptionPreviewOut:
        operation = _readable(session, actor, name)
        require_adopter(session, actor, operation, number)
        preview = adoption_preview(session, operation, number)
        return schemas.AdoptionPreviewOut(
            plan=preview.plan,
            status=preview.status,
            made_by=preview.made_by,
            adopted=preview.adopted,
            shortfall_person_days=preview.shortfall,
            adopted_shortfall_person_days=preview.adopted_shortfall,
            summary=preview.shortfall_words,
            orders_ending=[schemas.AdoptionOrderOut(**asdict(o)) for o in preview.orders_ending],
            orders_beginning=[
                schemas.AdoptionOrderOut(**asdict(o)) for o in preview.orders_beginning
            ],
            orders_kept=preview.orders_kept,
            passes=[schemas.PassChangeOut(**asdict(change)) for change in preview.passes],
        )

    return audited(ctx, actor, "plan.read", ("plan", f"{name}/plan {number}"), work)
