"""`mobilize tradeoff`: the price of a cap, level by level (`planning.tradeoff`).
Registered on the main `mobilize` command (`mobilize.cli`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from mobilize.cli_support import stderr, stdout
from mobilize.core.errors import MobilizeError
from mobilize.planning.solve import SolverConfig
from mobilize.planning.tradeoff import CapLevel, cap_levels, price_of_cap
from mobilize.planning.tradeoff_render import tradeoff_csv, tradeoff_json, tradeoff_table
from mobilize.scenario.loader import load_scenario
from mobilize.scenario.schemas import Component
from mobilize.scenario.writer import dump_scenario

# Per level: the reference scenario's levels below its cap are searched as whole models
# (the capabilities' plans break the cap there), which a few tens of units prove or nearly.
DEFAULT_LEVEL_WORK = 30.0


def register(app: typer.Typer) -> None:
    app.command("tradeoff")(tradeoff)


def tradeoff(
    scenario: Annotated[Path, typer.Argument(help="Scenario file, YAML or JSON.")],
    caps: Annotated[
        str, typer.Option(help="Cap levels: FIRST:LAST:STEP (e.g. 3000:5000:250) or A,B,C.")
    ],
    component: Annotated[
        str, typer.Option(help="The capped component: active, guard, civilian, or all.")
    ] = "active",
    file_format: Annotated[
        str, typer.Option("--format", "-f", help="table, json or csv.")
    ] = "table",
    plans_dir: Annotated[
        Path | None,
        typer.Option(help="Write each level's plan as DIR/cap-N.json, its scenario as cap-N.yaml."),
    ] = None,
    work: Annotated[
        float, typer.Option(min=1, help="Deterministic work units per level (repeatable).")
    ] = DEFAULT_LEVEL_WORK,
    time_limit: Annotated[
        float | None,
        typer.Option(min=1, help="Seconds of wall clock per level instead (not repeatable)."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="CP-SAT threads per level [default: 1, or 8 with --time-limit]."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed of the solver.")] = 0,
    processes: Annotated[
        int | None, typer.Option(min=1, help="Levels solved at once [default: the cores].")
    ] = None,
) -> None:
    """For each cap level: the plan's shortfall person-days by capability, excess, moves,
    bound and gap. Levels are solved in parallel, warm-started from the level below, and the
    curve is monotone (a level whose search did worse keeps the lower level's plan, and says
    so). Every plan is checked by the independent verifier."""
    view = _choice(file_format, ("table", "json", "csv"), "--format")
    capped = _component(component)
    try:
        levels = cap_levels(caps)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--caps") from None
    loaded = load_scenario(scenario)
    if time_limit is not None:
        config = SolverConfig(
            time_limit=time_limit, repeatable=False, workers=workers or 8, seed=seed
        )
    else:
        config = SolverConfig(
            time_limit=work, work=work, repeatable_workers=workers or 1, seed=seed
        )

    def report(cap: int) -> None:
        stderr.print(f"cap {cap:,}: planned")

    found = price_of_cap(loaded, capped, levels, config, processes, report)
    if plans_dir is not None:
        _write_plans(found, plans_dir)
    if view == "json":
        stdout.out(tradeoff_json(found), end="")
    elif view == "csv":
        stdout.out(tradeoff_csv(found), end="")
    else:
        # a pipe or file gets the whole table, not one cut to 80 columns
        wide = stdout if stdout.is_terminal else Console(width=160, highlight=False)
        wide.print(tradeoff_table(found, component))
    unverified = [level.cap for level in found if not level.verified]
    if unverified:
        raise MobilizeError(f"plans not verified at caps {unverified} (a planner bug: report it)")


def _write_plans(found: list[CapLevel], folder: Path) -> None:
    """Each level's plan and the scenario it was made for, so `mobilize verify` can check it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for level in found:
            (folder / f"cap-{level.cap}.json").write_text(level.plan.to_json(), encoding="utf-8")
            (folder / f"cap-{level.cap}.yaml").write_text(
                dump_scenario(level.scenario), encoding="utf-8"
            )
    except OSError as error:
        raise MobilizeError(f"could not write the plans to {folder}: {error.strerror}") from None
    stderr.print(f"wrote {len(found)} plans to {folder} (cap-N.json, with its scenario cap-N.yaml)")


def _component(text: str) -> Component | None:
    if text == "all":
        return None
    try:
        return Component(text)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r}: use active, guard, civilian or all", param_hint="--component"
        ) from None


def _choice(value: str, allowed: tuple[str, ...], option: str) -> str:
    if value not in allowed:
        raise typer.BadParameter(f"{value!r}: use {' or '.join(allowed)}", param_hint=option)
    return value
