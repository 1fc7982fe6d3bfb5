"""Planning as the rest of the application uses it: scenario in, plan document out."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import ValidationError

from mobilize.core.errors import InvalidPlan
from mobilize.planning.assemble import assemble_plan
from mobilize.planning.instance import Stay, build_instance
from mobilize.planning.schemas import DeploymentDocument, PlanDocument
from mobilize.planning.solve import ProgressListener, SolverConfig, solve_cp_sat, solve_greedy
from mobilize.scenario.schemas import Scenario

SolverName = Literal["cp-sat", "greedy"]


@dataclass(frozen=True)
class PlanRequest:
    solver: SolverName = "cp-sat"
    config: SolverConfig = field(default_factory=SolverConfig)
    # A re-plan: the adopted plan to depart from as little as the data allows.
    adopted: PlanDocument | None = None


def make_plan(
    scenario: Scenario, request: PlanRequest, listener: ProgressListener | None = None
) -> PlanDocument:
    instance = build_instance(scenario, stays_of(request.adopted, scenario))
    if request.solver == "greedy":
        deployments, solver = solve_greedy(instance)
    else:
        deployments, solver = solve_cp_sat(instance, request.config, listener)
    return assemble_plan(instance, deployments, solver)


def read_plan(path: Path, scenario_name: str | None = None) -> PlanDocument:
    """A plan as JSON (the contract) or as CSV from a spreadsheet (`unit, location, from, to`
    columns, one row per deployment, as `plan --format csv` writes); `InvalidPlan` says what
    is wrong and where. A CSV plan names no scenario: it is taken to be for `scenario_name`."""
    try:
        raw = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        raise InvalidPlan(f"{path}: no such file") from None
    if path.suffix.lower() == ".csv":
        return _plan_from_csv(path, raw, scenario_name or "")
    try:
        return PlanDocument.model_validate_json(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in e['loc']) or 'plan'}: {e['msg']}"
            for e in error.errors()[:10]
        )
        raise InvalidPlan(f"{path}: not a plan ({problems})") from None


_CSV_COLUMNS = ("unit", "location", "from", "to")


def _plan_from_csv(path: Path, raw: bytes, scenario_name: str) -> PlanDocument:
    try:
        rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    except (UnicodeDecodeError, csv.Error) as error:
        raise InvalidPlan(f"{path}: not a CSV file ({error})") from None
    header = rows[0].keys() if rows else []
    missing = [column for column in _CSV_COLUMNS if column not in header]
    if missing:
        raise InvalidPlan(
            f"{path}: missing column(s) {', '.join(missing)}; needs {', '.join(_CSV_COLUMNS)}"
        )
    deployments = []
    problems = []
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        if not (row["from"] or "").strip() and not (row["to"] or "").strip():
            continue  # a unit the plan withdraws on start: no deployment
        try:
            deployments.append(DeploymentDocument.model_validate({k: row[k] for k in _CSV_COLUMNS}))
        except ValidationError as error:
            for e in error.errors():
                problems.append(
                    f"{path}:{number}: {'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                )
    if problems:
        raise InvalidPlan("\n".join(problems))
    return PlanDocument(scenario=scenario_name, deployments=deployments)


def stays_of(adopted: PlanDocument | None, scenario: Scenario) -> tuple[Stay, ...]:
    """The adopted plan's deployments in day numbers, clipped to the scenario's horizon."""
    if adopted is None:
        return ()
    last = (scenario.end - scenario.start).days
    stays = []
    for deployment in adopted.deployments:
        first = max(0, (deployment.from_ - scenario.start).days)
        until = min(last, (deployment.to - scenario.start).days)
        if first <= until:
            stays.append(Stay(deployment.unit, deployment.location, first, until))
    return tuple(stays)
