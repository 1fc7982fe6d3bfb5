"""What follows from a set of passes: who is away each day, and the three objective levels."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

from mobilize.passes.instance import PassInstance

# The objective, in order: the most weighted person-days at home; then blocks of one unit
# away at different times rather than together (block-days overlapping another block of the
# same unit); then nearer homes first (person-km of home distance over the passes given).
PASS_LEVELS = ("home", "together", "distance")


@dataclass(frozen=True, order=True)
class Pass:
    """One block of `unit` (`personnel` people) at home on window days start .. start+length-1."""

    unit: str
    start: int
    personnel: int


PassScore = tuple[int, int, int]  # (-weighted home person-days, overlap block-days, person-km)


def away_by_cell(
    instance: PassInstance, passes: tuple[Pass, ...]
) -> dict[tuple[str, str], list[int]]:
    """Personnel on pass per (location, capability) and window day, counting units only."""
    units = instance.unit_by_id
    away: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * instance.window)
    for granted in passes:
        unit = units[granted.unit]
        if unit.counts:
            row = away[unit.cell]
            for day in instance.days_away(granted.start):
                row[day] += granted.personnel
    return dict(away)


def overlap_block_days(instance: PassInstance, passes: Collection[Pass]) -> int:
    """Block-days on which a block of a unit is away together with another of the same unit."""
    per_unit: dict[str, list[int]] = defaultdict(lambda: [0] * instance.window)
    for granted in passes:
        for day in instance.days_away(granted.start):
            per_unit[granted.unit][day] += 1
    return sum(max(0, blocks - 1) for row in per_unit.values() for blocks in row)


def pass_score(instance: PassInstance, passes: tuple[Pass, ...]) -> PassScore:
    """Lower is better, level by level."""
    units = instance.unit_by_id
    distance = sum(round(units[granted.unit].distance_km) * granted.personnel for granted in passes)
    return (-weighted_days_home(instance, passes), overlap_block_days(instance, passes), distance)


def weighted_days_home(instance: PassInstance, passes: Collection[Pass]) -> int:
    """The first level: person-days at home, each day weighted by the policy."""
    return sum(granted.personnel * instance.value(granted.start) for granted in passes)


def person_days_home(instance: PassInstance, passes: tuple[Pass, ...]) -> int:
    return sum(granted.personnel * instance.length for granted in passes)
