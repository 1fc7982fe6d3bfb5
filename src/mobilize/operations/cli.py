"""CLI commands for an operation's record: the force list as a spreadsheet, tasks and their
progress. Registered on the main `mobilize` command."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from mobilize.cli_support import open_engine, parse_date, signing_key, stderr, stdout
from mobilize.core.db import session_scope
from mobilize.core.errors import InvalidInput
from mobilize.operations.forcelist import (
    force_list_csv,
    force_list_xlsx,
    parse_force_list,
    read_csv,
    read_xlsx,
)
from mobilize.operations.forces import current_force_list, replace_force_list
from mobilize.operations.orders import give_order, order_source, orders_in_force, unit_orders
from mobilize.operations.plans import (
    adopt_plan,
    compare_plans,
    deployments_source,
    get_plan,
    plan_document,
    plans_of,
    snapshot,
)
from mobilize.operations.requirements import requirements_in_force
from mobilize.operations.service import get_operation
from mobilize.operations.tasks import (
    TaskStatus,
    mark_done,
    report_progress,
    set_work,
    task_status,
)
from mobilize.planning.render import render_plan
from mobilize.reports.render import render_strength
from mobilize.reports.strength import days_between, strength_csv, strength_on
from mobilize.requests.cli import register as register_request_commands
from mobilize.scenario.schemas import Scenario

OperationOption = Annotated[str | None, typer.Option(help="Operation name (if several).")]
tasks_app = typer.Typer(help="Tasks and their progress.", no_args_is_help=True)
BAR_WIDTH = 20


@tasks_app.command("list")
def tasks_list(operation: OperationOption = None) -> None:
    """Each task: work done with a bar, the recent rate, and the projected completion."""
    with session_scope(open_engine()) as session:
        found = get_operation(session, operation)
        statuses = [task_status(task) for task in found.tasks]
    table = Table("task", "at", "need", "done", "progress", "rate/day", "finish", "planned")
    table.title = found.name
    for status in statuses:
        table.add_row(
            status.code,
            status.location,
            f"{status.personnel} {status.capability}",
            _done(status),
            _bar(status.share_done),
            f"{status.rate_per_day:.2f}" if status.rate_per_day else "",
            _finish(status),
            str(status.planned_until or ""),
        )
    stdout.print(table)


def _done(status: TaskStatus) -> str:
    if status.work_total is None:
        return "-"
    return f"{status.done:g} of {status.work_total:g} {status.work_unit or ''}".rstrip()


def _bar(share: float | None) -> str:
    if share is None:
        return ""
    filled = round(share * BAR_WIDTH)
    return "#" * filled + "." * (BAR_WIDTH - filled) + f" {share:.0%}"


def _finish(status: TaskStatus) -> str:
    if status.done_on:
        return f"done {status.done_on}"
    return f"~{status.projected_on}" if status.projected_on else ""


@tasks_app.command("work")
def tasks_work(
    task: str,
    total: Annotated[float, typer.Option(help="How much work the task is, e.g. 22.")],
    unit: Annotated[str, typer.Option(help="Its measure, e.g. miles.")],
    operation: OperationOption = None,
) -> None:
    """Set how much work a task is."""
    with session_scope(open_engine()) as session:
        set_work(session, signing_key(), get_operation(session, operation), task, total, unit)
    stderr.print(f"{task}: {total:g} {unit}")


@tasks_app.command("progress")
def tasks_progress(
    task: str,
    on: Annotated[str, typer.Option(help="The day (YYYY-MM-DD).")],
    done: Annotated[float, typer.Option(help="Work done up to that day, in all.")],
    note: Annotated[str, typer.Option(help="A remark.")] = "",
    operation: OperationOption = None,
) -> None:
    """Report the work done on a task up to a day."""
    day = parse_date(on, "--on")
    with session_scope(open_engine()) as session:
        found = get_operation(session, operation)
        status = task_status(report_progress(session, signing_key(), found, task, day, done, note))
    projected = f"; projected to finish {status.projected_on}" if status.projected_on else ""
    stderr.print(f"{task}: {_done(status)}{projected}")


@tasks_app.command("done")
def tasks_done(
    task: str,
    on: Annotated[str, typer.Option(help="The day the work was finished.")],
    operation: OperationOption = None,
) -> None:
    """Mark a task done: its requirement ends that day, and a re-plan can send its units home."""
    day = parse_date(on, "--on")
    with session_scope(open_engine()) as session:
        mark_done(session, signing_key(), get_operation(session, operation), task, day)
    stderr.print(f"{task}: done on {day}; its requirement ends that day")


forcelist_app = typer.Typer(help="An operation's force list as CSV or XLSX.", no_args_is_help=True)
SPREADSHEETS = (".csv", ".xlsx")


@forcelist_app.command("export")
def forcelist_export(
    output: Annotated[Path, typer.Option("--output", "-o", help="FILE.csv or FILE.xlsx.")],
    operation: Annotated[str | None, typer.Option(help="Operation name (if several).")] = None,
) -> None:
    """Write the operation's units, one row each, with the scenario's fields as columns."""
    suffix = output.suffix.lower()
    if suffix not in SPREADSHEETS:
        raise typer.BadParameter(f"{output}: name a .csv or .xlsx file", param_hint="--output")
    with session_scope(open_engine()) as session:
        scenario, _ = current_force_list(session, operation)
    if suffix == ".csv":
        output.write_text(force_list_csv(scenario.units), encoding="utf-8")
    else:
        output.write_bytes(force_list_xlsx(scenario.units))
    stderr.print(f"wrote {len(scenario.units)} units to {output}")


@forcelist_app.command("import")
def forcelist_import(
    spreadsheet: Annotated[Path, typer.Argument(help="FILE.csv or FILE.xlsx.")],
    operation: Annotated[str | None, typer.Option(help="Operation name (if several).")] = None,
) -> None:
    """Make the operation's units those of the file: all rows or, on any problem, none."""
    suffix = spreadsheet.suffix.lower()
    if suffix not in SPREADSHEETS or not spreadsheet.is_file():
        raise InvalidInput(f"{spreadsheet}: give an existing .csv or .xlsx file")
    source = spreadsheet.name
    if suffix == ".csv":
        rows = read_csv(spreadsheet.read_text(encoding="utf-8"), source)
    else:
        rows = read_xlsx(spreadsheet.read_bytes(), source)
    with session_scope(open_engine()) as session:
        scenario, found = current_force_list(session, operation)
        units = parse_force_list(rows, scenario, source)
        change = replace_force_list(session, signing_key(), found, units, source)
    stderr.print(
        f"{found.name}: {len(units)} units; added {len(change.added)}, updated "
        f"{len(change.updated)}, removed {len(change.removed)}"
    )


plans_app = typer.Typer(
    help="An operation's plans: list, show, compare, adopt.", no_args_is_help=True
)
report_app = typer.Typer(help="Reports on an operation.", no_args_is_help=True)


@plans_app.command("list")
def plans_list(operation: OperationOption = None) -> None:
    """The operation's plans, newest last, with their status and shortfall."""
    with session_scope(open_engine()) as session:
        found = get_operation(session, operation)
        table = Table("plan", "status", "solver", "shortfall person-days", "made by", "based on")
        table.title = found.name
        by_id = {plan.id: plan.number for plan in plans_of(session, found)}
        for plan in plans_of(session, found):
            table.add_row(
                str(plan.number),
                plan.status,
                plan.solver_status,
                f"{plan.shortfall_person_days:,}",
                plan.created_by,
                str(by_id.get(plan.based_on_id or 0, "")),
            )
    stdout.print(table)


@plans_app.command("show")
def plans_show(number: int, operation: OperationOption = None) -> None:
    """One stored plan as a staff officer reads it."""
    with session_scope(open_engine()) as session:
        record = get_plan(session, get_operation(session, operation), number)
        document, inputs = plan_document(record), Scenario.model_validate(record.scenario)
    stdout.print(render_plan(document, inputs))


@plans_app.command("compare")
def plans_compare(first: int, second: int, operation: OperationOption = None) -> None:
    """What changes from one plan to another: units, dates, metrics."""
    with session_scope(open_engine()) as session:
        found = get_operation(session, operation)
        before = plan_document(get_plan(session, found, first))
        after = plan_document(get_plan(session, found, second))
    difference = compare_plans(before, after)
    table = Table("unit", f"plan {first}", f"plan {second}")
    table.title = f"{len(difference.units_changed)} of {difference.units} units change"
    for unit, (old, new) in difference.units_changed.items():
        table.add_row(unit, "\n".join(old) or "-", "\n".join(new) or "-")
    metrics = Table("metric", f"plan {first}", f"plan {second}")
    for name, (old_value, new_value) in difference.metrics.items():
        metrics.add_row(name.replace("_", " "), f"{old_value:,}", f"{new_value:,}")
    stdout.print(table)
    stdout.print(metrics)


@plans_app.command("adopt")
def plans_adopt(number: int, operation: OperationOption = None) -> None:
    """Adopt a plan: its actions become dated orders; the plan adopted before is superseded."""
    with session_scope(open_engine()) as session:
        orders = adopt_plan(session, signing_key(), get_operation(session, operation), number)
    stderr.print(f"plan {number} adopted: {len(orders)} orders")


orders_app = typer.Typer(help="Orders on units, by plan or by hand.", no_args_is_help=True)


@orders_app.command("give")
def orders_give(
    unit: str,
    reason: Annotated[str, typer.Option(help="Why: the order's reason, kept with it.")],
    withdraw_on: Annotated[str | None, typer.Option(help="The day the unit leaves.")] = None,
    extend_to: Annotated[str | None, typer.Option(help="The last day it may stay.")] = None,
    operation: OperationOption = None,
) -> None:
    """Order a unit by hand: withdraw it on a day, or extend it to a day. It replaces the
    unit's earlier hand order, and every later plan obeys it."""
    if (withdraw_on is None) == (extend_to is None):
        raise InvalidInput("give one of --withdraw-on or --extend-to")
    kind, day = (
        ("withdraw", parse_date(withdraw_on, "--withdraw-on"))
        if withdraw_on is not None
        else ("extend", parse_date(extend_to or "", "--extend-to"))
    )
    with session_scope(open_engine()) as session:
        found = get_operation(session, operation)
        give_order(session, signing_key(), found, unit, kind, day, reason)
    stderr.print(f"{unit}: {kind} {day} ordered by hand; the next plan obeys it")


@orders_app.command("list")
def orders_list(
    unit: Annotated[str | None, typer.Option(help="One unit's whole record.")] = None,
    operation: OperationOption = None,
) -> None:
    """The orders in force by date, or one unit's every order (in force or superseded)."""
    with session_scope(open_engine()) as session:
        found = get_operation(session, operation)
        orders = unit_orders(session, found, unit) if unit else orders_in_force(session, found)
        table = Table("date", "unit", "order", "at", "by", "status", "reason")
        table.title = f"{found.name}: {unit}" if unit else f"{found.name}: orders in force"
        for order in orders:
            source = order_source(session, order)
            table.add_row(
                str(order.on),
                order.unit,
                order.kind,
                order.location,
                source,
                order.status,
                order.reason,
            )
    stdout.print(table)


requirements_app = typer.Typer(help="What the planner must cover.", no_args_is_help=True)


@requirements_app.command("list")
def requirements_list(operation: OperationOption = None) -> None:
    """Each requirement with its source: imported, a request line as signed, or a task."""
    with session_scope(open_engine()) as session:
        found = get_operation(session, operation)
        listed = requirements_in_force(session, found)
        table = Table("at", "capability", "personnel", "from", "to", "source")
        table.title = found.name
        for item in listed:
            need = item.requirement
            first, last = need.from_ or found.start, need.to or found.end
            table.add_row(
                need.location,
                need.capability,
                f"{need.personnel:,}",
                str(first),
                str(last),
                item.source,
            )
    stdout.print(table)


@report_app.command("strength")
def report_strength(
    on: Annotated[str, typer.Option("--date", help="The day (YYYY-MM-DD).")],
    to: Annotated[str | None, typer.Option(help="Last day of a range (CSV).")] = None,
    file_format: Annotated[str, typer.Option("--format", "-f", help="table or csv.")] = "table",
    operation: OperationOption = None,
) -> None:
    """Personnel deployed by component, capability and location, on pass, against caps and
    requirements, from the adopted plan (or the force list when none is adopted)."""
    first = parse_date(on, "--date")
    last = parse_date(to, "--to") if to else first
    with session_scope(open_engine()) as session:
        found = get_operation(session, operation)
        scenario = snapshot(session, found.name)
        document, source = deployments_source(session, found)
    reports = [strength_on(scenario, document, day, source) for day in days_between(first, last)]
    if file_format == "csv":
        sys.stdout.write(strength_csv(reports))
        return
    for report in reports:
        stdout.print(render_strength(report))


def register(app: typer.Typer) -> None:
    register_request_commands(app, report_app)
    app.add_typer(forcelist_app, name="forcelist")
    app.add_typer(tasks_app, name="tasks")
    app.add_typer(plans_app, name="plans")
    app.add_typer(report_app, name="report")
    app.add_typer(orders_app, name="orders")
    app.add_typer(requirements_app, name="requirements")
