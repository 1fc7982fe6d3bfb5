"""CLI commands for an operation's record: the force list as a spreadsheet, tasks and their
progress. Registered on the main `mobilize` command."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from mobilize.cli_support import open_engine, signing_key, stderr, stdout
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
from mobilize.operations.service import get_operation
from mobilize.operations.tasks import (
    TaskStatus,
    mark_done,
    report_progress,
    set_work,
    task_status,
)

OperationOption = Annotated[str | None, typer.Option(help="Operation name (if several).")]
tasks_app = typer.Typer(help="Tasks and their progress.", no_args_is_help=True)
BAR_WIDTH = 20


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a date (YYYY-MM-DD)", param_hint=option
        ) from None


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
    day = _day(on, "--on")
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
    day = _day(on, "--on")
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


def register(app: typer.Typer) -> None:
    app.add_typer(forcelist_app, name="forcelist")
    app.add_typer(tasks_app, name="tasks")
