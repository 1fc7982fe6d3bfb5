"""Why a unit got fewer passes than blocks: the day, post and capability that would break.

Read off the final passes, not guessed: for the unit's next block, every start it could take
is tried against what is already away, and the tightest (least overrun) is named.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from mobilize.passes.evaluate import Pass, away_by_cell
from mobilize.passes.instance import PassInstance, PassUnit


def withheld_reasons(instance: PassInstance, passes: tuple[Pass, ...]) -> dict[str, str]:
    """unit id -> reason, for every eligible unit with fewer passes than blocks."""
    taken: dict[str, Counter[int]] = defaultdict(Counter)  # unit -> block sizes given a pass
    for granted in passes:
        taken[granted.unit][granted.personnel] += 1
    away = away_by_cell(instance, passes)
    return {
        unit.id: _reason(instance, unit, taken[unit.id], away)
        for unit in instance.units
        if taken[unit.id].total() < len(unit.blocks)
    }


def _reason(
    instance: PassInstance,
    unit: PassUnit,
    taken: Counter[int],
    away: dict[tuple[str, str], list[int]],
) -> str:
    remaining = Counter(unit.blocks) - taken
    size = min(remaining)
    given = sum(taken.values())
    prefix = f"{given} of {len(unit.blocks)} blocks get a pass"
    if not unit.counts:
        return f"{prefix}: the solver stopped before placing the rest (not proved optimal)"
    slack = instance.slack(unit.cell)
    row = away.get(unit.cell, [0] * instance.window)
    tightest: tuple[int, int] | None = None  # (overrun, day)
    for start in unit.starts:
        overruns = [(row[day] + size - slack[day], day) for day in instance.days_away(start)]
        worst = max(overruns, key=lambda pair: (pair[0], -pair[1]))  # earliest of the worst
        if worst[0] <= 0:
            when = instance.date_of(start)
            return (
                f"{prefix}; a {size}-person pass from {when:%d %B} still fits "
                "(the solve was not proved optimal)"
            )
        if tightest is None or worst[0] < tightest[0]:
            tightest = worst
    assert tightest is not None  # an eligible unit has at least one start
    _, day = tightest
    covered = instance.covered[unit.cell][day]
    floor = min(instance.required[unit.cell][day], covered)
    falls_to = covered - row[day] - size
    location, capability = unit.cell
    others = f"{row[day]:,} already away" if row[day] else "nobody else away"
    return (
        f"{prefix}: no {instance.length}-day pass for another {size} keeps coverage; at best "
        f"{capability} coverage at {location} on {instance.date_of(day):%d %B} would fall to "
        f"{falls_to:,} < {floor:,} ({others})"
    )
