"""Operation pages: the dashboard, plans (run live, read as a timeline, compare, adopt), the
holiday passes, the strength report with its downloads, and the audit trail."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from mobilize.auth.sessions import SignedIn
from mobilize.core.errors import InvalidInput, NotFound
from mobilize.edge.context import ApiContext, Context, audited
from mobilize.edge.rows import row_query, with_filters
from mobilize.jobs import service as jobs
from mobilize.jobs.access import require_may_cancel, require_may_see
from mobilize.jobs.models import JobRecord
from mobilize.jobs.plan_job import PLAN_JOB, plan_params
from mobilize.jobs.plan_view import plan_job_view
from mobilize.jobs.schemas import job_out
from mobilize.operations.access import (
    may_plan,
    require_planner,
    require_reader,
)
from mobilize.operations.models import Operation
from mobilize.operations.plans import (
    compare_plans,
    deployments_source,
    get_plan,
    metric_changes,
    plan_document,
    plans_of,
    snapshot,
)
from mobilize.operations.requirements import SourcedRequirement, requirements_in_force
from mobilize.operations.service import find_operation
from mobilize.operations.tasks import task_status
from mobilize.planning.schemas import PlanDocument
from mobilize.planning.shortfall_ranges import SourcedNeed, shortfall_ranges
from mobilize.reports.rows import PLAN_SEARCHED, RowQuery, select_rows
from mobilize.reports.strength import (
    StrengthRow,
    days_between,
    deployments_of,
    strength_csv,
    strength_on,
    strength_xlsx,
)
from mobilize.requests.fulfilment import (
    fills_at,
    fulfilment,
    support_csv,
    support_report,
    support_selected,
)
from mobilize.requests.queries import list_requests
from mobilize.requests.schemas import FillAt, SupportOut
from mobilize.scenario.schemas import Scenario
from mobilize.web.charts import (
    daily_strength,
    plan_timeline,
    strength_figure,
)
from mobilize.web.context import WEB_ROOT, User, checked, page, posted_form, see_other
from mobilize.web.forms import summary
from mobilize.web.lists import link_maker
from mobilize.web.map import location_map

router = APIRouter(include_in_schema=False)
Name = Annotated[str, Path(pattern=r"^[^\x00/]{1,200}$")]
PlanNumber = Annotated[int, Path(ge=1, le=1_000_000)]
JobId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Day = Annotated[date | None, Query(ge=date(1900, 1, 1), le=date(2200, 12, 31))]
Rows = Annotated[RowQuery, Depends(row_query)]
Picked = Annotated[str, Query(max_length=100)]
STRENGTH_SEARCHED = ("component", "capability", "location")
OPEN = ("submitted", "in_execution")
OPEN_SHOWN = 1_000  # per status: all of them, for any operation the pages serve
REGIONS = json.loads((WEB_ROOT / "regions.json").read_text())


@dataclass(frozen=True)
class Stand:
    """The operation as a page shows it: its inputs now and the plan its figures come from."""

    operation: Operation
    scenario: Scenario
    plan: PlanDocument | None
    source: str


def _stand(session: Session, who: SignedIn, name: str) -> Stand:
    operation = find_operation(session, name)
    require_reader(session, who.actor, operation)
    document, source = deployments_source(session, operation)
    return Stand(operation, snapshot(session, operation.name), document, source)


def _day_in(operation: Operation, day: date | None) -> date:
    """The day asked for, else today, kept inside the operation's dates."""
    wanted = day or date.today()
    return min(max(wanted, operation.start), operation.end)


@router.get("/operations/{name}", response_class=HTMLResponse)
def dashboard(name: Name, request: Request, ctx: Context, who: User, on: Day = None) -> Response:
    """Strength over time with the caps, today's strength on the map, open requests and their
    fulfilment, tasks with progress and projected completion."""

    def work(session: Session) -> dict[str, Any]:
        stand = _stand(session, who, name)
        day = _day_in(stand.operation, on)
        report = strength_on(stand.scenario, stand.plan, day, stand.source)
        requests = [
            (summary, fulfilment(session, who.actor, summary.number))
            for status in OPEN
            for summary in list_requests(
                session, who.actor, status, operation=name, per_page=OPEN_SHOWN
            ).items
        ]
        tasks = [task_status(task) for task in stand.operation.tasks]
        return {"stand": stand, "day": day, "report": report, "requests": requests, "tasks": tasks}

    values = audited(ctx, who.actor, "operation.read", ("operation", name), work)
    stand: Stand = values["stand"]
    strength = daily_strength(stand.scenario, stand.plan)
    at_location: dict[str, int] = {}
    for row in values["report"].rows:
        at_location[row.location] = at_location.get(row.location, 0) + row.present
    by_component: dict[str, int] = {}
    for row in values["report"].rows:
        by_component[row.component] = by_component.get(row.component, 0) + row.deployed
    return page(
        request,
        "dashboard.html",
        who,
        name=name,
        figure=json.dumps(strength_figure(strength, values["day"])).replace("<", "\\u003c"),
        strength=strength,
        sampled=_sampled(strength.days),
        map=location_map(stand.scenario, at_location, _outline(stand.scenario)),
        one_day=timedelta(days=1),
        by_component=by_component,
        **values,
    )


def _sampled(days: list[date]) -> list[int]:
    """The indexes of the days the no-script table lists: each Monday, the first and last."""
    keep = {0, len(days) - 1} | {i for i, day in enumerate(days) if day.weekday() == 0}
    return sorted(keep)


def _outline(scenario: Scenario) -> list[list[tuple[float, float]]]:
    """The shipped outlines whose box holds one of the locations."""
    rings = []
    for region in REGIONS["regions"]:
        south, west, north, east = region["box"]
        if any(south <= p.lat <= north and west <= p.lon <= east for p in scenario.locations):
            rings.extend([[(lat, lon) for lat, lon in line] for line in region["lines"]])
    return rings


@router.get("/operations/{name}/plans", response_class=HTMLResponse)
def plans(
    name: Name, request: Request, ctx: Context, who: User, query: Rows, status: Picked = ""
) -> HTMLResponse:
    """The operation's plans, newest first unless sorted otherwise; filtered by status."""
    return _plans_page(request, ctx, who, name, {}, {}, _plans_query(query, status))


def _plans_query(query: RowQuery, status: str = "") -> RowQuery:
    wanted = with_filters(query, status=status)
    if not wanted.sort:
        wanted = RowQuery(wanted.q, "-number", wanted.filters, min(wanted.limit, 50), wanted.offset)
    return wanted


def _plans_page(
    request: Request,
    ctx: ApiContext,
    who: SignedIn,
    name: str,
    kept: dict[str, str],
    errors: dict[str, str],
    wanted: RowQuery | None = None,
) -> HTMLResponse:
    """The plans, with the forms to run one and compare two; refused, with the problems
    beside their fields and what was chosen or typed kept."""
    wanted = wanted or _plans_query(RowQuery())

    def work(session: Session) -> dict[str, Any]:
        operation = find_operation(session, name)
        require_reader(session, who.actor, operation)
        return {
            "found": select_rows(plans_of(session, operation), wanted, PLAN_SEARCHED),
            "may_plan": may_plan(session, who.actor, operation),
        }

    values = audited(ctx, who.actor, "operation.read", ("operation", name), work)
    status = 422 if errors else 200
    return page(
        request,
        "plans.html",
        who,
        status,
        name=name,
        kept=kept,
        errors=errors,
        error_summary=summary(errors, {}),
        query=wanted,
        link=link_maker(request),
        **values,
    )


@router.post("/operations/{name}/plans", response_model=None)
async def run_plan(
    name: Name, request: Request, ctx: Context, who: User
) -> RedirectResponse | HTMLResponse:
    """Plan the operation as it stands: a job, followed live on its page."""
    form = await posted_form(request)
    checked(ctx, who, form, "plan.run", ("operation", name))
    try:
        limit = _number(form.get("time_limit") or "60", "time limit", 1, 600)
    except InvalidInput as invalid:
        return _plans_page(request, ctx, who, name, form, {"time_limit": invalid.message})

    def work(session: Session) -> int:
        operation = find_operation(session, name)
        require_planner(session, who.actor, operation, f"plan {name}")
        params = plan_params(operation.name, limit)
        return ctx.queue.submit(session, ctx.audit_key, PLAN_JOB, params, who.actor.username).id

    job_id = audited(ctx, who.actor, "plan.run", ("operation", name), work)
    ctx.queue.wake()
    return see_other(f"/jobs/{job_id}")


def _number(text: str, what: str, low: float, high: float) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InvalidInput(f"{what}: a number of seconds, not {text!r}") from None
    if not low <= value <= high:
        raise InvalidInput(f"{what}: between {low:g} and {high:g} seconds")
    return value


def _job(session: Session, who: SignedIn, job_id: int) -> JobRecord:
    job = jobs.get_job(session, job_id)
    require_may_see(session, who.actor, job)
    return job


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(job_id: JobId, request: Request, ctx: Context, who: User) -> HTMLResponse:
    """A plan being made: level, elapsed time, objective, bound and gap, live (the page's
    script asks for them every second; without scripts, the page reloads itself)."""

    def work(session: Session) -> dict[str, Any]:
        job = _job(session, who, job_id)
        operation = find_operation(session, str(job.params.get("operation")))
        return {
            "job": job_out(job),
            "view": plan_job_view(job.status, job.progress, job.result),
            "operation": operation.name,
            "may_plan": may_plan(session, who.actor, operation),
        }

    values = audited(ctx, who.actor, "job.read", ("job", str(job_id)), work)
    return page(request, "job.html", who, **values)


@router.get("/jobs/{job_id}/status")
def job_status(job_id: JobId, ctx: Context, who: User) -> JSONResponse:
    """The live view's figures, for the signed-in user (the JSON API takes tokens)."""

    def work(session: Session) -> dict[str, Any]:
        job = _job(session, who, job_id)
        view = plan_job_view(job.status, job.progress, job.result).as_json()
        return job_out(job).model_dump(mode="json") | {"view": view}

    return JSONResponse(audited(ctx, who.actor, "job.read", ("job", str(job_id)), work))


@router.post("/jobs/{job_id}/cancel")
async def cancel_job(job_id: JobId, request: Request, ctx: Context, who: User) -> Response:
    form = await posted_form(request)
    checked(ctx, who, form, "job.cancel", ("job", str(job_id)))

    def work(session: Session) -> None:
        require_may_cancel(session, who.actor, _job(session, who, job_id))
        ctx.queue.cancel(session, ctx.audit_key, job_id, who.actor.username)

    audited(ctx, who.actor, "job.cancel", ("job", str(job_id)), work)
    return see_other(f"/jobs/{job_id}")


@router.get("/operations/{name}/plans/compare", response_class=HTMLResponse)
def compare(
    name: Name,
    request: Request,
    ctx: Context,
    who: User,
    first: Annotated[int | None, Query(ge=1)] = None,
    second: Annotated[int | None, Query(ge=1)] = None,
) -> HTMLResponse:
    """Two plans side by side; with one or none chosen, the plans page again, saying so."""
    if first is None or second is None:
        chosen = {k: str(v) for k, v in (("first", first), ("second", second)) if v}
        missing = "Choose a plan in each column: the first and the second to compare"
        return _plans_page(request, ctx, who, name, chosen, {"compare-problem": missing})

    def work(session: Session) -> dict[str, Any]:
        operation = find_operation(session, name)
        require_reader(session, who.actor, operation)
        records = get_plan(session, operation, first), get_plan(session, operation, second)
        difference = compare_plans(plan_document(records[0]), plan_document(records[1]))
        return {
            "difference": difference,
            "metrics": metric_changes(difference),
            "records": records,
            "may_plan": may_plan(session, who.actor, operation),
        }

    values = audited(ctx, who.actor, "operation.read", ("operation", name), work)
    return page(request, "compare.html", who, name=name, first=first, second=second, **values)


@router.get("/operations/{name}/plans/{number}", response_class=HTMLResponse)
def plan_page(
    name: Name, number: PlanNumber, request: Request, ctx: Context, who: User
) -> HTMLResponse:
    """The plan as a timeline (a bar per unit, coloured by capability, each action marked
    with its reason on hover) and as a table; adopt it."""

    def work(session: Session) -> dict[str, Any]:
        operation = find_operation(session, name)
        require_reader(session, who.actor, operation)
        record = get_plan(session, operation, number)
        others = [plan.number for plan in plans_of(session, operation) if plan.number != number]
        return {
            "record": record,
            "others": others,
            "may_plan": may_plan(session, who.actor, operation),
            "needs": [_sourced(item) for item in requirements_in_force(session, operation)],
        }

    values = audited(ctx, who.actor, "operation.read", ("operation", name), work)
    record = values["record"]
    document = plan_document(record)
    scenario = Scenario.model_validate(record.scenario)
    return page(
        request,
        "plan.html",
        who,
        name=name,
        document=document,
        timeline=plan_timeline(scenario, document),
        short=shortfall_ranges(scenario, document, values.pop("needs")),
        **values,
    )


def _sourced(item: SourcedRequirement) -> SourcedNeed:
    need = item.requirement
    first, last = need.from_ or date.min, need.to or date.max
    return SourcedNeed(
        need.location, need.capability, first, last, item.source, need.personnel, item.filled
    )


@router.get("/operations/{name}/passes", response_class=HTMLResponse)
def passes(name: Name, request: Request, ctx: Context, who: User) -> HTMLResponse:
    """The adopted plan's holiday passes: a calendar of blocks away per unit, and per day the
    personnel away and the coverage of the units' needs."""

    def work(session: Session) -> Stand:
        return _stand(session, who, name)

    stand = audited(ctx, who.actor, "operation.read", ("operation", name), work)
    window = stand.scenario.passes
    days = days_between(window.from_, window.to) if window else []
    granted = list(stand.plan.passes or []) if stand.plan else []
    units = sorted({item.unit for item in granted})
    away = {
        (item.unit, day): item.personnel
        for item in granted
        for day in days_between(item.from_, item.to)
    }
    reports = {day: strength_on(stand.scenario, stand.plan, day) for day in days}
    return page(
        request,
        "passes.html",
        who,
        name=name,
        stand=stand,
        days=days,
        units=units,
        away=away,
        reports=reports,
        withheld=_withheld(stand.plan),
    )


def _withheld(plan: PlanDocument | None) -> list[Any]:
    if plan is None or plan.pass_planning is None:
        return []
    return list(plan.pass_planning.withheld)


@router.get("/operations/{name}/strength", response_class=HTMLResponse)
def strength(
    name: Name,
    request: Request,
    ctx: Context,
    who: User,
    query: Rows,
    on: Day = None,
    component: Picked = "",
    capability: Picked = "",
    location: Picked = "",
) -> Response:
    """The strength report of a day: its rows searched, filtered and sorted as the API's."""

    def work(session: Session) -> tuple[Stand, list[FillAt]]:
        stand = _stand(session, who, name)
        return stand, fills_at(session, stand.operation, location) if location else []

    stand, fills = audited(ctx, who.actor, "operation.read", ("operation", name), work)
    day = _day_in(stand.operation, on)
    report = strength_on(stand.scenario, stand.plan, day, stand.source)
    wanted = with_filters(query, component=component, capability=capability, location=location)
    return page(
        request,
        "strength.html",
        who,
        name=name,
        day=day,
        report=report,
        stand=stand,
        query=wanted,
        rows=select_rows(report.rows, wanted, STRENGTH_SEARCHED),
        needs=select_rows(report.needs, _needs_query(wanted), ("location", "capability")),
        choices=_choices(report.rows),
        link=link_maker(request),
        place=_place(stand, location, day) if location else None,
        fills=fills,
    )


@dataclass(frozen=True)
class Place:
    """A place on a day, as the map's link shows it: its name and the units there."""

    code: str
    name: str
    units: list[tuple[str, str, str, int]]  # unit, capability, component, strength


def _place(stand: Stand, code: str, day: date) -> Place:
    names = {location.id: location.name for location in stand.scenario.locations}
    units = {unit.id: unit for unit in stand.scenario.units}
    there = sorted(
        (
            stay.unit,
            units[stay.unit].capability,
            units[stay.unit].component.value,
            units[stay.unit].strength,
        )
        for stay in deployments_of(stand.scenario, stand.plan)
        if stay.location == code and stay.from_ <= day <= stay.to and stay.unit in units
    )
    return Place(code, names.get(code, code), there)


def _needs_query(wanted: RowQuery) -> RowQuery:
    """The requirements under the same search and filters, shortest-covered first."""
    sort = wanted.sort if wanted.sort in ("location", "capability", "-location") else "-short"
    filters = {k: v for k, v in wanted.filters.items() if k in ("location", "capability")}
    return RowQuery(wanted.q, sort, filters)


def _choices(rows: list[StrengthRow]) -> dict[str, list[str]]:
    """The values each filter may take, from the report itself."""
    return {
        column: sorted({getattr(row, column) for row in rows})
        for column in ("component", "capability", "location")
    }


@router.get("/operations/{name}/strength.{kind}")
def strength_download(
    name: Name,
    kind: str,
    ctx: Context,
    who: User,
    on: Day = None,
    to: Day = None,
    table: Annotated[str, Query(pattern="^(strength|caps|shortfalls)$")] = "strength",
) -> Response:
    """The report of a day, or of a range of days, as CSV (`table`: the strength, the caps
    with their headroom, or the shortfalls) or XLSX (a sheet each)."""
    if kind not in ("csv", "xlsx"):
        raise NotFound(f"the strength report comes as .csv or .xlsx, not .{kind}")

    def work(session: Session) -> Stand:
        return _stand(session, who, name)

    stand = audited(ctx, who.actor, "operation.read", ("operation", name), work)
    first = _day_in(stand.operation, on if on or not to else stand.operation.start)
    last = _day_in(stand.operation, to) if to else first
    if last < first or (last - first) > timedelta(days=366):
        raise InvalidInput(f"from {first} to {last}: a range of at most a year, in order")
    reports = [
        strength_on(stand.scenario, stand.plan, day, stand.source)
        for day in days_between(first, last)
    ]
    part = "" if table == "strength" or kind == "xlsx" else f"-{table}"
    filename = f"strength{part}-{first}" + (f"-to-{last}" if last != first else "")
    disposition = {"Content-Disposition": f'attachment; filename="{filename}.{kind}"'}
    if kind == "csv":
        text = strength_csv(reports, table)
        return Response(text, media_type="text/csv", headers=disposition)
    return Response(
        strength_xlsx(reports),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers=disposition,
    )


@router.get("/operations/{name}/support", response_class=HTMLResponse)
def support(
    name: Name, request: Request, ctx: Context, who: User, query: Rows, on: Day = None
) -> Response:
    """Support received to date per supporting agency, counted from fills; searched and
    sorted as the API's."""

    def work(session: Session) -> tuple[Operation, SupportOut]:
        operation = find_operation(session, name)
        require_reader(session, who.actor, operation)
        return operation, support_selected(support_report(session, operation, on), query)

    operation, report = audited(ctx, who.actor, "operation.read", ("operation", name), work)
    return page(
        request,
        "support.html",
        who,
        name=name,
        report=report,
        operation=operation,
        query=query,
        link=link_maker(request),
    )


@router.get("/operations/{name}/support.csv")
def support_download(name: Name, ctx: Context, who: User, on: Day = None) -> Response:
    def work(session: Session) -> SupportOut:
        operation = find_operation(session, name)
        require_reader(session, who.actor, operation)
        return support_report(session, operation, on)

    report = audited(ctx, who.actor, "operation.read", ("operation", name), work)
    disposition = {"Content-Disposition": f'attachment; filename="support-{report.on}.csv"'}
    return Response(support_csv(report), media_type="text/csv", headers=disposition)
