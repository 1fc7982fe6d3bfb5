"""Moving plans in and out of a model: hints from a plan given by days, plans from values."""

from __future__ import annotations

from ortools.sat.python import cp_model

from mobilize.planning.evaluate import Deployment, counts_towards
from mobilize.planning.model import DeploymentModel


def all_variables(built: DeploymentModel) -> list[cp_model.IntVar]:
    return [
        *built.present.values(),
        *built.starts.values(),
        *built.at.values(),
        *built.shortfall.values(),
    ]


def hint_values(built: DeploymentModel, values: dict[int, int]) -> None:
    built.model.clear_hints()  # type: ignore[no-untyped-call]
    for var in all_variables(built):
        built.model.add_hint(var, values[var.index])


def hint_deployments(built: DeploymentModel, deployments: tuple[Deployment, ...]) -> dict[int, int]:
    """Hint a plan given by days (the greedy one) on every variable: presence, starts, the
    choice of location and shortfall. A partial hint (presence alone) leaves CP-SAT to
    complete it by search, which on 100 units took longer than the whole shortfall stage."""
    chosen = {d.unit: d for d in deployments}
    values: dict[int, int] = {}
    covered: dict[tuple[str, str, int], int] = {}
    units = built.instance.unit_by_id
    for (unit_id, location, k), var in built.present.items():
        segment, deployment = built.segments[k], chosen.get(unit_id)
        inside = (
            deployment is not None
            and deployment.location == location
            and deployment.first <= segment.first
            and segment.last <= deployment.last
        )
        values[var.index] = int(inside)
        unit = units[unit_id]
        if inside and counts_towards(built.instance, unit):
            cell = (location, unit.capability, k)
            covered[cell] = covered.get(cell, 0) + unit.strength
    for (unit_id, location, k), var in built.starts.items():
        before = built.presence_of[unit_id].get((location, k - 1))
        was_there = before is not None and values[before.index] == 1
        values[var.index] = int(
            values[built.present[(unit_id, location, k)].index] == 1 and not was_there
        )
    for (unit_id, location), var in built.at.items():
        deployment = chosen.get(unit_id)
        values[var.index] = int(
            deployment is not None
            and deployment.location == location
            and any(
                values[v.index]
                for (loc, _), v in built.presence_of[unit_id].items()
                if loc == location
            )
        )
    for cell, var in built.shortfall.items():
        values[var.index] = max(0, built.required[cell] - covered.get(cell, 0))
    hint_values(built, values)
    return values


def extract_deployments(built: DeploymentModel, values: dict[int, int]) -> tuple[Deployment, ...]:
    found = []
    for unit_id, presence in built.presence_of.items():
        chosen = [(loc, k) for (loc, k), var in presence.items() if values[var.index]]
        if not chosen:
            continue
        location = chosen[0][0]
        first = min(built.segments[k].first for _, k in chosen)
        last = max(built.segments[k].last for _, k in chosen)
        found.append(Deployment(unit_id, location, first, last))
    return tuple(sorted(found))
