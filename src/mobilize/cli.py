"""The `mobilize` command line: the CLI edge of the service layer.

Every command opens at most one transaction and turns `MobilizeError` into red lines on
stderr and an exit code (2 for bad input), never a traceback.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console, Group, RenderableType
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from mobilize.admin_cli import register as register_admin_commands
from mobilize.agencies.service import ensure_agency
from mobilize.api.housekeeping import purge_expired
from mobilize.auth.failures import fold_failures
from mobilize.cli_support import open_engine, parse_date, signing_key
from mobilize.core.db import make_engine, session_scope
from mobilize.core.errors import InvalidScenario, MobilizeError, NotFound
from mobilize.core.migrate import current_revision, ensure_schema, head_revision, upgrade
from mobilize.core.settings import load_settings
from mobilize.inbox.cli import register as register_notification_commands
from mobilize.jobs.cli import register as register_job_commands
from mobilize.operations import service as operations
from mobilize.operations.cli import register as register_operation_commands
from mobilize.operations.lead import lead_agency
from mobilize.operations.plan_run import plan_operation, store_as_next_plan
from mobilize.passes.render import passes_csv, passes_ics, render_passes
from mobilize.passes.service import PassRequest, plan_passes, with_passes
from mobilize.planning.progress import SolveProgress
from mobilize.planning.render import plan_csv, render_plan, unit_story
from mobilize.planning.schemas import PlanDocument
from mobilize.planning.service import PlanRequest, make_plan, read_plan
from mobilize.planning.solve import SolverConfig
from mobilize.planning.verify import verify_plan
from mobilize.scenario.generator import DEFAULT_START, GeneratorSettings, generate_scenario
from mobilize.scenario.loader import load_scenario
from mobilize.scenario.render import render_summary
from mobilize.scenario.schemas import Scenario
from mobilize.scenario.summary import summarize
from mobilize.scenario.writer import ScenarioFormat, dump_scenario
from mobilize.tradeoff_cli import register as register_tradeoff_command

app = typer.Typer(
    name="mobilize",
    help="Interagency support requests and deployment planning.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="The database: schema version and upgrades.", no_args_is_help=True)
app.add_typer(db_app, name="db")
register_admin_commands(app)
register_operation_commands(app)
register_tradeoff_command(app)
register_job_commands(app)
register_notification_commands(app)

stdout = Console(highlight=False)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)

ScenarioPath = Annotated[
    Path, typer.Argument(help="Scenario file, YAML or JSON.", show_default=False)
]
OutputPath = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
]
FormatOption = Annotated[
    str | None,
    typer.Option(
        "--format", "-f", help="yaml or json [default: from the output's suffix, else yaml]"
    ),
]


@app.command()
def validate(scenario: ScenarioPath) -> None:
    """Check a scenario file and print its summary; every problem is listed, one per line."""
    stdout.print(render_summary(summarize(load_scenario(scenario))))


@app.command()
def generate(
    units: Annotated[int, typer.Option(min=1, help="Number of units.")] = 200,
    locations: Annotated[int, typer.Option(min=1, help="Number of locations.")] = 9,
    days: Annotated[int, typer.Option(min=1, help="Days in the planning horizon.")] = 67,
    seed: Annotated[int, typer.Option(help="Same seed, same scenario.")] = 0,
    start: Annotated[str, typer.Option(help="First planning day.")] = DEFAULT_START.isoformat(),
    file_format: FormatOption = None,
    output: OutputPath = None,
) -> None:
    """Write a valid, realistic scenario of any size (for tests and benchmarks)."""
    _check_output(output)
    settings = GeneratorSettings(
        units=units, locations=locations, days=days, seed=seed, start=parse_date(start, "--start")
    )
    _write(dump_scenario(generate_scenario(settings), _format(file_format, output)), output)


@app.command("import")
def import_(
    scenario: ScenarioPath,
    replace: Annotated[bool, typer.Option(help="Overwrite an operation of the same name.")] = False,
    lead: Annotated[
        str | None,
        typer.Option(
            help="The lead agency (e.g. DoD); default: the department with the most personnel."
        ),
    ] = None,
) -> None:
    """Store a scenario in the database as an operation."""
    loaded = load_scenario(scenario)
    engine = _engine()
    with session_scope(engine) as session:
        operation = operations.import_scenario(session, loaded, replace, signing_key())
        if lead is not None:
            operation.lead_agency = ensure_agency(session, lead)
        counts = f"{len(operation.units)} units, {len(operation.locations)} locations"
        led = lead_agency(operation)
    stderr.print(f"imported {loaded.name!r}: {counts}; led by {led or 'nobody yet'}")


@app.command()
def export(
    operation: Annotated[
        str | None, typer.Option(help="Operation name; may be left out when only one is stored.")
    ] = None,
    file_format: FormatOption = None,
    output: OutputPath = None,
) -> None:
    """Write a stored operation back out as a scenario file."""
    _check_output(output)
    with session_scope(_engine()) as session:
        scenario = operations.export_scenario(session, operation)
    _write(dump_scenario(scenario, _format(file_format, output)), output)


DEFAULT_WORK = 60.0
WorkOption = Annotated[
    float,
    typer.Option(
        min=1,
        help="Deterministic work units for the whole solve: the same plan whatever the "
        "machine's load (about a second each on 2 cores).",
    ),
]


WorkersOption = Annotated[
    int | None,
    typer.Option(
        min=1,
        help="CP-SAT worker threads [default: 1 repeatable (more run in deterministic "
        "batches), 8 with --time-limit].",
    ),
]


def solver_config(
    time_limit: float | None, work: float, workers: int | None, seed: int
) -> SolverConfig:
    """Repeatable unless a wall-clock `--time-limit` is asked for (then it is the budget)."""
    if time_limit is not None:
        return SolverConfig(
            time_limit=time_limit, repeatable=False, workers=workers or 8, seed=seed
        )
    return SolverConfig(time_limit=work, work=work, repeatable_workers=workers or 1, seed=seed)


PassTimeLimit = Annotated[
    float, typer.Option(min=0.1, help="Seconds for planning passes (when the scenario has them).")
]


@app.command()
def plan(
    scenario: Annotated[
        Path | None,
        typer.Argument(help="Scenario file, YAML or JSON (or --operation).", show_default=False),
    ] = None,
    operation: Annotated[
        str | None,
        typer.Option(help="Plan a stored operation as it stands, and store the plan."),
    ] = None,
    file_format: Annotated[
        str, typer.Option("--format", "-f", help="table, json, csv or ics (the passes).")
    ] = "table",
    output: OutputPath = None,
    time_limit: Annotated[
        float | None,
        typer.Option(
            min=1,
            help="Seconds of wall clock for the whole solve (not repeatable). [default: --work]",
        ),
    ] = None,
    work: WorkOption = DEFAULT_WORK,
    workers: WorkersOption = None,
    seed: Annotated[int, typer.Option(help="Random seed of the solver.")] = 0,
    solver: Annotated[str, typer.Option(help="cp-sat or greedy.")] = "cp-sat",
    passes: Annotated[
        bool, typer.Option(help="Plan holiday passes after the drawdown (scenario's passes).")
    ] = True,
    pass_time_limit: PassTimeLimit = 10.0,
) -> None:
    """Plan which units stay, go home or relieve others, under every cap, with reasons;
    then holiday passes, when the scenario has a passes section. With --operation, the plan
    is made from the stored operation and kept as its next proposed plan."""
    _check_output(output)
    if (scenario is None) == (operation is None):
        raise typer.BadParameter("give a SCENARIO file or --operation NAME (one of them)")
    loaded = load_scenario(scenario) if scenario is not None else None
    chosen = _choice(solver, ("cp-sat", "greedy"), "--solver")
    view = _choice(file_format, ("table", "json", "csv", "ics"), "--format")
    request = PlanRequest(
        solver="greedy" if chosen == "greedy" else "cp-sat",
        config=solver_config(time_limit, work, workers, seed),
    )
    # passes keep their wall-clock planner and its 8 threads unless told otherwise
    pass_workers = workers if workers is not None else PassRequest.workers
    pass_request = PassRequest(chosen, pass_time_limit, pass_workers, seed) if passes else None
    stored_as: int | None = None
    with SolveProgress(stderr) as progress:
        if loaded is None:
            store = store_as_next_plan(signing_key())
            run = plan_operation(
                open_engine(), operation, request, pass_request, store, progress.update
            )
            loaded, document, stored_as = run.scenario, run.document, run.stored
        else:
            document = make_plan(loaded, request, progress.update)
            if pass_request is not None:
                document = with_passes(loaded, document, pass_request, progress.update)
    if stored_as is not None:
        stderr.print(f"stored as plan {stored_as} of {loaded.name} (adopt: mobilize plans adopt)")
    _show_plan(document, loaded, view, output)


@app.command("passes")
def passes_(
    scenario: ScenarioPath,
    plan_file: Annotated[Path, typer.Argument(metavar="PLAN.json", help="The drawdown plan.")],
    file_format: Annotated[
        str, typer.Option("--format", "-f", help="table, json, csv or ics.")
    ] = "table",
    output: OutputPath = None,
    time_limit: PassTimeLimit = 10.0,
    workers: Annotated[int, typer.Option(min=1, help="CP-SAT worker threads.")] = 8,
    seed: Annotated[int, typer.Option(help="Random seed of the solver.")] = 0,
    solver: Annotated[str, typer.Option(help="cp-sat or greedy (first fit).")] = "cp-sat",
) -> None:
    """Plan holiday passes for a plan's units: the most people home, no post below need.

    With --format json the output is the plan with its passes, ready for `mobilize verify`;
    csv and ics list the passes, one row or calendar event per block."""
    _check_output(output)
    loaded = load_scenario(scenario)
    chosen = _choice(solver, ("cp-sat", "greedy"), "--solver")
    view = _choice(file_format, ("table", "json", "csv", "ics"), "--format")
    document = read_plan(plan_file, loaded.name)
    with SolveProgress(stderr) as progress:
        document = plan_passes(
            loaded, document, PassRequest(chosen, time_limit, workers, seed), progress.update
        )
    if view == "table":
        _show(render_passes(document, loaded), output)
    elif view == "csv":
        _write(passes_csv(document, loaded), output)
    else:
        _show_plan(document, loaded, view, output)


def _show_plan(document: PlanDocument, loaded: Scenario, view: str, output: Path | None) -> None:
    if view == "json":
        _write(document.to_json(), output)
    elif view == "csv":
        _write(plan_csv(document, loaded), output)
    elif view == "ics":
        _write(passes_ics(document, loaded), output)
    else:
        table = render_plan(document, loaded)
        if document.pass_planning is not None:
            table = Group(table, render_passes(document, loaded))
        _show(table, output)


def _show(renderable: RenderableType, output: Path | None) -> None:
    if output is not None:
        _write(_as_text(renderable), output)
    else:
        stdout.print(renderable)


@app.command()
def verify(
    scenario: ScenarioPath,
    plan_file: Annotated[
        Path,
        typer.Argument(metavar="PLAN", help="The plan to check: JSON, or CSV from a spreadsheet."),
    ],
) -> None:
    """Check any plan against every hard rule; recompute its shortfalls and metrics."""
    loaded = load_scenario(scenario)
    result = verify_plan(loaded, read_plan(plan_file, loaded.name))
    for violation in result.violations:
        stderr.print(f"{plan_file}: {violation}", style="red", markup=False)
    metrics = result.metrics
    summary = (
        f"shortfall {metrics.shortfall_person_days:,} person-days, excess "
        f"{metrics.excess_person_days:,}, {metrics.moves} moves, "
        f"{metrics.transport_person_km:,} person-km, peak {metrics.peak_personnel:,}"
    )
    if result.violations:
        stderr.print(f"refused: {len(result.violations)} violation(s); {summary}", style="red bold")
        raise typer.Exit(1)
    stdout.print(f"valid: {summary}", soft_wrap=True)


@app.command()
def explain(
    plan_file: Annotated[Path, typer.Argument(metavar="PLAN.json", help="A plan.")],
    unit: Annotated[str, typer.Argument(help="The unit's id.")],
    scenario: Annotated[
        Path | None, typer.Option(help="The scenario, for the unit's details and limits.")
    ] = None,
) -> None:
    """Tell one unit's story in a plan: where, how long, and why each move."""
    document = read_plan(plan_file)
    loaded = load_scenario(scenario) if scenario is not None else None
    known = {d.unit for d in document.deployments} | {a.unit for a in document.actions or []}
    if loaded is not None:
        known |= {u.id for u in loaded.units}
    if unit not in known:
        raise NotFound(f"no unit {unit!r} in {plan_file}")
    for line in unit_story(document, unit, loaded):
        stdout.print(line, markup=False, soft_wrap=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the schema or bring it to the newest revision."""
    engine = make_engine(load_settings().database_url)
    upgrade(engine)
    stderr.print(f"database at revision {current_revision(engine)} ({_safe_url()})")


@db_app.command("current")
def db_current() -> None:
    """Print the schema revision of the database and the newest one this version knows."""
    engine = make_engine(load_settings().database_url)
    stdout.print(f"current: {current_revision(engine) or 'none'}  newest: {head_revision()}")


@db_app.command("purge")
def db_purge() -> None:
    """Fold failed-authentication counts into the audit log and delete what has lapsed:
    expired web sessions, idempotent answers over a day old, lapsed sign-in throttles (the
    server does this on its own every few seconds)."""
    with session_scope(_engine()) as session:
        fold_failures(session, signing_key())
        purged = purge_expired(session)
    stderr.print("purged: " + ", ".join(f"{count} {name}" for name, count in purged.items()))


def _engine() -> Engine:
    engine = make_engine(load_settings().database_url)
    ensure_schema(engine)
    return engine


def _safe_url() -> str:
    return make_url(load_settings().database_url).render_as_string(hide_password=True)


def _format(requested: str | None, output: Path | None) -> ScenarioFormat:
    if requested is None:
        return "json" if output is not None and output.suffix.lower() == ".json" else "yaml"
    if requested == "json":
        return "json"
    if requested == "yaml":
        return "yaml"
    raise typer.BadParameter(f"{requested!r}: use yaml or json", param_hint="--format")


def _choice(value: str, allowed: tuple[str, ...], option: str) -> str:
    if value not in allowed:
        raise typer.BadParameter(f"{value!r}: use {' or '.join(allowed)}", param_hint=option)
    return value


def _as_text(renderable: RenderableType) -> str:
    console = Console(width=160, record=True, file=io.StringIO(), color_system=None)
    console.print(renderable)
    return console.export_text()


def _check_output(output: Path | None) -> None:
    """Refuse an output path that cannot be written before any work is done (and lost)."""
    if output is None:
        return
    folder = output.parent
    if output.is_dir():
        problem = "is a folder; give a file name"
    elif not folder.is_dir():
        problem = f"folder {str(folder)!r} does not exist; create it first"
    elif not os.access(folder, os.W_OK):
        problem = f"folder {str(folder)!r} is not writable"
    else:
        return
    raise typer.BadParameter(f"{str(output)!r}: {problem}", param_hint="--output")


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise MobilizeError(f"could not write {output}: {error.strerror}") from None
    stderr.print(f"wrote {output}")


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; exits with 0, 1 (refused or failed) or 2 (bad input)."""
    try:
        app(args=argv)
    except InvalidScenario as error:
        for problem in error.problems:
            stderr.print(str(problem), style="red", markup=False)
        stderr.print(f"refused: {len(error.problems)} problem(s)", style="red bold")
        sys.exit(error.exit_code)
    except MobilizeError as error:
        stderr.print(f"error: {error.message}", style="red", markup=False)
        sys.exit(error.exit_code)
