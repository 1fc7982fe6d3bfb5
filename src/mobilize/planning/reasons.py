"""Why each action: the binding facts, read off the solved plan.

Each finder checks one kind of fact against the plan's own coverage and the instance's data
(a maximum reached, a need that ended, a cap that would be broken and by how many, a relief, a
shortfall closed) and returns a sentence when that fact holds. An action's reason is every
sentence that holds, so a staff officer can check each one against the figures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mobilize.planning.evaluate import ActionKind, Coverage, Deployment, Move
from mobilize.planning.instance import Need, PlanningInstance, PlanningUnit


@dataclass(frozen=True)
class PlanFacts:
    """What the reason finders read: the instance, the plan and its coverage."""

    instance: PlanningInstance
    deployments: dict[str, Deployment]
    moves: tuple[Move, ...]
    covered: Coverage
    present_by_component: dict[str, list[int]]

    def covered_on(self, location: str, capability: str, day: int) -> int:
        row = self.covered.get((location, capability))
        return row[day] if row is not None and 0 <= day < len(row) else 0


def explain_moves(facts: PlanFacts) -> dict[Move, str]:
    return {move: _reason(facts, move) for move in facts.moves}


def _reason(facts: PlanFacts, move: Move) -> str:
    unit = facts.instance.unit_by_id[move.unit]
    finders = _WITHDRAW_FINDERS if move.kind is ActionKind.WITHDRAW else _DEPLOY_FINDERS
    sentences = [sentence for finder in finders if (sentence := finder(facts, move, unit))]
    return "; ".join(sentences) if sentences else _fallback(facts, move, unit)


def _date(facts: PlanFacts, day: int) -> str:
    return facts.instance.date_of(day).isoformat()


def _days_served(facts: PlanFacts, unit: PlanningUnit) -> int:
    """Days deployed by the end of its deployment in the plan, days before start included."""
    deployment = facts.deployments.get(unit.id)
    return unit.days_before_start + (deployment.days if deployment else 0)


def _needs_here(facts: PlanFacts, move: Move, unit: PlanningUnit, first: bool) -> list[Need]:
    """The needs of the unit's capability at the move's place that start (`first`) on the
    move's day, or whose last day was the day before."""
    return [
        need
        for need in facts.instance.needs
        if need.location == move.location
        and need.capability == unit.capability
        and (need.first == move.day if first else need.last == move.day - 1)
    ]


def _reaches_maximum(facts: PlanFacts, move: Move, unit: PlanningUnit) -> str | None:
    deployment = facts.deployments.get(unit.id)
    if _days_served(facts, unit) < unit.max_days:
        return None
    if deployment is None:
        return f"already past its {unit.max_days}-day maximum deployment on start"
    return f"reaches its {unit.max_days}-day maximum on {_date(facts, deployment.last)}"


def _availability_ends(facts: PlanFacts, move: Move, unit: PlanningUnit) -> str | None:
    deployment = facts.deployments.get(unit.id)
    if deployment is None or deployment.last != unit.latest_last or unit.max_reached_on == move.day:
        return None
    if _days_served(facts, unit) >= unit.max_days:
        return None
    return f"available only until {_date(facts, unit.latest_last)}"


def _needs_that_end(facts: PlanFacts, move: Move, unit: PlanningUnit) -> str | None:
    """The tasks and requirements at the unit's place whose last day was the day before."""
    ended = _needs_here(facts, move, unit, first=False)
    if not ended:
        return None
    names = ", ".join(f"{_need_name(need)} ends on {_date(facts, need.last)}" for need in ended)
    after = facts.instance.required(move.location, unit.capability, move.day)
    return (
        f"{names}; {unit.capability} at {move.location} needs {after} from {_date(facts, move.day)}"
    )


def _need_name(need: Need) -> str:
    if need.kind == "task":
        return f"task '{need.name}' ({need.personnel} {need.capability})"
    return f"requirement of {need.personnel} {need.capability} at {need.location}"


def _cap_that_binds(facts: PlanFacts, move: Move, unit: PlanningUnit) -> str | None:
    """A cap the plan would break on the withdrawal day had the unit stayed."""
    for cap in facts.instance.caps:
        if not (cap.first <= move.day <= cap.last and cap.applies_to(unit.component)):
            continue
        key = cap.component.value if cap.component else "all"
        with_unit = facts.present_by_component[key][move.day] + unit.strength
        if with_unit > cap.max_personnel:
            return (
                f"cap of {cap.max_personnel:,} {key} personnel from {_date(facts, cap.first)}: "
                f"keeping it would make {with_unit:,} ({with_unit - cap.max_personnel:,} over)"
            )
    return None


def _relief(facts: PlanFacts, move: Move, unit: PlanningUnit) -> str | None:
    partners = [
        other
        for other in facts.moves
        if other.location == move.location
        and other.unit != move.unit
        and other.kind is not move.kind
        and facts.instance.unit_by_id[other.unit].capability == unit.capability
        and abs(other.day - move.day) <= 1
    ]
    if not partners:
        return None
    names = ", ".join(sorted(partner.unit for partner in partners))
    return f"relieved by {names}" if move.kind is ActionKind.WITHDRAW else f"relieves {names}"


def _rotated_early(facts: PlanFacts, move: Move, unit: PlanningUnit) -> str | None:
    """Relieved before its maximum: the fresh unit arrives, and the longest-deployed go first."""
    if _relief(facts, move, unit) is None or _reaches_maximum(facts, move, unit) is not None:
        return None
    served = _days_served(facts, unit)
    return (
        f"{served} days deployed by then; the longest-deployed go home first once relief is there"
    )


def _closes_shortfall(facts: PlanFacts, move: Move, unit: PlanningUnit) -> str | None:
    required = facts.instance.required(move.location, unit.capability, move.day)
    covered = facts.covered_on(move.location, unit.capability, move.day)
    without = covered - unit.strength
    if without >= required:
        return None
    return (
        f"{unit.capability} at {move.location} needs {required} from {_date(facts, move.day)}; "
        f"without it {without} ({required - without} short)"
    )


def _need_starts(facts: PlanFacts, move: Move, unit: PlanningUnit) -> str | None:
    started = _needs_here(facts, move, unit, first=True)
    if not started:
        return None
    return ", ".join(f"{_need_name(need)} starts on {_date(facts, move.day)}" for need in started)


def _fallback(facts: PlanFacts, move: Move, unit: PlanningUnit) -> str:
    required = facts.instance.required(move.location, unit.capability, move.day)
    covered = facts.covered_on(move.location, unit.capability, move.day)
    if move.kind is ActionKind.WITHDRAW:
        return (
            f"not needed: {unit.capability} at {move.location} stays covered without it "
            f"({covered} for {required} required on {_date(facts, move.day)})"
        )
    return (
        f"adds {unit.strength} {unit.capability} at {move.location} "
        f"({covered} for {required} required)"
    )


Finder = Callable[[PlanFacts, Move, PlanningUnit], str | None]
_WITHDRAW_FINDERS: tuple[Finder, ...] = (
    _reaches_maximum,
    _availability_ends,
    _needs_that_end,
    _cap_that_binds,
    _relief,
    _rotated_early,
)
_DEPLOY_FINDERS: tuple[Finder, ...] = (_relief, _need_starts, _closes_shortfall)
